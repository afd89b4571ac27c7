"""Precision and recall for distributions, PRD (Sajjadi et al., 2018), as in Compare GAN.

The union of real (reference, P) and generated (evaluated, Q) features is clustered with k-means
(20 clusters); P and Q become histograms over the clusters. For slopes lambda = tan(theta), with
1001 angles theta evenly spaced in [1e-10, pi/2 - 1e-10]:

    precision alpha(lambda) = sum_w min(lambda P(w), Q(w)),   recall beta(lambda) = alpha / lambda,

both clipped to [0, 1]. The curve is averaged over 10 clusterings (different k-means seeds) and
summarised by the maxima over the curve of F_beta = (1 + b^2) p r / (b^2 p + r + 1e-10) with b = 8
(``prd_f8``: weighs recall, "does the model cover the data") and b = 1/8 (``prd_f1_8``: weighs
precision, "are the samples like the data"). Like Compare GAN (``enforce_balance``), both sets
must have the same number of features.

k-means is ours (k-means++ seeding, then Lloyd iterations, float64, seeded), not scikit-learn's
MiniBatchKMeans, so the metric needs no extra dependency; the curve is an average over clusterings
either way.
"""
from __future__ import annotations

import math

import numpy as np
import torch

EPSILON = 1e-10


def kmeans_labels(points: torch.Tensor, clusters: int, seed: int, iterations: int = 50) -> torch.Tensor:
    """Cluster ids of ``points`` [N, F] after k-means++ seeding and Lloyd iterations."""
    gen = torch.Generator().manual_seed(seed)
    n = len(points)
    centres = points[torch.randint(n, (1,), generator=gen)]
    closest = torch.cdist(points, centres).squeeze(1) ** 2
    for _ in range(1, clusters):
        weights = closest if closest.sum() > 0 else torch.ones_like(closest)
        pick = torch.multinomial(weights.float(), 1, generator=gen)
        centres = torch.cat([centres, points[pick]])
        closest = torch.minimum(closest, torch.cdist(points, points[pick]).squeeze(1) ** 2)
    labels = torch.cdist(points, centres).argmin(1)
    for _ in range(iterations):
        sums = torch.zeros_like(centres).index_add_(0, labels, points)
        counts = torch.bincount(labels, minlength=clusters).unsqueeze(1).to(points)
        centres = torch.where(counts > 0, sums / counts.clamp_min(1), centres)
        new = torch.cdist(points, centres).argmin(1)
        if torch.equal(new, labels):
            break
        labels = new
    return labels


def prd_from_histograms(eval_dist: np.ndarray, ref_dist: np.ndarray, num_angles: int = 1001
                        ) -> tuple[np.ndarray, np.ndarray]:
    """(precision, recall) curves [num_angles] from the model (Q) and reference (P) histograms."""
    if not 3 <= num_angles <= 1e6:
        raise ValueError(f"PRD num_angles must be in [3, 1e6], got {num_angles}")
    slopes = np.tan(np.linspace(EPSILON, math.pi / 2 - EPSILON, num=num_angles))
    precision = np.minimum(ref_dist[None, :] * slopes[:, None], eval_dist[None, :]).sum(axis=1)
    recall = precision / slopes
    return np.clip(precision, 0, 1), np.clip(recall, 0, 1)


def prd_curve(real_features, fake_features, num_clusters: int = 20, num_angles: int = 1001,
              num_runs: int = 10, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The PRD curve (precision, recall), averaged over ``num_runs`` k-means clusterings."""
    real = torch.as_tensor(real_features).detach().double().cpu()
    fake = torch.as_tensor(fake_features).detach().double().cpu()
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(f"PRD needs two [N, F] feature sets with the same F, got "
                         f"{tuple(real.shape)} and {tuple(fake.shape)}")
    if len(real) != len(fake):
        raise ValueError(f"PRD needs as many real as generated features (Compare GAN's "
                         f"enforce_balance), got {len(real)} and {len(fake)}")
    if len(real) < num_clusters:
        raise ValueError(f"PRD with {num_clusters} clusters needs at least that many samples, got {len(real)}")
    union = torch.cat([fake, real])
    precisions, recalls = [], []
    for run in range(num_runs):
        labels = kmeans_labels(union, num_clusters, seed=seed * 1000 + run)
        q = torch.bincount(labels[:len(fake)], minlength=num_clusters).double().numpy() / len(fake)
        p = torch.bincount(labels[len(fake):], minlength=num_clusters).double().numpy() / len(real)
        precision, recall = prd_from_histograms(q, p, num_angles)
        precisions.append(precision)
        recalls.append(recall)
    return np.mean(precisions, axis=0), np.mean(recalls, axis=0)


def f_beta(precision: np.ndarray, recall: np.ndarray, beta: float) -> np.ndarray:
    return (1 + beta ** 2) * precision * recall / (beta ** 2 * precision + recall + EPSILON)


def max_f_beta_pair(precision: np.ndarray, recall: np.ndarray, beta: float = 8) -> tuple[float, float]:
    """(max F_beta, max F_1/beta) over the curve: (F_8, F_1/8) by default."""
    return float(np.max(f_beta(precision, recall, beta))), float(np.max(f_beta(precision, recall, 1 / beta)))


def save_curve(path, precision: np.ndarray, recall: np.ndarray) -> None:
    """Write a PRD curve as JSON (``{"precision": [...], "recall": [...]}``), for reports."""
    import json
    from pathlib import Path
    Path(path).write_text(json.dumps({"precision": [float(x) for x in precision],
                                      "recall": [float(x) for x in recall]}))
