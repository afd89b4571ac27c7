"""Kills mutants of ``plugins/ganbench_metrics/feature_metrics.py`` that
tests/metrics/test_metric_plugins.py and test_fid.py let survive (`make mutation`,
docs/testing.md): the published defaults of every metric factory (torch-fidelity's KID subsets,
10 Inception Score splits, k = 3 for precision/recall) and the run's seed reaching KID."""
from __future__ import annotations

import inspect

import pytest
import torch

from ganbench_metrics import feature_metrics as FM
from ganbench_metrics.kid import kernel_inception_distance

from .test_metric_plugins import make_ctx


def _defaults(factory):
    return {n: p.default for n, p in inspect.signature(factory).parameters.items()}


def test_published_defaults():
    d = _defaults(FM.fid)
    assert (d["num_samples"], d["extractor"]) == (None, "inception_v3")
    assert _defaults(FM.fid_domain)["num_samples"] is None
    for factory in (FM.kid, FM.kid_domain):
        d = _defaults(factory)
        assert (d["num_samples"], d["num_subsets"], d["subset_size"]) == (None, 100, 1000)
    for factory in (FM.inception_score, FM.is_domain):
        d = _defaults(factory)
        assert (d["num_samples"], d["splits"]) == (None, 10)
    for factory in (FM.precision_recall, FM.precision_recall_domain):
        d = _defaults(factory)
        assert (d["num_samples"], d["k"]) == (None, 3)
    assert (FM.INCEPTION, FM.DOMAIN) == ("inception_v3", "domain_classifier")


def test_kid_uses_the_runs_seed_and_every_subset_setting():
    g = torch.Generator().manual_seed(0)
    feats = {"fake": torch.randn(40, 3, generator=g) + 0.3, "real": torch.randn(40, 3, generator=g)}
    ctx, _ = make_ctx(features=feats)
    ctx.seed = 7
    got = FM.kid(num_samples=40, num_subsets=3, subset_size=20)(ctx)
    mean, std = kernel_inception_distance(feats["fake"], feats["real"], 3, 20, seed=7)
    assert got == {"kid": pytest.approx(mean), "kid_std": pytest.approx(std)}
