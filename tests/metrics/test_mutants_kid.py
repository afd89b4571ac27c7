"""Kills mutants of ``plugins/ganbench_metrics/kid.py`` that tests/metrics/test_kid_is.py lets
survive (`make mutation`, docs/testing.md): torch-fidelity's defaults, the smallest accepted
and the largest refused sizes, and each shape check on its own."""
from __future__ import annotations

import inspect

import numpy as np
import pytest

from ganbench_metrics.kid import kernel_inception_distance, mmd2_unbiased


def test_torch_fidelity_defaults():
    params = inspect.signature(kernel_inception_distance).parameters
    assert (params["num_subsets"].default, params["subset_size"].default, params["seed"].default) == (100, 1000, 0)


def _sets(n=5, f=3):
    rng = np.random.default_rng(0)
    return rng.standard_normal((n, f)), rng.standard_normal((n, f)) + 0.5


def test_one_subset_of_everything_is_the_plain_estimate():
    a, b = _sets()
    mean, std = kernel_inception_distance(a, b, num_subsets=1, subset_size=5)
    assert mean == pytest.approx(mmd2_unbiased(a, b), rel=1e-12) and std == 0.0


def test_two_samples_are_enough():
    a, b = _sets(2)
    mean, _ = kernel_inception_distance(a, b, num_subsets=1)
    assert mean == pytest.approx(mmd2_unbiased(a, b), rel=1e-12)


def test_too_few_samples_or_subsets_are_refused():
    a, b = _sets()
    with pytest.raises(ValueError, match="num_subsets"):
        kernel_inception_distance(a, b, num_subsets=0)
    with pytest.raises(ValueError, match="at least 2 samples"):
        kernel_inception_distance(a[:1], b, num_subsets=1)
    with pytest.raises(ValueError, match="at least 2 samples"):
        kernel_inception_distance(a, b, num_subsets=1, subset_size=1)


def test_each_shape_problem_is_refused():
    a, b = _sets()
    for x, y in ((a[:, 0], b), (a, b[:, 0]), (a, b[:, :2])):
        with pytest.raises(ValueError, match="same F"):
            kernel_inception_distance(x, y, num_subsets=1)
