"""A small seeded k-means (k-means++ init, Lloyd iterations, restarts) and cluster accuracy."""
from __future__ import annotations

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment


def _plus_plus_init(x: torch.Tensor, k: int, generator: torch.Generator) -> torch.Tensor:
    """k-means++: each new centre is drawn with probability proportional to squared distance."""
    first = torch.randint(len(x), (1,), generator=generator)
    centres = [x[first]]
    nearest = torch.cdist(x, centres[0]).squeeze(1) ** 2
    for _ in range(1, k):
        weights = nearest if nearest.sum() > 0 else torch.ones_like(nearest)
        pick = torch.multinomial(weights, 1, generator=generator)
        centres.append(x[pick])
        nearest = torch.minimum(nearest, torch.cdist(x, x[pick]).squeeze(1) ** 2)
    return torch.cat(centres)


def _lloyd(x: torch.Tensor, centres: torch.Tensor, iters: int) -> tuple[torch.Tensor, torch.Tensor, float]:
    assign = None
    for _ in range(iters):
        dist = torch.cdist(x, centres) ** 2
        new_assign = dist.argmin(1)
        if assign is not None and torch.equal(new_assign, assign):
            break
        assign = new_assign
        counts = torch.bincount(assign, minlength=len(centres)).to(x.dtype)
        sums = torch.zeros_like(centres).index_add_(0, assign, x)
        centres = sums / counts.clamp(min=1).unsqueeze(1)
        # An empty cluster takes the point worst served by its centre, so k clusters survive.
        for empty in torch.nonzero(counts == 0).flatten().tolist():
            worst = dist.gather(1, assign.unsqueeze(1)).squeeze(1).argmax()
            centres[empty] = x[worst]
            dist[worst] = 0
    dist = torch.cdist(x, centres) ** 2
    assign = dist.argmin(1)
    return centres, assign, float(dist.gather(1, assign.unsqueeze(1)).sum())


def kmeans(x: torch.Tensor, k: int, *, seed: int, iters: int = 100,
           restarts: int = 4) -> tuple[torch.Tensor, torch.Tensor]:
    """Cluster rows of ``x`` [N, D] into k groups: (centres [k, D], assignments int64 [N]).

    Keeps the restart with the lowest within-cluster sum of squares. Deterministic for a seed.
    """
    if not 1 <= k <= len(x):
        raise ValueError(f"k-means: cannot make {k} clusters from {len(x)} points; "
                         "choose num_clusters between 1 and the number of training images")
    x = x.detach().float().cpu()
    generator = torch.Generator().manual_seed(int(seed))
    best = None
    for _ in range(restarts):
        centres, assign, inertia = _lloyd(x, _plus_plus_init(x, k, generator), iters)
        if best is None or inertia < best[2]:
            best = (centres, assign, inertia)
    return best[0], best[1]


def matched_accuracy(predicted: torch.Tensor, truth: torch.Tensor) -> float:
    """Accuracy of cluster ids after the best one-to-one matching of clusters to classes (Hungarian).

    Clusters left without a class (more clusters than classes) count as wrong.
    """
    predicted = predicted.cpu().long().numpy()
    truth = truth.cpu().long().numpy()
    confusion = np.zeros((predicted.max() + 1, truth.max() + 1), dtype=np.int64)
    np.add.at(confusion, (predicted, truth), 1)
    rows, cols = linear_sum_assignment(confusion, maximize=True)
    return float(confusion[rows, cols].sum() / len(truth))
