"""Residual GANs: the generic generator and discriminator trunk, ``resnet_cifar`` and ``sagan``.

``biggan`` (in biggan.py) reuses the same generator and trunk with its own conditioner.
A *conditioner* turns ``(z, y)`` into the generator's input code and one conditioning tensor per
block (what the blocks' feature norms receive).
"""
from __future__ import annotations

import math
from typing import Any

from torch import Tensor, nn

from ..conditioning import NormalizedLayers, ProjectionDiscriminator, check_labels, check_resolution
from .blocks import DBlock, GBlock, SelfAttention, SumPoolFeatures, orthogonal_init

RESOLUTIONS = (16, 32, 64, 128)

# Width multipliers of base_width, BigGAN's tables (SAGAN shares them). Generator: width at 4x4,
# then after each upsampling block. Discriminator: width after each block, and whether it halves.
G_WIDTHS = {16: [4, 4, 4], 32: [4, 4, 4, 4], 64: [16, 16, 8, 4, 2], 128: [16, 16, 8, 4, 2, 1]}
D_WIDTHS = {
    16: ([4, 4, 4], [True, False, False]),
    32: ([4, 4, 4, 4], [True, True, False, False]),
    64: ([1, 2, 4, 8, 16], [True, True, True, True, False]),
    128: ([1, 2, 4, 8, 16, 16], [True, True, True, True, True, False]),
}


class ClassConditioner(nn.Module):
    """Passes z to the input layer and the label (ids or soft) to every block's norm."""

    def __init__(self, z_dim: int, num_classes: int, num_blocks: int) -> None:
        super().__init__()
        self.input_dim, self.cond_dim, self.num_blocks = z_dim, num_classes, num_blocks

    def forward(self, z: Tensor, y: Tensor | None) -> tuple[Tensor, list[Tensor | None]]:
        return z, [y] * self.num_blocks


class ResNetGenerator(nn.Module):
    """code -> linear -> 4x4 map -> upsampling GBlocks (+ attention) -> BN-ReLU-conv3x3 -> tanh."""

    def __init__(self, widths: list[int], channels: int, z_dim: int, num_classes: int,
                 layers: NormalizedLayers, conditioner: nn.Module, attention_at: int) -> None:
        super().__init__()
        self.z_dim, self.num_classes = z_dim, num_classes
        self.conditioner = conditioner
        self.start_width = widths[0]
        self.project = layers.linear(conditioner.input_dim, 16 * widths[0])
        self.blocks = nn.ModuleList(
            [GBlock(a, b, layers, conditioner.cond_dim) for a, b in zip(widths[:-1], widths[1:])])
        output_sizes = [4 * 2 ** (i + 1) for i in range(len(self.blocks))]
        self.attention_after = output_sizes.index(attention_at) if attention_at else -1
        self.attention = (SelfAttention(widths[self.attention_after + 1], layers)
                          if attention_at else None)
        self.out_norm = layers.feature_norm(widths[-1], 0)
        self.to_rgb = layers.conv(widths[-1], channels, 3)

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        check_labels(self, y)
        code, conds = self.conditioner(z, y)
        x = self.project(code).view(z.shape[0], self.start_width, 4, 4)
        for i, (block, cond) in enumerate(zip(self.blocks, conds)):
            x = block(x, cond)
            if i == self.attention_after:
                x = self.attention(x)
        return self.to_rgb(self.out_norm(x, None).relu()).tanh()


def resnet_trunk(channels: int, widths: list[int], downs: list[bool], resolution: int,
                 layers: NormalizedLayers, attention_at: int) -> nn.Sequential:
    """DBlocks (first one "optimized"), optional attention, then ReLU + sum pooling."""
    modules: list[nn.Module] = []
    size, cin = resolution, channels
    placed = False
    for i, (width, down) in enumerate(zip(widths, downs)):
        modules.append(DBlock(cin, width, layers, down=down, first=(i == 0)))
        size, cin = (size // 2 if down else size), width
        if size == attention_at and not placed:
            modules.append(SelfAttention(width, layers))
            placed = True
    modules.append(SumPoolFeatures())
    return nn.Sequential(*modules)


def attention_size(name: str, requested: int | None, resolution: int, g_widths: list[int],
                   d_sizes: list[int]) -> int:
    """The feature-map size to attend at: None -> resolution // 2, 0 -> no attention."""
    size = resolution // 2 if requested is None else requested
    g_sizes = [4 * 2 ** (i + 1) for i in range(len(g_widths) - 1)]
    if size and (size not in g_sizes or size not in d_sizes):
        valid = sorted(set(g_sizes) & set(d_sizes))
        raise ValueError(f"architectures.{name}.attention_resolution={requested} is not a feature-map "
                         f"size of both G and D at resolution {resolution}; use one of {valid} "
                         "(or 0 for no attention)")
    return size


def build_residual_gan(name: str, resolution: int, channels: int, num_classes: int, *,
                       g_widths: list[int], d_widths: list[int], d_downs: list[bool],
                       z_dim: int, attention_resolution: int | None, g_normalizers: Any,
                       d_normalizers: Any, init: str, conditioner: nn.Module | None = None):
    """Assemble G and the projection D from width tables; used by every residual architecture."""
    if init not in ("ortho", "default"):
        raise ValueError(f"architectures.{name}.init must be 'ortho' or 'default', got {init!r}")
    g_layers = NormalizedLayers(g_normalizers, where=f"architectures.{name}.g_normalizers")
    d_layers = NormalizedLayers(d_normalizers, where=f"architectures.{name}.d_normalizers")
    d_sizes, size = [], resolution
    for down in d_downs:
        size = size // 2 if down else size
        d_sizes.append(size)
    attend = attention_size(name, attention_resolution, resolution, g_widths, d_sizes)
    if conditioner is None:
        conditioner = ClassConditioner(z_dim, num_classes, len(g_widths) - 1)
    G = ResNetGenerator(g_widths, channels, z_dim, num_classes, g_layers, conditioner, attend)
    trunk = resnet_trunk(channels, d_widths, d_downs, resolution, d_layers, attend)
    D = ProjectionDiscriminator(trunk, d_widths[-1], num_classes, d_layers)
    if init == "ortho":
        orthogonal_init(G)
        orthogonal_init(D)
    return G, D


def resnet_cifar(resolution: int, channels: int, num_classes: int, *, z_dim: int = 128,
                 base_width: int = 64, g_normalizers: Any = ("conditional_batch_norm",),
                 d_normalizers: Any = ("spectral_norm",), init: str = "default"):
    """SNGAN ResNet (Miyato et al., 2018): residual G/D of constant width, projection D; 16-128 px.

    G has width 4 x base_width (256 at the default) and one upsampling block per doubling from
    4x4; D has width 2 x base_width, an optimized first block, downsampling blocks to 8x8, then
    two more blocks, ReLU and sum pooling. ``init`` is "default" (PyTorch) or "ortho".
    """
    check_resolution("resnet_cifar", resolution, RESOLUTIONS)
    doublings = int(math.log2(resolution)) - 2
    downs = [True] * (doublings - 1) + [False, False]
    return build_residual_gan(
        "resnet_cifar", resolution, channels, num_classes,
        g_widths=[4 * base_width] * (doublings + 1), d_widths=[2 * base_width] * len(downs),
        d_downs=downs, z_dim=z_dim, attention_resolution=0, g_normalizers=g_normalizers,
        d_normalizers=d_normalizers, init=init)


def sagan(resolution: int, channels: int, num_classes: int, *, z_dim: int = 128,
          base_width: int = 64, attention_resolution: int | None = None,
          g_normalizers: Any = ("spectral_norm", "conditional_batch_norm"),
          d_normalizers: Any = ("spectral_norm",), init: str = "default"):
    """SAGAN (Zhang et al., 2019): residual G/D with a non-local self-attention block; 16-128 px.

    Spectral norm in G and D, class-conditional BN in G, projection D; widths follow the BigGAN
    tables (multiples of base_width). ``attention_resolution`` is the feature-map size where the
    attention block sits in both G and D (default resolution // 2; 0 disables it).
    """
    check_resolution("sagan", resolution, RESOLUTIONS)
    d_widths, d_downs = D_WIDTHS[resolution]
    return build_residual_gan(
        "sagan", resolution, channels, num_classes,
        g_widths=[m * base_width for m in G_WIDTHS[resolution]],
        d_widths=[m * base_width for m in d_widths], d_downs=d_downs, z_dim=z_dim,
        attention_resolution=attention_resolution, g_normalizers=g_normalizers,
        d_normalizers=d_normalizers, init=init)
