"""Kills mutants of ``plugins/ganbench_metrics/feature_metrics.py`` left by the third mutation run
(docs/testing.md): the published defaults of density/coverage (k = 5, Naeem et al.) and of PRD
(20 clusters, 1001 angles, 10 k-means runs, summarised by F_8 and F_1/8, Sajjadi et al.),
pinned by behaviour through an EvalContext, and the refusal of ``resize="clean"`` on a
non-Inception extractor."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from ganbench_metrics import feature_metrics as FM
from ganbench_metrics.prd import prd_curve

from .test_metric_plugins import make_ctx

# Seven reals on a line at 0..6 and seven fakes, all at 3. The k-th nearest other real is at
# distance (k = 4) 4 3 2 2 2 3 4, (k = 5) 5 4 3 3 3 4 5, (k = 6) 6 5 4 3 4 5 6, and the fake is at
# 3 2 1 0 1 2 3 from them: inside every ball for k = 4, 5, 6. So coverage = 1 and
# density = 7 * 7 / (k * 7) = 7 / k: 1.4 for the paper's k = 5 (1.75 for k = 4, 7/6 for k = 6).
LINE = {"real": torch.arange(7.0).unsqueeze(1), "fake": torch.full((7, 1), 3.0)}


@pytest.mark.parametrize("factory, suffix", [(FM.density_coverage, ""),
                                             (FM.density_coverage_domain, "_domain")])
def test_density_coverage_default_k_is_the_papers_five(factory, suffix):
    # density scales as 1/k here, so a default other than k = 5 reports a different fidelity
    ctx, _ = make_ctx(features=LINE)
    got = factory()(ctx)
    assert got == {f"density{suffix}": pytest.approx(7 / 5, rel=1e-12),
                   f"coverage{suffix}": pytest.approx(1.0, rel=1e-12)}
    assert factory(k=4)(ctx)[f"density{suffix}"] == pytest.approx(7 / 4, rel=1e-12)


def _f_beta_max(precision, recall, beta):
    """max over the curve of F_beta = (1 + b^2) p r / (b^2 p + r + 1e-10), written out here."""
    return float(np.max((1 + beta ** 2) * precision * recall / (beta ** 2 * precision + recall + 1e-10)))


def _summary(real, fake, clusters, angles, runs, seed):
    precision, recall = prd_curve(real, fake, clusters, angles, runs, seed=seed)
    return _f_beta_max(precision, recall, 8), _f_beta_max(precision, recall, 1 / 8)


def test_prd_defaults_are_compare_gans_and_summarised_by_f8_and_f1_8():
    # 20 clusters, 1001 angles and 10 clusterings are the published protocol; prd_f8 weighs recall
    # with beta = 8 and prd_f1_8 precision with beta = 1/8. Every neighbouring setting (and beta
    # 7 or 9) moves the numbers on these features, so a changed default would change the table.
    g = torch.Generator().manual_seed(0)
    feats = {"fake": torch.randn(48, 3, generator=g) * 1.3 + 0.4, "real": torch.randn(48, 3, generator=g)}
    ctx, _ = make_ctx(features=feats)
    ctx.seed = 3
    f8, f1_8 = _summary(feats["real"], feats["fake"], 20, 1001, 10, seed=3)
    exact = dict(rel=1e-12, abs=0)
    assert FM.prd()(ctx) == {"prd_f8": pytest.approx(f8, **exact), "prd_f1_8": pytest.approx(f1_8, **exact)}
    assert FM.prd_domain()(ctx) == {"prd_f8_domain": pytest.approx(f8, **exact),
                                    "prd_f1_8_domain": pytest.approx(f1_8, **exact)}
    for other in [(19, 1001, 10), (21, 1001, 10), (20, 1000, 10), (20, 1002, 10), (20, 1001, 9), (20, 1001, 11)]:
        assert _summary(feats["real"], feats["fake"], *other, seed=3)[0] != pytest.approx(f8, rel=1e-7)
    precision, recall = prd_curve(feats["real"], feats["fake"], 20, 1001, 10, seed=3)
    for beta in (7, 9):
        assert _f_beta_max(precision, recall, beta) != pytest.approx(f8, rel=1e-3)
        assert _f_beta_max(precision, recall, 1 / beta) != pytest.approx(f1_8, rel=1e-3)


def test_clean_resize_refuses_a_non_inception_extractor():
    # clean-fid's resize is an Inception preprocessing: on another extractor the "_clean" numbers
    # would be mislabelled, so it is an error; on Inception it selects the clean extractor
    with pytest.raises(ValueError, match="Inception extractor only"):
        FM.fid(extractor="domain_classifier", resize="clean")
    assert FM.fid(extractor="inception_v3", resize="clean").feature_extractors == ("inception_v3_clean",)
    assert FM.fid(extractor="inception_v3_clean", resize="clean").feature_extractors == ("inception_v3_clean",)
