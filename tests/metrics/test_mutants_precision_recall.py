"""Kills mutants of ``plugins/ganbench_metrics/precision_recall.py`` that
tests/metrics/test_precision_recall.py lets survive (`make mutation`, docs/testing.md): the
default k, the bounds on k, each shape check, and a query exactly on a ball's boundary."""
from __future__ import annotations

import inspect

import pytest
import torch

from ganbench_metrics.precision_recall import knn_radii, precision_recall

LINE = torch.tensor([[0.0], [1.0], [2.0], [3.0]], dtype=torch.float64)


def test_default_k_is_three():
    assert inspect.signature(precision_recall).parameters["k"].default == 3


def test_k_bounds():
    assert knn_radii(LINE, 1).tolist() == [1.0, 1.0, 1.0, 1.0]
    assert knn_radii(LINE, 3).tolist() == [3.0, 2.0, 2.0, 3.0]
    for k in (0, 4, 5):
        with pytest.raises(ValueError, match="needs more than k points"):
            knn_radii(LINE, k)


def test_each_shape_problem_is_refused():
    a = torch.zeros(5, 2)
    for real, fake in ((a[:, 0], a), (a, a[:, 0]), (a, torch.zeros(5, 3))):
        with pytest.raises(ValueError, match="same F"):
            precision_recall(real, fake, k=1)


def test_a_point_on_the_boundary_is_inside():
    # real balls of radius 1 around 0..3; the fake at 4 is exactly 1 from the real point 3
    fake = torch.tensor([[4.0], [5.0], [6.0], [7.0]], dtype=torch.float64)
    precision, recall = precision_recall(LINE, fake, k=1)
    assert precision == 0.25 and recall == 0.25


def test_radii_of_more_points_than_one_block():
    # 1100 points: two row blocks, so a block's distance matrix is not square
    g = torch.Generator().manual_seed(0)
    points = torch.randn(1100, 2, generator=g, dtype=torch.float64)
    full = torch.cdist(points, points)
    expected = full.sort(dim=1).values[:, 3]      # k = 3, after the point itself
    torch.testing.assert_close(knn_radii(points, 3), expected)
