"""ADA and APA: augmentations whose probability p adapts to how much D overfits.

ADA (Karras et al., 2020, "Training Generative Adversarial Networks with Limited Data"):
the blit / geometric / colour pipeline of ``ada_transforms``, every transform applied to every
image D sees with probability p. APA (Jiang et al., 2021, "Deceive D: Adaptive Pseudo
Augmentation"): each real in D's batch is replaced, with probability p, by a generated image
that is still labelled real. Both adapt p with the same controller (``adaptive``).
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from .adaptive import AdaptiveProbability
from .ada_transforms import Draws, apply_colour, colour_matrix, geometric_inverse, warp

GROUPS = {"b": "blit", "g": "geometric", "c": "colour"}


def _check_groups(groups) -> str:
    valid = isinstance(groups, str) and groups and all(g in GROUPS for g in groups) \
        and len(set(groups)) == len(groups)
    if not valid:
        raise ValueError(f"augmentations.ada.groups must be a non-empty string of distinct letters "
                         f"from {GROUPS} (e.g. 'bgc', the paper's default), got {groups!r}")
    return groups


def _per_image(mask: Tensor) -> Tensor:
    return mask.view(-1, 1, 1, 1)


class ADA(nn.Module):
    """``augment(images, generator)``: the pipeline with probability p per transform and image.

    Images no transform touched are returned bit for bit, and while p is known to be 0 (p=0 at
    the start, before the first adjustment) nothing is drawn or computed at all. With
    ``adaptive=False`` p stays fixed and r_t is still measured and logged.
    """

    def __init__(self, p: float = 0.0, adaptive: bool = True, target: float = 0.6, interval: int = 4,
                 speed_images: float = 500_000, groups: str = "bgc") -> None:
        super().__init__()
        self.controller = AdaptiveProbability("augmentations.ada", p, adaptive, target, interval, speed_images)
        self.groups = _check_groups(groups)

    def augment(self, images: Tensor, generator: torch.Generator) -> Tensor:
        if self.controller.known_zero:
            return images
        if self.controller.p.device != images.device:
            self.controller.to(images.device)
        draws = Draws(images.shape[0], self.controller.p, generator, images.device)
        # matrices and resampling in fp32 even under autocast (a bf16 rotation matrix is visibly off)
        with torch.autocast(images.device.type, enabled=False):
            out = images
            if "b" in self.groups or "g" in self.groups:
                _, _, h, w = images.shape
                g_inv, touched = geometric_inverse(draws, h, w, "b" in self.groups, "g" in self.groups)
                out = torch.where(_per_image(touched), warp(out, g_inv).to(images.dtype), out)
            if "c" in self.groups:
                c = self._colour_channels(images)
                matrix, touched = colour_matrix(draws, c)
                out = torch.where(_per_image(touched), apply_colour(out, matrix).to(images.dtype), out)
        return out

    @staticmethod
    def _colour_channels(images: Tensor) -> int:
        channels = images.shape[1]
        if channels not in (1, 3):
            raise ValueError(f"augmentations.ada: colour transforms need 1 or 3 channels, got "
                             f"{channels}; drop 'c' from augmentations.ada.groups")
        return channels

    def observe(self, sign_sum: Tensor, count: Tensor) -> None:
        self.controller.observe(sign_sum, count)

    def log_values(self) -> dict[str, float]:
        return self.controller.log_values("ada")

    def extra_repr(self) -> str:
        return f"groups={self.groups!r}"


class APA(nn.Module):
    """``replace_reals(real, fake, generator)`` -> (reals with each replaced by the matching fake
    with probability p, bool [B]: which were replaced). ``augment`` is the identity."""

    def __init__(self, p: float = 0.0, adaptive: bool = True, target: float = 0.6, interval: int = 4,
                 speed_images: float = 500_000) -> None:
        super().__init__()
        self.controller = AdaptiveProbability("augmentations.apa", p, adaptive, target, interval, speed_images)

    def augment(self, images: Tensor, generator: torch.Generator) -> Tensor:
        return images

    def replace_reals(self, real: Tensor, fake: Tensor, generator: torch.Generator) -> tuple[Tensor, Tensor]:
        if fake.shape != real.shape:
            raise ValueError(f"augmentations.apa: fakes {tuple(fake.shape)} do not match reals {tuple(real.shape)}")
        if self.controller.known_zero:
            return real, torch.zeros(real.shape[0], dtype=torch.bool, device=real.device)
        if self.controller.p.device != real.device:
            self.controller.to(real.device)
        u = torch.rand(real.shape[0], generator=generator, device=real.device)
        swapped = u < self.controller.p
        return torch.where(_per_image(swapped), fake.to(real.dtype), real), swapped

    def observe(self, sign_sum: Tensor, count: Tensor) -> None:
        self.controller.observe(sign_sum, count)

    def log_values(self) -> dict[str, float]:
        return self.controller.log_values("apa")
