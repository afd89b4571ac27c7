"""Metric plugins on pixels: sliced Wasserstein distance (PGGAN) and MS-SSIM diversity.

``num_samples=None`` means the run's ``ctx.num_samples``; ``num_pairs=None`` half of it.
"""
from __future__ import annotations

from typing import Callable

import torch

from .feature_metrics import sample_count
from .ms_ssim import ms_ssim as ms_ssim_of
from .swd import SWDReference

PAIR_BATCH = 100
# A run is evaluated several times against the same real images with the same seed, so the real
# side of SWD is kept between evaluations (one entry per process) when it is at most this big.
SWD_REFERENCE_CACHE_BYTES = 2 ** 30
_swd_reference: dict[tuple, SWDReference] = {}


def swd_reference(real: torch.Tensor, key: tuple, seed: int) -> SWDReference:
    """The SWD real side for ``real``, reused while ``key`` (the real set's identity) and seed match."""
    key = (*key, seed)
    if key not in _swd_reference:
        reference = SWDReference(real, seed)
        _swd_reference.clear()
        if reference.nbytes <= SWD_REFERENCE_CACHE_BYTES:
            _swd_reference[key] = reference
        return reference
    return _swd_reference[key]


def swd(num_samples: int | None = None) -> Callable[..., dict]:
    """Sliced Wasserstein distance per Laplacian level x 1e3 (``swd_<res>``) and ``swd_avg``."""
    def metric(ctx) -> dict[str, float]:
        n = min(sample_count(num_samples, ctx), len(ctx.reference.images))
        fake = ctx.samples(n)[0]
        real = ctx.reference.images[:n]
        if fake.shape != real.shape:
            raise ValueError(f"swd: generated images {tuple(fake.shape)} and reference images "
                             f"{tuple(real.shape)} differ in shape; evaluate at the dataset's resolution")
        key = (ctx.reference.cache_key(), n, str(ctx.device))
        return swd_reference(real.to(ctx.device), key, ctx.seed).distance(fake.to(ctx.device))
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
