"""DiffAugment (Zhao et al., 2020, "Differentiable Augmentation for Data-Efficient GAN Training").

Cheap, differentiable transforms applied with fresh draws to every image D sees (reals and fakes
in the D step, fakes in the G step), so G is trained through them. Images are in [-1, 1]; every
transform is applied to every image (there is no probability), each image with its own draws:

* ``color``: brightness x + U(-0.5, 0.5); saturation: the deviation from the per-pixel channel
  mean scaled by U(0, 2); contrast: the deviation from the image mean scaled by U(0.5, 1.5)
* ``translation``: shift by an integer in [-s, s] pixels along each axis, s = round(size / 8),
  what comes in at the borders is zero
* ``cutout``: one square of half the size (rounded) set to zero, its centre uniform over the
  image (it may be clipped at the border)

Colour can leave [-1, 1] (brightness, saturation and contrast all can); translation and cutout
only move values or write zeros, so they keep the range.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

from .ops import integers, shift_images, uniform

Transform = Callable[[Tensor, torch.Generator], Tensor]


def _per_image(x: Tensor, generator: torch.Generator) -> Tensor:
    """One U[0, 1) draw per image, shaped to broadcast over [B, C, H, W]."""
    return uniform(x.shape[0], generator, x.device, x.dtype).view(-1, 1, 1, 1)


def brightness(x: Tensor, generator: torch.Generator) -> Tensor:
    return x + (_per_image(x, generator) - 0.5)


def saturation(x: Tensor, generator: torch.Generator) -> Tensor:
    mean = x.mean(dim=1, keepdim=True)
    return (x - mean) * (_per_image(x, generator) * 2) + mean


def contrast(x: Tensor, generator: torch.Generator) -> Tensor:
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (_per_image(x, generator) + 0.5) + mean


def translation(x: Tensor, generator: torch.Generator, ratio: float = 1 / 8) -> Tensor:
    _, _, h, w = x.shape
    max_dy, max_dx = int(h * ratio + 0.5), int(w * ratio + 0.5)
    dy = integers(-max_dy, max_dy, x.shape[0], generator, x.device)
    dx = integers(-max_dx, max_dx, x.shape[0], generator, x.device)
    return shift_images(x, dy, dx, max_dy, max_dx, mode="constant")


def cutout(x: Tensor, generator: torch.Generator, ratio: float = 0.5) -> Tensor:
    b, _, h, w = x.shape
    size_y, size_x = int(h * ratio + 0.5), int(w * ratio + 0.5)
    # the square's centre: any pixel, plus one more position when the size is even, so that the
    # square's first row (centre - size // 2) ranges symmetrically over the image
    cy = integers(0, h - size_y % 2, b, generator, x.device)
    cx = integers(0, w - size_x % 2, b, generator, x.device)
    rows = torch.arange(h, device=x.device)[None, :] - (cy - size_y // 2)[:, None]     # [B, H]
    cols = torch.arange(w, device=x.device)[None, :] - (cx - size_x // 2)[:, None]     # [B, W]
    inside = ((rows >= 0) & (rows < size_y))[:, :, None] & ((cols >= 0) & (cols < size_x))[:, None, :]
    return x * (~inside)[:, None].to(x.dtype)


POLICIES: dict[str, tuple[Transform, ...]] = {
    "color": (brightness, saturation, contrast),
    "translation": (translation,),
    "cutout": (cutout,),
}


def parse_policy(policy: str, binding: str = "augmentations.diffaugment.policy") -> list[str]:
    """The policy's names in order; an empty string is the identity."""
    if not isinstance(policy, str):
        raise ValueError(f"{binding} must be a comma-separated string of {sorted(POLICIES)}, got {policy!r}")
    names = [name.strip() for name in policy.split(",") if name.strip()]
    unknown = [name for name in names if name not in POLICIES]
    if unknown:
        raise ValueError(f"{binding}: unknown polic{'ies' if len(unknown) > 1 else 'y'} {unknown}; "
                         f"valid ones are {sorted(POLICIES)} (comma-separated, applied in order)")
    return names


class DiffAugment:
    """``augment(images, generator)`` applies the policies in the order given, all randomness
    drawn from ``generator``. ``policy=""`` returns its input unchanged."""

    def __init__(self, policy: str = "color,translation,cutout") -> None:
        self.policy = parse_policy(policy)
        self.transforms = [t for name in self.policy for t in POLICIES[name]]

    def augment(self, images: Tensor, generator: torch.Generator) -> Tensor:
        out = images
        for transform in self.transforms:
            out = transform(out, generator)
        return out

    def __repr__(self) -> str:
        return f"DiffAugment(policy={','.join(self.policy)!r})"
