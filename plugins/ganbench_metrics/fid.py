"""Frechet distance between two Gaussians fitted to feature sets (the math behind FID).

FID = |mu_1 - mu_2|^2 + Tr(S_1) + Tr(S_2) - 2 Tr((S_1 S_2)^(1/2)), in float64.
"""
from __future__ import annotations

import numpy as np
import scipy.linalg

# The matrix square root of a product of two (nearly singular) covariances comes back with
# tiny imaginary parts from round-off; reference implementations (TTUR, pytorch-fid) drop them
# when the diagonal's imaginary part is below this and fail loudly above it.
IMAGINARY_TOLERANCE = 1e-3
SINGULAR_OFFSET = 1e-6


def gaussian_statistics(features) -> tuple[np.ndarray, np.ndarray]:
    """Mean and unbiased covariance (rows are samples) of ``features``, in float64."""
    feats = as_float64(features)
    if feats.ndim != 2 or feats.shape[0] < 2:
        raise ValueError(f"FID needs a [N, F] feature matrix with N >= 2, got shape {feats.shape}")
    return feats.mean(axis=0), np.cov(feats, rowvar=False)


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """Frechet distance between N(mu1, sigma1) and N(mu2, sigma2)."""
    mu1, mu2 = np.atleast_1d(as_float64(mu1)), np.atleast_1d(as_float64(mu2))
    sigma1, sigma2 = np.atleast_2d(as_float64(sigma1)), np.atleast_2d(as_float64(sigma2))
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape or sigma1.shape != mu1.shape * 2:
        raise ValueError(f"FID statistics disagree in shape: mu {mu1.shape} vs {mu2.shape}, "
                         f"sigma {sigma1.shape} vs {sigma2.shape}; were they made by the same "
                         "feature extractor?")
    covmean = scipy.linalg.sqrtm(sigma1 @ sigma2)
    if not np.isfinite(covmean).all():
        # Singular product: nudge both covariances away from singularity (as TTUR does).
        offset = np.eye(sigma1.shape[0]) * SINGULAR_OFFSET
        covmean = scipy.linalg.sqrtm((sigma1 + offset) @ (sigma2 + offset))
    if np.iscomplexobj(covmean):
        worst = np.max(np.abs(np.diagonal(covmean).imag))
        if worst > IMAGINARY_TOLERANCE:
            raise ValueError(f"FID: the square root of the covariance product has an imaginary "
                             f"diagonal part of {worst:.3g}; the statistics are numerically "
                             "broken (too few samples for the feature size, or NaN features)")
        covmean = covmean.real
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * np.trace(covmean))


def fid_from_features(features_a, features_b) -> float:
    """FID between two feature sets [N, F] and [M, F]."""
    return frechet_distance(*gaussian_statistics(features_a), *gaussian_statistics(features_b))


def as_float64(x) -> np.ndarray:
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=np.float64)
