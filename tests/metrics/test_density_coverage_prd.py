"""Density/coverage, checked against the reference implementation prdc (PRD: test_prd.py)."""
import numpy as np
import pytest
import torch

from ganbench_metrics import feature_metrics
from ganbench_metrics.density_coverage import density_coverage

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
