"""Sliced Wasserstein distance between image sets (Karras et al. 2018, PGGAN), per pyramid level.

1. Laplacian pyramid of each image with the 5x5 binomial filter (mirror borders), from the
   input resolution down to 16x16; the 16x16 level is the low-pass residual.
2. From every level of every image, 128 random 7x7 neighbourhoods (descriptors of 7*7*C values).
3. Each descriptor set is normalised per channel to zero mean and unit std, real and fake sets
   each with their own statistics.
4. Sliced Wasserstein distance between the two sets: 4 repeats x 128 random unit directions;
   project, sort, mean absolute difference; averaged. Reported x 1e3 per level and averaged.

Descriptor positions are drawn from the same seed for both sets, so identical sets score 0.
``SWDReference`` keeps the real side (directions, sorted projections) for repeated scoring.
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


def _directions(dim: int, generator: torch.Generator) -> torch.Tensor:
    """DIRECTIONS_PER_REPEAT random unit vectors as the columns of a [dim, count] matrix."""
    dirs = torch.randn(dim, DIRECTIONS_PER_REPEAT, generator=generator)
    return dirs / dirs.norm(dim=0, keepdim=True)


def _level_descriptors(images: torch.Tensor, num_levels: int, seed: int) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)   # same positions for the real and fake sets
    pyramid = laplacian_pyramid(images.float(), num_levels)
    return [normalise_descriptors(random_descriptors(level, generator)) for level in pyramid]


def _check_square(images: torch.Tensor, which: str) -> None:
    if images.ndim != 4 or images.shape[2] != images.shape[3]:
        raise ValueError(f"SWD compares sets of square images [N, C, H, W]; the {which} set is "
                         f"{tuple(images.shape)}")


def _check_same_shape(real: tuple, fake: tuple) -> None:
    if real != fake:
        raise ValueError(f"SWD compares equal-size sets; got real {real} and fake {fake} (draw "
                         "the same number of real and generated images)")


class SWDReference:
    """The real side of SWD, computed once: for every pyramid level and direction repeat, the
    directions and the real descriptors' projections on them, sorted. Scoring a fake set then
    costs only the fake side (half the work of ``sliced_wasserstein_distance``), which is what
    repeated evaluations of one run against the same real images need. Holds
    ``levels x 4 x 128 x N * 128`` floats (0.5 GB for 1,000 32x32 images)."""

    def __init__(self, real: torch.Tensor, seed: int = 0) -> None:
        _check_square(real, "real")
        self.shape, self.seed = tuple(real.shape), seed
        self.sizes = pyramid_resolutions(real.shape[-1])
        generator = torch.Generator().manual_seed(seed + 1)
        self.levels: list[list[tuple[torch.Tensor, torch.Tensor]]] = []
        for desc in _level_descriptors(real, len(self.sizes), seed):
            repeats = []
            for _ in range(DIRECTION_REPEATS):
                dirs = _directions(desc.shape[1], generator).to(desc)
                # dirs.T @ desc.T: each direction's projections as one contiguous row, no copy
                repeats.append((dirs, _sorted_rows(dirs.T @ desc.T)))
            self.levels.append(repeats)

    @property
    def nbytes(self) -> int:
        return sum(dirs.nbytes + proj.nbytes for level in self.levels for dirs, proj in level)

    def distance(self, fake: torch.Tensor) -> dict[str, float]:
        """``{"swd_<level>": x 1e3 for each level, "swd_avg": mean over levels}`` to ``fake``."""
        _check_same_shape(self.shape, tuple(fake.shape))
        result = {}
        for size, desc, repeats in zip(self.sizes, _level_descriptors(fake, len(self.sizes), self.seed),
                                       self.levels):
            # 1-D Wasserstein-1 between equal-size samples: mean |sorted a - sorted b|
            per_repeat = [(_sorted_rows(dirs.T @ desc.T) - real).abs().mean() for dirs, real in repeats]
            result[f"swd_{size}"] = torch.stack(per_repeat).mean().item() * 1e3
        result["swd_avg"] = sum(result.values()) / len(self.sizes)
        return result


def sliced_wasserstein_distance(real: torch.Tensor, fake: torch.Tensor, seed: int = 0) -> dict[str, float]:
    """SWD between two image sets (uint8 or float [N, C, H, W], same N and shape).

    Returns ``{"swd_<level>": value x 1e3 for each level, "swd_avg": mean over levels}``.
    """
    _check_same_shape(tuple(real.shape), tuple(fake.shape))   # before the costly real side
    return SWDReference(real, seed).distance(fake)
