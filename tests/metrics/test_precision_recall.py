"""Improved precision/recall on hand-built point sets (distances checked by hand)."""
import pytest
import torch

from ganbench_metrics.precision_recall import knn_radii, precision_recall


def on_line(*xs):
    return torch.tensor([[x, 0.0] for x in xs])


def test_k1_example_by_hand():
    real = on_line(0, 1, 2, 3)          # k=1 radii: 1 each
    fake = on_line(0.5, 2.9, 10, 20)    # k=1 radii: 2.4, 2.4, 7.1, 10
    assert knn_radii(fake.double(), 1).tolist() == pytest.approx([2.4, 2.4, 7.1, 10.0])
    precision, recall = precision_recall(real, fake, k=1)
    assert precision == pytest.approx(0.5)   # 0.5 and 2.9 lie in a real ball; 10 and 20 do not
    assert recall == pytest.approx(1.0)      # every real point lies within 2.4 of 0.5 or 2.9


def test_k3_radius_boundary_by_hand():
    real = on_line(*range(10))   # k=3 radius of 9 is 3 (neighbours 8, 7, 6); of 8 it is 2
    assert knn_radii(real.double(), 3)[[0, 5, 8, 9]].tolist() == [3.0, 2.0, 2.0, 3.0]
    inside, outside = on_line(11.9), on_line(12.5)
    fake = torch.cat([inside, outside, on_line(4.2, 4.4)])
    precision, _ = precision_recall(real, fake, k=3)
    assert precision == pytest.approx(3 / 4)


def test_identical_sets_are_perfect_and_disjoint_sets_score_zero():
    gen = torch.Generator().manual_seed(0)
    pts = torch.randn(50, 4, generator=gen)
    assert precision_recall(pts, pts, k=3) == (1.0, 1.0)
    assert precision_recall(pts, pts + 100.0, k=3) == (0.0, 0.0)


def test_mode_dropping_lowers_recall_not_precision():
    gen = torch.Generator().manual_seed(1)
    real = torch.cat([torch.randn(200, 2, generator=gen), torch.randn(200, 2, generator=gen) + 20])
    fake = torch.randn(400, 2, generator=gen)   # covers only the first mode
    precision, recall = precision_recall(real, fake, k=3)
    assert precision > 0.9 and 0.4 < recall < 0.6
