"""Inception Score from classifier logits: exp(E_x KL(p(y|x) || p(y))), over splits.

The samples are cut into ``splits`` consecutive chunks (chunk i is rows [i*N//splits,
(i+1)*N//splits)); p(y) is the mean prediction within a chunk. Returns the mean and standard
deviation of the per-chunk scores. Samples are i.i.d., so no shuffling is needed.
"""
from __future__ import annotations

import numpy as np
import torch


def inception_score(logits, splits: int = 10) -> tuple[float, float]:
    """(mean, std) of the Inception Score of ``logits`` [N, K] over ``splits`` chunks."""
    logits = torch.as_tensor(logits).detach().cpu().double()
    if logits.ndim != 2:
        raise ValueError(f"Inception Score needs logits [N, K], got shape {tuple(logits.shape)}")
    n = logits.shape[0]
    if splits < 1 or n < splits:
        raise ValueError(f"Inception Score with {splits} splits needs at least {splits} samples, got {n}")
    log_p = logits.log_softmax(dim=1)
    scores = []
    for i in range(splits):
        chunk = log_p[i * n // splits:(i + 1) * n // splits]
        log_marginal = chunk.exp().mean(dim=0).log()
        kl = (chunk.exp() * (chunk - log_marginal)).sum(dim=1).mean()
        scores.append(float(kl.exp()))
    return float(np.mean(scores)), float(np.std(scores))
