"""Density/coverage (checked against the reference implementation prdc) and PRD (Compare GAN)."""
import numpy as np
import pytest
import torch

from ganbench_metrics import feature_metrics
from ganbench_metrics.density_coverage import density_coverage
from ganbench_metrics.prd import max_f_beta_pair, prd_curve, prd_from_histograms

from .test_metric_plugins import make_ctx


def gaussians(n_real, n_fake, dim, shift=0.0, seed=0):
    rng = np.random.RandomState(seed)
    return rng.normal(size=(n_real, dim)), rng.normal(size=(n_fake, dim)) + shift


@pytest.mark.parametrize("shift,k", [(0.0, 5), (0.3, 5), (0.1, 3)])
def test_density_coverage_match_prdc_on_identical_features(shift, k):
    prdc = pytest.importorskip("prdc")
    real, fake = gaussians(1200, 900, 32, shift)
    ref = prdc.compute_prdc(real_features=real, fake_features=fake, nearest_k=k)
    density, coverage = density_coverage(real, fake, k=k)
    assert density == pytest.approx(float(ref["density"]), abs=1e-6)
    assert coverage == pytest.approx(float(ref["coverage"]), abs=1e-6)


@pytest.mark.slow
def test_density_coverage_reproduce_prdc_readme_example():
    """prdc's README: 10,000 real and fake N(0, I) samples in 1000 dimensions, k = 5, 'may
    fluctuate due to randomness': density 1.0555, coverage 0.9735. With RandomState(0) prdc itself
    gives density 1.1512, coverage 0.9799 (measured), as do we; density fluctuates most."""
    real, fake = gaussians(10000, 10000, 1000)
    density, coverage = density_coverage(real, fake, k=5)
    assert density == pytest.approx(1.15124, abs=1e-4) and coverage == pytest.approx(0.9799, abs=1e-4)
    assert density == pytest.approx(1.0555, abs=0.15) and coverage == pytest.approx(0.9735, abs=0.015)


def test_density_coverage_of_identical_gaussians_64d():
    """10,000 vs 10,000 samples of N(0, I) in 64-d (prdc gives 0.9573 / 0.9601 for this seed)."""
    real, fake = gaussians(10000, 10000, 64)
    density, coverage = density_coverage(real, fake, k=5)
    assert density == pytest.approx(0.9573, abs=1e-4) and coverage == pytest.approx(0.9601, abs=1e-4)


def test_density_coverage_react_to_fidelity_and_diversity():
    real, fake = gaussians(1000, 1000, 8)
    collapsed = np.repeat(real[:5], 200, axis=0) + 0.01    # few modes, all on real points
    far = fake + 10.0
    d_same, c_same = density_coverage(real, fake)
    d_coll, c_coll = density_coverage(real, collapsed)
    d_far, c_far = density_coverage(real, far)
    assert c_coll < 0.05 < 0.9 < c_same and d_far == c_far == 0.0
    assert d_coll > 0.5 * d_same    # the collapsed samples are real-looking: density stays up


def test_density_coverage_metric_plugins():
    real, fake = gaussians(300, 300, 6, 0.2)
    feats = {"fake": torch.tensor(fake), "real": torch.tensor(real)}
    ctx, asked = make_ctx(features=feats)
    out = feature_metrics.density_coverage(num_samples=200)(ctx)
    expected = density_coverage(real[:200], fake[:200])
    assert out == {"density": pytest.approx(expected[0]), "coverage": pytest.approx(expected[1])}
    assert set(feature_metrics.density_coverage_domain(num_samples=200)(ctx)) == {"density_domain", "coverage_domain"}
    assert asked == ["inception_v3", "domain_classifier"]
    assert feature_metrics.density_coverage_domain().feature_extractors == ("domain_classifier",)


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
