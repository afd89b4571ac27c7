"""PGGAN's generator and discriminator, with every resolution's block built up front.

Growing is only a change of which blocks the forward pass uses: blocks above the current
resolution exist from the start but take no part in the computation, so they get no gradient
(Adam skips parameters whose gradient is None) and the optimizer, checkpoints and EMA see one
fixed parameter set. Existing blocks are never re-initialised when the resolution grows.

G always returns images at the full resolution (its current-resolution output upsampled,
nearest) and D accepts full-resolution images (average-pooled down to the current
resolution), so the training loop never needs to know the phase.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .layers import (EqualizedConv2d, EqualizedLinear, MinibatchStddev, PixelNorm, embed_labels,
                     fade_in)
from .schedule import GrowthSchedule

LEAKY_SLOPE = 0.2


def block_widths(resolution: int, base_width: int, max_width: int) -> dict[int, int]:
    """Channels at each resolution 4, 8, ..., resolution: ``base_width`` at the full resolution,
    doubling at every halving, capped at ``max_width``."""
    sizes = [4 * 2 ** i for i in range(int(math.log2(resolution)) - 1)]
    return {r: min(max_width, base_width * resolution // r) for r in sizes}


class Progressive(nn.Module):
    """The phase both networks share: derived only from ``images_seen`` and the schedule.

    The training loop sets it through ``on_train_step``. ``images_seen`` is also kept in a
    buffer, so copies that never get ``on_train_step`` still follow: a network restored from a
    checkpoint, and the EMA copy of G (the EMA copies buffers every step). A network in eval mode
    re-reads that buffer on each call (one host read); in training mode the phase costs nothing.
    """

    def __init__(self, schedule: GrowthSchedule) -> None:
        super().__init__()
        self.schedule = schedule
        self.register_buffer("phase_images_seen", torch.zeros((), dtype=torch.long))
        self._set_phase(0)
        self.register_load_state_dict_post_hook(lambda module, _: module.follow_buffer())

    def on_train_step(self, step: int, images_seen: int) -> None:
        """Called by the training loop before every step; sets the resolution and fade-in alpha."""
        self.phase_images_seen.fill_(int(images_seen))
        self._set_phase(int(images_seen))

    def _set_phase(self, images_seen: int) -> None:
        self.images_seen = images_seen
        self.current_resolution, self.alpha = self.schedule.phase(images_seen)

    def follow_buffer(self) -> None:
        """Take the phase from the ``phase_images_seen`` buffer (after a load or an EMA copy)."""
        images_seen = int(self.phase_images_seen.item())
        if images_seen != self.images_seen:
            self._set_phase(images_seen)

    def _phase_for_call(self) -> tuple[int, float]:
        if not self.training:
            self.follow_buffer()
        return self.current_resolution, self.alpha


class Generator(Progressive):
    """PGGAN generator: latent (+ class embedding) -> 4x4 -> upsample + 2 convs per doubling."""

    def log_values(self) -> dict[str, float]:
        """The growth phase, for the training log (interfaces.OPTIONAL_MEMBERS)."""
        return {"current_resolution": self.current_resolution, "alpha": self.alpha}

    def __init__(self, resolution: int, channels: int, num_classes: int, *, z_dim: int,
                 widths: dict[int, int], schedule: GrowthSchedule, pixelnorm: bool,
                 equalized_lr: bool) -> None:
        super().__init__(schedule)
        self.z_dim, self.num_classes, self.resolution = z_dim, num_classes, resolution
        self.normalize = PixelNorm() if pixelnorm else nn.Identity()
        self.class_embedding = nn.Embedding(num_classes, z_dim) if num_classes > 0 else None
        in_features = z_dim * (2 if num_classes > 0 else 1)
        eq = {"equalized": equalized_lr}
        width4 = widths[4]
        # The dense layer acts as a 4x4 transposed conv, hence the reference gain sqrt(2) / 4.
        self.dense = EqualizedLinear(in_features, width4 * 16, gain=math.sqrt(2) / 4, **eq)
        self.blocks = nn.ModuleDict({"4": EqualizedConv2d(width4, width4, 3, **eq)})
        for r in widths:
            if r > 4:
                self.blocks[str(r)] = nn.ModuleList([
                    EqualizedConv2d(widths[r // 2], widths[r], 3, **eq),
                    EqualizedConv2d(widths[r], widths[r], 3, **eq)])
        self.to_rgb = nn.ModuleDict(
            {str(r): EqualizedConv2d(w, channels, 1, gain=1.0, **eq) for r, w in widths.items()})

    def _activate(self, x: Tensor) -> Tensor:
        return self.normalize(F.leaky_relu(x, LEAKY_SLOPE))

    def block(self, r: int, x: Tensor) -> Tensor:
        """Features at resolution ``r`` from those at ``r / 2`` (at 4x4: the first 3x3 conv)."""
        if r == 4:
            return self._activate(self.blocks["4"](x))
        x = F.interpolate(x, scale_factor=2, mode="nearest")
        for conv in self.blocks[str(r)]:
            x = self._activate(conv(x))
        return x

    def rgb(self, r: int, x: Tensor) -> Tensor:
        """Images in [-1, 1] from the features at resolution ``r``."""
        return torch.tanh(self.to_rgb[str(r)](x))

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        latent = self.normalize(z)
        if self.class_embedding is not None:
            if y is None:
                raise ValueError("pggan: this generator is class-conditional (num_classes="
                                 f"{self.num_classes}); pass labels y")
            latent = torch.cat([latent, embed_labels(self.class_embedding, y)], dim=1)
        x = self.dense(latent).reshape(z.shape[0], -1, 4, 4)
        x = self.block(4, self._activate(x))
        current, alpha = self._phase_for_call()
        r = 4
        while r < current // 2:
            r *= 2
            x = self.block(r, x)
        if current == 4:
            images = self.rgb(4, x)
        elif alpha < 1:   # out = (1 - a) * up(old_rgb) + a * new_rgb
            old = F.interpolate(self.rgb(current // 2, x), scale_factor=2, mode="nearest")
            images = fade_in(old, self.rgb(current, self.block(current, x)), alpha)
        else:
            images = self.rgb(current, self.block(current, x))
        if current < self.resolution:
            images = F.interpolate(images, scale_factor=self.resolution // current, mode="nearest")
        return images


class Discriminator(Progressive):
    """PGGAN discriminator: fromRGB -> 2 convs + average pool per halving -> minibatch stddev ->
    conv + dense at 4x4 -> features; logits = linear(features) + projection of the class."""

    def __init__(self, resolution: int, channels: int, num_classes: int, *,
                 widths: dict[int, int], schedule: GrowthSchedule, minibatch_stddev: bool,
                 mbstd_group_size: int, equalized_lr: bool) -> None:
        super().__init__(schedule)
        self.num_classes, self.resolution = num_classes, resolution
        eq = {"equalized": equalized_lr}
        width4 = widths[4]
        self.feature_dim = width4
        self.from_rgb = nn.ModuleDict(
            {str(r): EqualizedConv2d(channels, w, 1, **eq) for r, w in widths.items()})
        self.blocks = nn.ModuleDict({
            str(r): nn.ModuleList([EqualizedConv2d(widths[r], widths[r], 3, **eq),
                                   EqualizedConv2d(widths[r], widths[r // 2], 3, **eq)])
            for r in widths if r > 4})
        self.mbstd = MinibatchStddev(mbstd_group_size) if minibatch_stddev else None
        self.final_conv = EqualizedConv2d(width4 + (1 if minibatch_stddev else 0), width4, 3, **eq)
        self.final_dense = EqualizedLinear(width4 * 16, width4, **eq)
        self.head = EqualizedLinear(width4, 1, gain=1.0, **eq)
        self.class_embedding = nn.Embedding(num_classes, width4) if num_classes > 0 else None

    def rgb_features(self, r: int, images: Tensor) -> Tensor:
        """fromRGB: features of ``r`` x ``r`` images for the block at resolution ``r``."""
        return F.leaky_relu(self.from_rgb[str(r)](images), LEAKY_SLOPE)

    def block(self, r: int, x: Tensor) -> Tensor:
        """Features at resolution ``r / 2`` from those at ``r``: two 3x3 convs, 2x2 average pool."""
        for conv in self.blocks[str(r)]:
            x = F.leaky_relu(conv(x), LEAKY_SLOPE)
        return F.avg_pool2d(x, 2)

    def features(self, x: Tensor) -> Tensor:
        """The trunk D~(x) [B, feature_dim] of full-resolution images x [B, C, H, W]."""
        if x.shape[-1] != self.resolution or x.shape[-2] != self.resolution:
            raise ValueError(f"pggan: the discriminator expects {self.resolution}x"
                             f"{self.resolution} images, got {tuple(x.shape)}")
        current, alpha = self._phase_for_call()
        images = F.avg_pool2d(x, self.resolution // current) if current < self.resolution else x
        h = self.rgb_features(current, images)
        if current > 4:
            h = self.block(current, h)
            if alpha < 1:   # mirror of G: (1 - a) * fromRGB(down(x)) + a * block(fromRGB(x))
                old = self.rgb_features(current // 2, F.avg_pool2d(images, 2))
                h = fade_in(old, h, alpha)
        r = current // 2
        while r > 4:
            h = self.block(r, h)
            r //= 2
        if self.mbstd is not None:
            h = self.mbstd(h)
        h = F.leaky_relu(self.final_conv(h), LEAKY_SLOPE)
        return F.leaky_relu(self.final_dense(h.flatten(1)), LEAKY_SLOPE)

    def logits(self, h: Tensor, y: Tensor | None = None) -> Tensor:
        """``c(h) + <embed(y), h>``; ``c(h)`` alone when y is None or D is unconditional."""
        out = self.head(h).squeeze(1)
        if y is not None and self.class_embedding is not None:
            out = out + (embed_labels(self.class_embedding, y) * h).sum(dim=1)
        return out

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        return self.logits(self.features(x), y)
