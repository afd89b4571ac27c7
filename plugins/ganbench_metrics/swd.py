"""Sliced Wasserstein distance between image sets (Karras et al. 2018, PGGAN), per pyramid level.

1. Laplacian pyramid of each image with the 5x5 binomial filter (mirror borders), from the
   input resolution down to 16x16; the 16x16 level is the low-pass residual.
2. From every level of every image, 128 random 7x7 neighbourhoods (descriptors of 7*7*C values).
3. Each descriptor set is normalised per channel to zero mean and unit std, real and fake sets
   each with their own statistics.
4. Sliced Wasserstein distance between the two sets: 4 repeats x 128 random unit directions;
   project, sort, mean absolute difference; averaged. Reported x 1e3 per level and averaged.

Descriptor positions are drawn from the same seed for both sets, so identical sets score 0.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

NEIGHBOURHOOD = 7
DESCRIPTORS_PER_IMAGE = 128
DIRECTION_REPEATS = 4
DIRECTIONS_PER_REPEAT = 128
COARSEST_LEVEL = 16
_BINOMIAL_1D = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0


def pyramid_resolutions(resolution: int) -> list[int]:
    """Level sizes from ``resolution`` halving down to 16 (a single level below 16)."""
    if resolution < NEIGHBOURHOOD:
        raise ValueError(f"SWD needs images of at least {NEIGHBOURHOOD}x{NEIGHBOURHOOD}, got {resolution}")
    levels = [resolution]
    while levels[-1] // 2 >= COARSEST_LEVEL and levels[-1] % 2 == 0:
        levels.append(levels[-1] // 2)
    return levels


def _blur(x: torch.Tensor, gain: float = 1.0) -> torch.Tensor:
    channels = x.shape[1]
    kernel = torch.outer(_BINOMIAL_1D, _BINOMIAL_1D).to(x) * gain
    kernel = kernel.expand(channels, 1, 5, 5)
    return F.conv2d(F.pad(x, (2, 2, 2, 2), mode="reflect"), kernel, groups=channels)


def _down(x: torch.Tensor) -> torch.Tensor:
    return _blur(x)[:, :, ::2, ::2]


def _up(x: torch.Tensor) -> torch.Tensor:
    # Zero insertion then blur with 4x gain (each output pixel gets 1/4 of the taps' mass).
    n, c, h, w = x.shape
    sparse = x.new_zeros(n, c, 2 * h, 2 * w)
    sparse[:, :, ::2, ::2] = x
    return _blur(sparse, gain=4.0)


def laplacian_pyramid(images: torch.Tensor, num_levels: int) -> list[torch.Tensor]:
    """Band-pass levels, finest first; the last level is the low-pass residual."""
    levels = [images]
    for _ in range(1, num_levels):
        levels.append(_down(levels[-1]))
        levels[-2] = levels[-2] - _up(levels[-1])
    return levels


def random_descriptors(level: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """128 random 7x7 neighbourhoods per image: [N * 128, C, 7, 7]."""
    n, c, h, w = level.shape
    count = DESCRIPTORS_PER_IMAGE
    ys = torch.randint(0, h - NEIGHBOURHOOD + 1, (n, count), generator=generator)
    xs = torch.randint(0, w - NEIGHBOURHOOD + 1, (n, count), generator=generator)
    offsets = torch.arange(NEIGHBOURHOOD)
    rows = (ys[..., None] + offsets).to(level.device)            # [n, count, 7]
    cols = (xs[..., None] + offsets).to(level.device)
    image_index = torch.arange(n, device=level.device)[:, None, None, None]
    patches = level.permute(0, 2, 3, 1)[image_index, rows[..., :, None], cols[..., None, :]]
    return patches.reshape(n * count, NEIGHBOURHOOD, NEIGHBOURHOOD, c).permute(0, 3, 1, 2)


def normalise_descriptors(desc: torch.Tensor) -> torch.Tensor:
    """Zero mean, unit std per channel over the whole set, flattened to [M, C*49]."""
    desc = desc - desc.mean(dim=(0, 2, 3), keepdim=True)
    desc = desc / desc.std(dim=(0, 2, 3), keepdim=True, unbiased=False).clamp_min(1e-8)
    return desc.reshape(desc.shape[0], -1)


def _sorted_rows(x: torch.Tensor) -> torch.Tensor:
    """Each row of ``x`` sorted, in place on CPU (``x`` must be a fresh contiguous tensor)."""
    # On CPU numpy's sort is ~15x faster than torch's for this shape (and a strided, transposed
    # row sorts ~3x slower, hence rows, not columns); on GPU torch's sort is fine.
    if x.device.type == "cpu":
        x.numpy().sort(axis=1)
        return x
    return x.sort(dim=1).values


def sliced_wasserstein(a: torch.Tensor, b: torch.Tensor, generator: torch.Generator) -> float:
    """Mean over 4 x 128 random unit directions of the 1-D Wasserstein-1 distance (equal sizes)."""
    results = []
    for _ in range(DIRECTION_REPEATS):
        dirs = torch.randn(a.shape[1], DIRECTIONS_PER_REPEAT, generator=generator).to(a)
        dirs = dirs / dirs.norm(dim=0, keepdim=True)
        # dirs.T @ a.T: each direction's projections as one contiguous row, without a copy
        proj_a, proj_b = _sorted_rows(dirs.T @ a.T), _sorted_rows(dirs.T @ b.T)
        results.append((proj_a - proj_b).abs().mean())
    return torch.stack(results).mean().item()


def sliced_wasserstein_distance(real: torch.Tensor, fake: torch.Tensor, seed: int = 0) -> dict[str, float]:
    """SWD between two image sets (uint8 or float [N, C, H, W], same N and shape).

    Returns ``{"swd_<level>": value x 1e3 for each level, "swd_avg": mean over levels}``.
    """
    if real.shape != fake.shape or real.ndim != 4 or real.shape[2] != real.shape[3]:
        raise ValueError(f"SWD compares equal-size sets of square images [N, C, H, W]; got "
                         f"real {tuple(real.shape)} and fake {tuple(fake.shape)} (draw the same "
                         "number of real and generated images)")
    sizes = pyramid_resolutions(real.shape[-1])
    descriptors = []
    for images in (real, fake):
        generator = torch.Generator().manual_seed(seed)   # same positions for both sets
        pyramid = laplacian_pyramid(images.float(), len(sizes))
        descriptors.append([normalise_descriptors(random_descriptors(lvl, generator)) for lvl in pyramid])
    generator = torch.Generator().manual_seed(seed + 1)
    result = {}
    for size, desc_real, desc_fake in zip(sizes, *descriptors):
        result[f"swd_{size}"] = sliced_wasserstein(desc_real, desc_fake, generator) * 1e3
    result["swd_avg"] = sum(result.values()) / len(sizes)
    return result
