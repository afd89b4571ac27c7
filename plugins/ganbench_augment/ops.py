"""Small pieces shared by the augmentations and regularizers: argument checks that name the gin
binding, per-image integer shifts, and random draws from an explicit generator."""
from __future__ import annotations

import numbers

import torch
import torch.nn.functional as F
from torch import Tensor


# ------------------------------------------------------------------------ argument checks
def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_probability(binding: str, value) -> float:
    if not _is_real(value) or not 0 <= value <= 1:
        raise ValueError(f"{binding} must be in [0, 1], got {value!r}")
    return float(value)


def check_positive(binding: str, value) -> float:
    if not _is_real(value) or not value > 0:
        raise ValueError(f"{binding} must be > 0, got {value!r}")
    return float(value)


def check_nonnegative(binding: str, value) -> float:
    if not _is_real(value) or not value >= 0:
        raise ValueError(f"{binding} must be >= 0, got {value!r}")
    return float(value)


def check_positive_int(binding: str, value) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{binding} must be an integer >= 1, got {value!r}")
    return int(value)


def check_bool(binding: str, value) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{binding} must be True or False, got {value!r}")
    return value


def check_choice(binding: str, value, choices) -> str:
    if value not in choices:
        raise ValueError(f"{binding} must be one of {tuple(choices)}, got {value!r}")
    return value


# ---------------------------------------------------------------------- random draws
def uniform(n: int, generator: torch.Generator | None, device, dtype=torch.float32) -> Tensor:
    """n draws of U[0, 1) from ``generator`` (the global RNG when None)."""
    return torch.rand(n, generator=generator, device=device, dtype=dtype)


def integers(low: int, high: int, n: int, generator: torch.Generator | None, device) -> Tensor:
    """n integers uniform in [low, high] (both ends included)."""
    return torch.randint(low, high + 1, (n,), generator=generator, device=device)


# ---------------------------------------------------------------------- image shifts
def shift_images(x: Tensor, dy: Tensor, dx: Tensor, max_dy: int, max_dx: int, mode: str) -> Tensor:
    """Shift image i down by dy[i] and right by dx[i] whole pixels (|dy| <= max_dy, |dx| <= max_dx).

    What comes in at the borders is zero (``mode="constant"``) or the mirror image of the border
    (``mode="reflect"``). Indexing, not resampling: values are copied exactly and the result is
    differentiable w.r.t. ``x``."""
    b, _, h, w = x.shape
    padded = F.pad(x, (max_dx, max_dx, max_dy, max_dy), mode=mode)
    rows = torch.arange(h, device=x.device)[None, :] - dy[:, None] + max_dy      # [B, H]
    cols = torch.arange(w, device=x.device)[None, :] - dx[:, None] + max_dx      # [B, W]
    batch = torch.arange(b, device=x.device)[:, None, None]
    shifted = padded[batch, :, rows[:, :, None], cols[:, None, :]]               # [B, H, W, C]
    return shifted.permute(0, 3, 1, 2).contiguous(memory_format=_memory_format(x))


def flip_images(x: Tensor, flip: Tensor) -> Tensor:
    """Mirror left-right the images whose ``flip`` (bool [B]) is set."""
    return torch.where(flip[:, None, None, None], x.flip(3), x)


def _memory_format(x: Tensor) -> torch.memory_format:
    return torch.channels_last if x.is_contiguous(memory_format=torch.channels_last) and \
        not x.is_contiguous() else torch.contiguous_format
