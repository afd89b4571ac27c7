"""Kills mutants of ``plugins/ganbench_label_efficiency/kmeans.py`` that
tests/label_efficiency/test_kmeans.py lets survive (`make mutation`, docs/testing.md): the
whole algorithm against a plain re-implementation (k-means++ with the same random draws, Lloyd
iterations, an empty cluster taking the worst-served point, the restart with the lowest
within-cluster sum of squares, the first one on ties), its defaults and the bounds on k."""
from __future__ import annotations

import inspect

import pytest
import torch

from ganbench_label_efficiency.kmeans import kmeans, matched_accuracy


def _sq(x, c):
    return torch.cdist(x, c) ** 2


def reference_kmeans(x, k, seed, iters=100, restarts=4):
    x = x.float()
    g = torch.Generator().manual_seed(seed)
    best = None
    for _ in range(restarts):
        centres = x[torch.randint(len(x), (1,), generator=g)]
        nearest = _sq(x, centres)[:, 0]
        while len(centres) < k:
            weights = nearest if float(nearest.sum()) > 0 else torch.ones_like(nearest)
            pick = torch.multinomial(weights, 1, generator=g)
            centres = torch.cat([centres, x[pick]])
            nearest = torch.minimum(nearest, _sq(x, x[pick])[:, 0])
        assign = None
        for _ in range(iters):
            dist = _sq(x, centres)
            new = dist.argmin(1)
            if assign is not None and torch.equal(new, assign):
                break
            assign = new
            new_centres = torch.zeros_like(centres)
            for j in range(k):
                members = x[assign == j]
                new_centres[j] = members.mean(0) if len(members) else float("nan")
            for j in range(k):
                if not (assign == j).any():
                    served = dist[torch.arange(len(x)), assign]
                    worst = int(served.argmax())
                    new_centres[j] = x[worst]
                    dist[worst] = 0
            centres = new_centres
        dist = _sq(x, centres)
        assign = dist.argmin(1)
        inertia = float(dist[torch.arange(len(x)), assign].sum())
        if best is None or inertia < best[2]:
            best = (centres, assign, inertia)
    return best[0], best[1]


def _data(seed, n=24, d=2, groups=3, spread=0.6, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    centres = torch.randn(groups, d, generator=g) * 3
    labels = torch.arange(n) % groups
    return (centres[labels] + spread * torch.randn(n, d, generator=g)) * scale


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("k", [2, 3, 5])
def test_matches_the_reference_implementation(seed, k):
    x = _data(seed)
    centres, assign = kmeans(x, k, seed=seed)
    ref_centres, ref_assign = reference_kmeans(x, k, seed)
    assert torch.equal(assign, ref_assign)
    torch.testing.assert_close(centres, ref_centres)


@pytest.mark.parametrize("seed", range(2))
def test_small_scale_data_and_few_iterations(seed):
    # squared distances below 1 in total, and Lloyd stopped before it converges
    x = _data(seed, scale=0.01)
    for iters in (1, 2):
        centres, assign = kmeans(x, 3, seed=seed, iters=iters, restarts=2)
        ref_centres, ref_assign = reference_kmeans(x, 3, seed, iters=iters, restarts=2)
        assert torch.equal(assign, ref_assign)
        torch.testing.assert_close(centres, ref_centres)


def test_duplicate_points_and_empty_clusters():
    # two distinct locations, k = 3: one cluster starts empty and takes the worst-served point
    x = torch.tensor([[0.0, 0.0]] * 4 + [[1.0, 0.0]] * 3 + [[0.0, 5.0]])
    for seed in range(6):
        centres, assign = kmeans(x, 3, seed=seed, restarts=1)
        ref_centres, ref_assign = reference_kmeans(x, 3, seed, restarts=1)
        assert torch.equal(assign, ref_assign), seed
        torch.testing.assert_close(centres, ref_centres)
        assert torch.isfinite(centres).all()
    same = torch.ones(5, 2)
    centres, assign = kmeans(same, 2, seed=0)
    assert torch.isfinite(centres).all() and centres.shape == (2, 2)


def test_singleton_clusters_keep_their_point():
    x = torch.tensor([[0.0], [0.1], [10.0], [20.0]])
    centres, assign = kmeans(x, 3, seed=0)
    got = sorted(c.item() for c in centres)
    assert got == pytest.approx([0.05, 10.0, 20.0])


def test_defaults_and_keyword_only_seed():
    params = inspect.signature(kmeans).parameters
    assert (params["iters"].default, params["restarts"].default) == (100, 4)
    assert params["seed"].kind is inspect.Parameter.KEYWORD_ONLY
    with pytest.raises(TypeError):
        kmeans(torch.zeros(3, 1), 1, 0)


def test_bounds_on_k():
    x = _data(0, n=6)
    assert kmeans(x, 1, seed=0)[1].tolist() == [0] * 6
    assert sorted(kmeans(x, 6, seed=0)[1].tolist()) == list(range(6))
    for k in (0, 7, -1):
        with pytest.raises(ValueError, match="clusters"):
            kmeans(x, k, seed=0)


def test_matched_accuracy_with_more_clusters_than_classes():
    predicted = torch.tensor([0, 0, 1, 2, 2, 3])
    truth = torch.tensor([1, 1, 0, 0, 0, 1])
    assert matched_accuracy(predicted, truth) == pytest.approx(4 / 6)


def test_empty_clusters_take_the_worst_served_points_in_turn():
    from ganbench_label_efficiency.kmeans import _lloyd

    # clusters 2 and 3 get no point: 2 takes the worst-served point (14, at squared distance 9),
    # which then counts as served, so 3 takes the next worst (0 or 1 at 0.25: the first, 0)
    x = torch.tensor([[0.0], [1.0], [10.7], [14.0]])
    centres, assign, _ = _lloyd(x, torch.tensor([[0.5], [11.0], [100.0], [200.0]]), iters=1)
    torch.testing.assert_close(centres, torch.tensor([[0.5], [12.35], [14.0], [0.0]]))
    assert assign.tolist() == [3, 0, 1, 2]
    # every point already sits on a centre: both empty clusters take the first point
    x = torch.tensor([[0.0], [1.0]])
    centres, _, _ = _lloyd(x, torch.tensor([[0.0], [1.0], [100.0], [200.0]]), iters=1)
    torch.testing.assert_close(centres, torch.tensor([[0.0], [1.0], [0.0], [0.0]]))
