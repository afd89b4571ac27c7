"""MS-SSIM clamps a negative coarsest-scale SSIM to 0 (`make mutation` survivor ms_ssim.py
`ssim.clamp_min(-1)`, docs/testing.md): a negative base to the fractional weight 0.1333 is NaN,
so without the clamp a pair that is anti-correlated at the coarsest scale scores NaN, not 0."""
from __future__ import annotations

import torch

from ganbench_metrics import ms_ssim as M


def blocks() -> torch.Tensor:
    """32x32: a 2x2 checkerboard of 16-pixel blocks, which survives every 2x2 pooling."""
    x = torch.zeros(1, 1, 32, 32, dtype=torch.float64)
    x[..., :16, :16] = 255
    x[..., 16:, 16:] = 255
    return x


def coarsest_ssim(x: torch.Tensor, y: torch.Tensor) -> float:
    for _ in range(len(M.WEIGHTS) - 1):
        x, y = torch.nn.functional.avg_pool2d(x, 2), torch.nn.functional.avg_pool2d(y, 2)
    size = min(M.WINDOW, *x.shape[-2:])
    ssim, _ = M.ssim_components(x, y, M.gaussian_window(size, M.SIGMA * size / M.WINDOW), 255.0)
    return ssim.item()


def test_a_negative_coarsest_ssim_counts_as_zero():
    x = blocks()
    y = 255 - x
    assert coarsest_ssim(x, y) < -0.9                  # the case the clamp is for
    value = M.ms_ssim(x, y)
    assert torch.isfinite(value).all() and value.item() == 0.0
    assert M.ms_ssim(x, x).item() == 1.0               # and the same pattern against itself is 1
