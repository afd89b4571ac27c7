"""Metric plugins on pixels: sliced Wasserstein distance (PGGAN) and MS-SSIM diversity.

``num_samples=None`` means the run's ``ctx.num_samples``; ``num_pairs=None`` half of it.
"""
from __future__ import annotations

from typing import Callable

import torch

from .feature_metrics import sample_count
from .ms_ssim import ms_ssim as ms_ssim_of
from .swd import sliced_wasserstein_distance

PAIR_BATCH = 100


def swd(num_samples: int | None = None) -> Callable[..., dict]:
    """Sliced Wasserstein distance per Laplacian level x 1e3 (``swd_<res>``) and ``swd_avg``."""
    def metric(ctx) -> dict[str, float]:
        n = min(sample_count(num_samples, ctx), len(ctx.reference.images))
        fake = ctx.samples(n)[0]
        real = ctx.reference.images[:n]
        if fake.shape != real.shape:
            raise ValueError(f"swd: generated images {tuple(fake.shape)} and reference images "
                             f"{tuple(real.shape)} differ in shape; evaluate at the dataset's resolution")
        return sliced_wasserstein_distance(real.to(ctx.device), fake.to(ctx.device), seed=ctx.seed)
    return metric


def ms_ssim(num_pairs: int | None = None) -> Callable[..., dict]:
    """Mean MS-SSIM over pairs of generated images (``ms_ssim``; lower = more diverse)."""
    def metric(ctx) -> dict[str, float]:
        num_pairs_now = ctx.num_samples // 2 if num_pairs is None else num_pairs
        images = ctx.samples(2 * num_pairs_now)[0]
        first, second = images[:num_pairs_now], images[num_pairs_now:2 * num_pairs_now]
        if len(second) < 1:
            raise ValueError(f"ms_ssim needs at least 2 generated images, got {len(images)}")
        first = first[:len(second)]
        values = [ms_ssim_of(a.to(ctx.device), b.to(ctx.device)).cpu()
                  for a, b in zip(first.split(PAIR_BATCH), second.split(PAIR_BATCH))]
        return {"ms_ssim": torch.cat(values).mean().item()}
    return metric
