"""k-means picks the restart with the lowest within-cluster *sum of squares* (`make mutation`
survivor kmeans.py `dist = torch.cdist(x, centres) ** 3`, docs/testing.md): the inertia ``_lloyd``
reports, which the restarts are compared by, is the sum of squared distances to the assigned
centres, checked by hand on points whose distances are not 0 or 1."""
from __future__ import annotations

import pytest
import torch

from ganbench_label_efficiency import kmeans as K


def test_inertia_is_the_within_cluster_sum_of_squares():
    x = torch.tensor([[0.0, 0.0], [2.0, 0.0], [10.0, 0.0], [10.0, 3.0]])
    centres, assign, inertia = K._lloyd(x, torch.tensor([[0.0, 0.0], [10.0, 0.0]]), iters=10)
    assert assign.tolist() == [0, 0, 1, 1]
    assert centres.tolist() == [[1.0, 0.0], [10.0, 1.5]]
    # 1^2 + 1^2 + 1.5^2 + 1.5^2 = 6.5 (cubes would give 8.75)
    assert inertia == pytest.approx(6.5)


def test_the_restart_with_the_lowest_sum_of_squares_is_kept(monkeypatch):
    x = torch.tensor([[0.0], [1.0], [5.0], [6.0], [20.0]])
    runs = iter([(torch.tensor([[0.0], [6.0]]), torch.tensor([0, 0, 1, 1, 1]), 150.0),
                 (torch.tensor([[1.0], [20.0]]), torch.tensor([0, 0, 0, 0, 1]), 26.0),
                 (torch.tensor([[3.0], [9.0]]), torch.tensor([0, 0, 1, 1, 1]), 200.0)])
    monkeypatch.setattr(K, "_lloyd", lambda x, centres, iters: next(runs))
    centres, assign = K.kmeans(x, 2, seed=0, restarts=3)
    assert centres.tolist() == [[1.0], [20.0]] and assign.tolist() == [0, 0, 0, 0, 1]
