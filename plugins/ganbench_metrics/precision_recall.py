"""Improved precision and recall (Kynkaanniemi et al., 2019).

Each real feature gets a radius: the distance to its k-th nearest other real feature; the union
of those balls estimates the real manifold. Precision = fraction of fake features inside at
least one real ball. Recall = the same with the roles swapped (fake balls, real points).
Distances are computed in float64, in row blocks to bound memory.
"""
from __future__ import annotations

import torch

BLOCK_ROWS = 1024


def knn_radii(points: torch.Tensor, k: int) -> torch.Tensor:
    """Distance from each point to its k-th nearest neighbour among the other points."""
    if not 1 <= k < len(points):
        raise ValueError(f"precision/recall with k={k} needs more than k points per set, got {len(points)}")
    radii = []
    for block in points.split(BLOCK_ROWS):
        dist = torch.cdist(block, points)
        # Each point is its own nearest neighbour at distance 0, hence k + 1.
        radii.append(dist.kthvalue(k + 1, dim=1).values)
    return torch.cat(radii)


def coverage(manifold: torch.Tensor, radii: torch.Tensor, queries: torch.Tensor) -> float:
    """Fraction of ``queries`` within radius of at least one point of ``manifold``."""
    inside = []
    for block in queries.split(BLOCK_ROWS):
        dist = torch.cdist(block, manifold)
        inside.append((dist <= radii.unsqueeze(0)).any(dim=1))
    return torch.cat(inside).double().mean().item()


def precision_recall(real_features, fake_features, k: int = 3) -> tuple[float, float]:
    """(precision, recall) of fake features against real features with k-NN radii."""
    real = torch.as_tensor(real_features).detach().double()
    fake = torch.as_tensor(fake_features).detach().double().to(real.device)
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(f"precision/recall needs two [N, F] feature sets with the same F, got "
                         f"{tuple(real.shape)} and {tuple(fake.shape)}")
    precision = coverage(real, knn_radii(real, k), fake)
    recall = coverage(fake, knn_radii(fake, k), real)
    return precision, recall
