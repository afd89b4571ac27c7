"""Kernel Inception Distance: unbiased MMD^2 with the cubic polynomial kernel, over subsets.

k(x, y) = (x . y / d + 1)^3. For each of ``num_subsets`` subsets of ``subset_size`` rows drawn
without replacement from each set, MMD^2 = mean_{i!=j} k(x_i, x_j) + mean_{i!=j} k(y_i, y_j)
- 2 mean_{i,j} k(x_i, y_j); the result is the mean and standard deviation over subsets.
Subsets are drawn with ``numpy.random.RandomState(seed).choice`` (first set, then second set,
per subset), the same scheme torch-fidelity uses, so both give identical numbers for one seed.
"""
from __future__ import annotations

import numpy as np

from .fid import as_float64


def polynomial_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The KID kernel (x . y / d + 1)^3 between all rows of x and y."""
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD^2 estimate between equal-size samples x and y with the cubic kernel."""
    m = x.shape[0]
    k_xx, k_yy, k_xy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    within = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    return float(within - 2.0 * k_xy.sum() / (m * m))


def kernel_inception_distance(features_a, features_b, num_subsets: int = 100,
                              subset_size: int = 1000, seed: int = 0) -> tuple[float, float]:
    """(mean, std) of unbiased MMD^2 over random subsets.

    ``subset_size`` is capped at the smaller set's size, so small evaluations still work
    (with fewer distinct subsets the spread shrinks; documented in docs/metrics.md).
    """
    a, b = as_float64(features_a), as_float64(features_b)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"KID needs two [N, F] feature sets with the same F, got {a.shape} and {b.shape}")
    if num_subsets < 1:
        raise ValueError(f"KID num_subsets must be >= 1, got {num_subsets}")
    size = min(subset_size, len(a), len(b))
    if size < 2:
        raise ValueError(f"KID needs at least 2 samples per set, got {len(a)} and {len(b)}")
    rng = np.random.RandomState(seed)
    values = np.empty(num_subsets)
    for i in range(num_subsets):
        pick_a = a[rng.choice(len(a), size, replace=False)]
        pick_b = b[rng.choice(len(b), size, replace=False)]
        values[i] = mmd2_unbiased(pick_a, pick_b)
    return float(values.mean()), float(values.std())
