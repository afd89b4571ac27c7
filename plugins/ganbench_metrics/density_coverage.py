"""Density and coverage (Naeem et al., 2020), the k-NN fidelity/diversity pair.

Real features X (N rows), fake features Y (M rows); r_i is the Euclidean distance from X_i to its
k-th nearest other real feature (k = 5 in the paper). A fake Y_j is inside ball i when
||Y_j - X_i|| < r_i (strictly, as in the reference implementation ``prdc``):

    density  = 1/(k M) * sum_j sum_i 1[||Y_j - X_i|| < r_i]
    coverage = 1/N * sum_i 1[min_j ||Y_j - X_i|| < r_i]

Density is about 1 for identical distributions and unbounded above (fakes crowding dense real
regions); coverage is in [0, 1]. Distances are computed in float64 in row blocks, so memory stays
bounded; numbers agree with ``prdc.compute_prdc`` to 1e-6 on the same features (tested).
"""
from __future__ import annotations

import torch

from .precision_recall import BLOCK_ROWS, knn_radii


def as_double(features, device=None) -> torch.Tensor:
    x = torch.as_tensor(features).detach().double()
    return x if device is None else x.to(device)


def density_coverage(real_features, fake_features, k: int = 5) -> tuple[float, float]:
    """(density, coverage) of fake features against real features with k-NN radii of the reals."""
    real = as_double(real_features)
    fake = as_double(fake_features, real.device)
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(f"density/coverage needs two [N, F] feature sets with the same F, got "
                         f"{tuple(real.shape)} and {tuple(fake.shape)}")
    if len(fake) < 1:
        raise ValueError("density/coverage needs at least one generated feature")
    radii = knn_radii(real, k)
    inside_count = torch.zeros(len(fake), dtype=torch.float64, device=real.device)
    covered = []
    for start in range(0, len(real), BLOCK_ROWS):
        block = real[start:start + BLOCK_ROWS]
        inside = torch.cdist(block, fake) < radii[start:start + BLOCK_ROWS].unsqueeze(1)   # [n, M]
        inside_count += inside.sum(dim=0)
        covered.append(inside.any(dim=1))
    density = inside_count.mean().item() / k
    coverage = torch.cat(covered).double().mean().item()
    return density, coverage
