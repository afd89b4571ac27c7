"""StyleGAN2's residual discriminator (config E/F) with StyleGAN2-ADA's label conditioning."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganbench_gan.conditioning import class_vector
from ganbench_pggan.layers import EqualizedConv2d, EqualizedLinear, MinibatchStddev

from .generator import MappingNetwork
from .layers import blur, channels_at, downsample2, lrelu

SKIP_GAIN = math.sqrt(0.5)


class DBlock(nn.Module):
    """conv0 3x3, then a low-pass filtered stride-2 conv1 3x3; with ``residual`` a 1x1
    bias-free conv of the downsampled input is added, both branches scaled by sqrt(0.5)."""

    def __init__(self, in_channels: int, tmp_channels: int, out_channels: int, residual: bool) -> None:
        super().__init__()
        self.conv0 = EqualizedConv2d(in_channels, tmp_channels, 3, gain=1.0)
        self.conv1 = EqualizedConv2d(tmp_channels, out_channels, 3, gain=1.0)
        self.skip = None
        if residual:
            self.skip = EqualizedConv2d(in_channels, out_channels, 1, gain=1.0)
            self.skip.bias = None

    def forward(self, x: Tensor) -> Tensor:
        y = lrelu(self.conv0(x))
        # low-pass, then a valid 3x3 conv at stride 2: H -> H + 1 -> H / 2
        y = F.conv2d(blur(y, pad=2), self.conv1.weight * self.conv1.scale, self.conv1.bias, stride=2)
        y = lrelu(y)
        if self.skip is None:
            return y
        return (self.skip(downsample2(x)) + y) * SKIP_GAIN


class Discriminator(nn.Module):
    """fromRGB at full resolution, a DBlock per halving down to 4x4, then minibatch stddev,
    a 3x3 conv and a dense layer: ``features(x)`` [B, channels at 4x4].

    Unconditional: ``logits = out(h)``. Conditional (StyleGAN2-ADA): ``out`` maps h to
    ``cmap_dim`` features and the logit is ``<out(h), cmap(y)> / sqrt(cmap_dim)``, cmap a mapping
    network of the label; a soft label maps as a vector, and ``y=None`` uses the uniform label.
    """

    def __init__(self, resolution: int, channels: int, num_classes: int, *, channel_base: int,
                 channel_max: int, residual: bool, mbstd_group_size: int, cmap_dim: int | None,
                 mapping_layers: int, mapping_lr_mul: float) -> None:
        super().__init__()
        self.num_classes = num_classes
        width = lambda r: channels_at(r, channel_base, channel_max)  # noqa: E731
        self.from_rgb = EqualizedConv2d(channels, width(resolution), 1, gain=1.0)
        resolutions = [2 ** i for i in range(int(math.log2(resolution)), 2, -1)]
        self.blocks = nn.Sequential(*(DBlock(width(r), width(r), width(r // 2), residual)
                                      for r in resolutions))
        c4 = width(4)
        self.mbstd = MinibatchStddev(mbstd_group_size)
        self.conv = EqualizedConv2d(c4 + 1, c4, 3, gain=1.0)
        self.fc = EqualizedLinear(c4 * 16, c4, gain=1.0)
        self.feature_dim = c4
        self.cmap_dim = (cmap_dim or c4) if num_classes else 0
        self.out = EqualizedLinear(c4, self.cmap_dim or 1, gain=1.0)
        self.cmap = (MappingNetwork(0, num_classes, self.cmap_dim, mapping_layers, mapping_lr_mul, None)
                     if num_classes else None)

    def features(self, x: Tensor) -> Tensor:
        x = self.blocks(lrelu(self.from_rgb(x)))
        x = lrelu(self.conv(self.mbstd(x)))
        return lrelu(self.fc(x.flatten(1)))

    def logits(self, h: Tensor, y: Tensor | None) -> Tensor:
        out = self.out(h)
        if self.cmap is None:
            return out.squeeze(1)
        if y is None:
            y = torch.full((h.shape[0], self.num_classes), 1.0 / self.num_classes, device=h.device)
        cmap = self.cmap(None, class_vector(y, self.num_classes).to(h.dtype))
        return (out * cmap).sum(dim=1) / math.sqrt(self.cmap_dim)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        return self.logits(self.features(x), y)
