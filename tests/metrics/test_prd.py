"""PRD, precision and recall for distributions (Sajjadi et al., 2018), as Compare GAN computes it."""
import numpy as np
import pytest
import torch

from ganbench_metrics import feature_metrics
from ganbench_metrics.prd import max_f_beta_pair, prd_curve, prd_from_histograms

from .test_metric_plugins import make_ctx


def test_prd_histogram_curve_matches_the_definition():
    q, p = np.array([0.5, 0.5, 0.0]), np.array([0.25, 0.25, 0.5])
    precision, recall = prd_from_histograms(q, p, num_angles=1001)
    slopes = np.tan(np.linspace(1e-10, np.pi / 2 - 1e-10, 1001))
    assert precision[500] == pytest.approx(min(0.25 * slopes[500], 0.5) * 2)
    assert precision.max() == pytest.approx(1.0) and recall.max() == pytest.approx(0.5)


def test_prd_identical_disjoint_and_subset():
    gen = torch.Generator().manual_seed(0)
    a, b = torch.randn(1000, 16, generator=gen), torch.randn(1000, 16, generator=gen)
    assert max_f_beta_pair(*prd_curve(a, b)) == pytest.approx((1.0, 1.0), abs=0.03)
    assert max_f_beta_pair(*prd_curve(a, b + 50)) == pytest.approx((0.0, 0.0), abs=1e-6)
    means = torch.randn(4, 16, generator=gen) * 10
    real = means[torch.arange(1000) % 4] + torch.randn(1000, 16, generator=gen)
    fake = means[0] + torch.randn(1000, 16, generator=gen)         # one of four modes
    f8, f1_8 = max_f_beta_pair(*prd_curve(real, fake))
    assert f1_8 > 0.9 and f8 < 0.3     # high precision, low recall (F_8 weighs recall)
    f8, f1_8 = max_f_beta_pair(*prd_curve(fake, real))
    assert f8 > 0.9 and f1_8 < 0.4     # the reverse: covers the data, mostly off it


def test_prd_metric_plugin_and_balance():
    gen = torch.Generator().manual_seed(1)
    feats = {"fake": torch.randn(200, 4, generator=gen), "real": torch.randn(300, 4, generator=gen)}
    ctx, _ = make_ctx(features=feats)
    out = feature_metrics.prd_domain(num_samples=200, num_runs=3)(ctx)
    assert set(out) == {"prd_f8_domain", "prd_f1_8_domain"} and min(out.values()) > 0.8
    with pytest.raises(ValueError, match="as many real"):
        prd_curve(feats["real"], feats["fake"])
