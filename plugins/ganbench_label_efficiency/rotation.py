"""Rotation prediction: the four-way rotation of a batch, and the SS regularizer on D's trunk."""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn


def four_rotations(images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Every image in all four rotations: ([4B, C, H, W], targets [4B]).

    Block r holds the batch rotated by r * 90 degrees counter-clockwise (``torch.rot90``), with
    target r; the targets are what a rotation head must predict.
    """
    if images.shape[-1] != images.shape[-2]:
        raise ValueError(f"rotation prediction needs square images, got {tuple(images.shape[-2:])}")
    rotated = torch.cat([torch.rot90(images, r, dims=(-2, -1)) for r in range(4)])
    targets = torch.arange(4, device=images.device).repeat_interleave(len(images))
    return rotated, targets


class RotationSelfSupervision(nn.Module):
    """Rotation self-supervision (SS): a 4-way rotation head on D~; D learns rotated reals, G rotated fakes.

    ``d_term = d_weight * CE(head(D~(rot(x_real))), r)`` and
    ``g_term = g_weight * CE(head(D~(rot(G(z)))), r)``, each on the first ``rotated_fraction``
    of the batch (at least one image), every selected image in all four rotations. The head's
    parameters train with D's optimizer. Defaults are Compare GAN's (1.0 for D, 0.2 for G).
    """

    def __init__(self, d_weight: float = 1.0, g_weight: float = 0.2,
                 rotated_fraction: float = 0.25) -> None:
        super().__init__()
        for name, value in (("d_weight", d_weight), ("g_weight", g_weight)):
            if not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"regularizers.rotation_ss: {name}={value!r} must be a number >= 0")
        if not isinstance(rotated_fraction, (int, float)) or not 0 < rotated_fraction <= 1:
            raise ValueError(f"regularizers.rotation_ss: rotated_fraction={rotated_fraction!r} must be "
                             "in (0, 1] (the share of each batch shown in all four rotations)")
        self.d_weight = float(d_weight)
        self.g_weight = float(g_weight)
        self.rotated_fraction = float(rotated_fraction)
        self.head: nn.Linear | None = None
        self._D: list[nn.Module] = []   # a list, so D does not become a child module (see setup)

    def setup(self, G: nn.Module, D: nn.Module, num_classes: int) -> None:
        feature_dim = getattr(D, "feature_dim", None)
        if not isinstance(feature_dim, int):
            raise ValueError("regularizers.rotation_ss needs a discriminator with an int `feature_dim` "
                             f"and a `features(x)` trunk; {type(D).__name__} has neither")
        parameter = next(D.parameters())
        self.head = nn.Linear(feature_dim, 4).to(device=parameter.device, dtype=parameter.dtype)
        # D's parameters already have their optimizer; holding D as a child would list them twice.
        self._D = [D]

    def rotation_loss(self, images: torch.Tensor) -> torch.Tensor:
        """Mean rotation cross-entropy over the rotated part of ``images`` (unweighted)."""
        if self.head is None:
            raise RuntimeError("regularizers.rotation_ss: setup(G, D, num_classes) was not called")
        count = max(1, round(self.rotated_fraction * len(images)))
        rotated, targets = four_rotations(images[:count])
        logits = self.head(self._D[0].features(rotated))
        return F.cross_entropy(logits.float(), targets)

    def d_term(self, batch: Any) -> torch.Tensor | None:
        return self.d_weight * self.rotation_loss(batch.real) if self.d_weight else None

    def g_term(self, batch: Any) -> torch.Tensor | None:
        return self.g_weight * self.rotation_loss(batch.fake) if self.g_weight else None
