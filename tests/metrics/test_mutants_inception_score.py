"""Kills mutants of ``plugins/ganbench_metrics/inception_score.py`` that
tests/metrics/test_kid_is.py lets survive (`make mutation`, docs/testing.md): the default of 10
splits, the split bounds, and uneven chunks against a hand computation."""
from __future__ import annotations

import inspect
import math

import numpy as np
import pytest
import torch

from ganbench_metrics.inception_score import inception_score


def _by_hand(logits: torch.Tensor, splits: int) -> tuple[float, float]:
    n = len(logits)
    scores = []
    for i in range(splits):
        p = torch.softmax(logits[i * n // splits:(i + 1) * n // splits].double(), dim=1)
        marginal = p.mean(0)
        kl = (p * (p.log() - marginal.log())).sum(1).mean()
        scores.append(math.exp(kl))
    return float(np.mean(scores)), float(np.std(scores))


def test_default_is_ten_splits():
    assert inception_score.__defaults__ == (10,)
    assert inspect.signature(inception_score).parameters["splits"].default == 10


@pytest.mark.parametrize("n, splits", [(7, 3), (10, 10), (5, 1), (9, 2)])
def test_uneven_chunks_match_a_hand_computation(n, splits):
    logits = torch.randn(n, 4, generator=torch.Generator().manual_seed(n))
    mean, std = inception_score(logits, splits=splits)
    ref_mean, ref_std = _by_hand(logits, splits)
    assert mean == pytest.approx(ref_mean, rel=1e-12) and std == pytest.approx(ref_std, abs=1e-12)


def test_split_bounds():
    logits = torch.randn(4, 3)
    for splits in (0, -1, 5):
        with pytest.raises(ValueError, match="splits needs at least"):
            inception_score(logits, splits=splits)
    with pytest.raises(ValueError, match=r"logits \[N, K\]"):
        inception_score(torch.randn(4), splits=1)
