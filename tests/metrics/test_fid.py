"""FID math: hand formulas on Gaussians with known answers, and torch-fidelity's own functions."""
import numpy as np
import pytest
import torch

from ganbench_metrics.fid import fid_from_features, frechet_distance, gaussian_statistics

torch_fidelity_fid = pytest.importorskip("torch_fidelity.metric_fid", reason="torch-fidelity is a test dependency")


def test_diagonal_gaussians_match_closed_form():
    # For commuting (diagonal) covariances: |mu1-mu2|^2 + sum (sqrt(s1) - sqrt(s2))^2.
    mu1, mu2 = np.array([0.0, 1.0, -2.0]), np.array([1.0, 1.0, 0.0])
    s1, s2 = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 9.0])
    expected = 1 + 0 + 4 + (1 - 2) ** 2 + (2 - 1) ** 2 + 0
    assert frechet_distance(mu1, np.diag(s1), mu2, np.diag(s2)) == pytest.approx(expected, rel=1e-10)


def test_general_covariances_match_symmetric_form():
    # Tr sqrt(S1 S2) = Tr sqrt(S1^1/2 S2 S1^1/2), computed independently with eigh.
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((6, 6)), rng.standard_normal((6, 6))
    s1, s2 = a @ a.T + np.eye(6), b @ b.T + 0.5 * np.eye(6)
    mu1, mu2 = rng.standard_normal(6), rng.standard_normal(6)
    w, v = np.linalg.eigh(s1)
    root1 = v @ np.diag(np.sqrt(w)) @ v.T
    inner = np.linalg.eigvalsh(root1 @ s2 @ root1)
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * np.sum(np.sqrt(inner))
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-9)


def test_identical_statistics_give_zero_and_samples_recover_known_answer():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((20000, 2))
    y = rng.standard_normal((20000, 2)) * 2.0 + np.array([3.0, 0.0])
    assert fid_from_features(x, x) == pytest.approx(0.0, abs=1e-8)
    # N(0, I) vs N((3, 0), 4I): 9 + 2 * (2 - 1)^2 = 11.
    assert fid_from_features(x, y) == pytest.approx(11.0, rel=0.03)


def test_singular_covariances_are_handled_like_reference():
    # Fewer samples than dimensions: rank-deficient covariances, as in small FID evaluations.
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((30, 64)), rng.standard_normal((30, 64)) + 0.1
    ours = fid_from_features(x, y)
    ref = torch_fidelity_fid.fid_statistics_to_metric(
        torch_fidelity_fid.fid_features_to_statistics(torch.from_numpy(x)),
        torch_fidelity_fid.fid_features_to_statistics(torch.from_numpy(y)), verbose=False)
    assert np.isfinite(ours)
    assert ours == pytest.approx(ref["frechet_inception_distance"], rel=1e-3)


def test_agrees_with_torch_fidelity_on_identical_features():
    gen = torch.Generator().manual_seed(3)
    a = torch.randn(500, 32, generator=gen, dtype=torch.float64)
    b = torch.randn(400, 32, generator=gen, dtype=torch.float64) @ (torch.eye(32, dtype=torch.float64) * 1.3) + 0.2
    stats = [torch_fidelity_fid.fid_features_to_statistics(f) for f in (a, b)]
    ref = torch_fidelity_fid.fid_statistics_to_metric(*stats, verbose=False)["frechet_inception_distance"]
    assert fid_from_features(a, b) == pytest.approx(ref, rel=1e-3)
    mu, sigma = gaussian_statistics(a)
    np.testing.assert_allclose(sigma, stats[0]["sigma"], rtol=1e-12)


def test_shape_mismatch_is_a_clear_error():
    with pytest.raises(ValueError, match="same feature extractor"):
        frechet_distance(np.zeros(3), np.eye(3), np.zeros(4), np.eye(4))
