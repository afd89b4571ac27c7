"""KID and Inception Score against hand computations and torch-fidelity's own functions."""
import itertools

import numpy as np
import pytest
import torch

from ganbench_metrics.inception_score import inception_score
from ganbench_metrics.kid import kernel_inception_distance, mmd2_unbiased

tf_kid = pytest.importorskip("torch_fidelity.metric_kid", reason="torch-fidelity is a test dependency")
tf_isc = pytest.importorskip("torch_fidelity.metric_isc", reason="torch-fidelity is a test dependency")


def test_mmd2_matches_explicit_double_sums():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 3)) + 0.5
    k = lambda a, b: (a @ b / 3 + 1) ** 3
    m = 5
    xx = sum(k(x[i], x[j]) for i, j in itertools.permutations(range(m), 2)) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i, j in itertools.permutations(range(m), 2)) / (m * (m - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(m)) / (m * m)
    assert mmd2_unbiased(x, y) == pytest.approx(xx + yy - 2 * xy, rel=1e-12)


def test_kid_agrees_with_torch_fidelity_on_subsets():
    gen = torch.Generator().manual_seed(1)
    a = torch.randn(300, 16, generator=gen, dtype=torch.float64)
    b = torch.randn(250, 16, generator=gen, dtype=torch.float64) * 1.2 + 0.1
    ref = tf_kid.kid_features_to_metric(a, b, kid_subsets=20, kid_subset_size=100, rng_seed=7, verbose=False)
    mean, std = kernel_inception_distance(a, b, num_subsets=20, subset_size=100, seed=7)
    assert mean == pytest.approx(ref["kernel_inception_distance_mean"], rel=1e-3)
    assert std == pytest.approx(ref["kernel_inception_distance_std"], rel=1e-3)
    assert mean > 0.01    # genuinely different sets: the comparison is not 0 == 0


def test_kid_is_near_zero_for_same_distribution_and_caps_subset_size():
    gen = torch.Generator().manual_seed(2)
    a, b = torch.randn(200, 8, generator=gen), torch.randn(200, 8, generator=gen)
    mean, _ = kernel_inception_distance(a, b, num_subsets=10, subset_size=1000, seed=0)
    assert abs(mean) < 0.02


def test_inception_score_agrees_with_torch_fidelity():
    gen = torch.Generator().manual_seed(3)
    logits = torch.randn(200, 12, generator=gen) * 3
    ref = tf_isc.isc_features_to_metric(logits, splits=4, shuffle=False)
    mean, std = inception_score(logits, splits=4)
    assert mean == pytest.approx(ref["inception_score_mean"], rel=1e-3)
    assert std == pytest.approx(ref["inception_score_std"], rel=1e-3)


def test_inception_score_extremes_by_hand():
    # Confident and evenly spread over K classes: IS = K. All the same prediction: IS = 1.
    confident = torch.eye(8).repeat(3, 1) * 60.0
    assert inception_score(confident, splits=1)[0] == pytest.approx(8.0, rel=1e-6)
    same = torch.tensor([[5.0, 1.0, 0.0]]).repeat(30, 1)
    assert inception_score(same, splits=3) == pytest.approx((1.0, 0.0), abs=1e-9)


def test_inception_score_needs_enough_samples():
    with pytest.raises(ValueError, match="at least 10 samples"):
        inception_score(torch.zeros(5, 3), splits=10)
