"""BigGAN-deep (Brock et al., 2019): twice the blocks of BigGAN, each a 1x1-3x3-3x3-1x1
bottleneck with identity shortcuts (channels are dropped in G and concatenated in D instead of
a 1x1 conv). z is not split: the input layer and every block see [z, shared(y)].
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..conditioning import (NormalizedLayers, ProjectionDiscriminator, check_labels,
                            check_resolution, class_vector)
from .blocks import SelfAttention, SumPoolFeatures, orthogonal_init, upsample
from .resnet import G_WIDTHS, RESOLUTIONS, attention_size

# Discriminator: width of the input conv, width after each stage (2 blocks), whether it halves.
D_DEEP_WIDTHS = {
    16: (4, [4, 4], [True, False]),
    32: (4, [4, 4, 4], [True, True, False]),
    64: (1, [2, 4, 8, 16], [True, True, True, True]),
    128: (1, [2, 4, 8, 16, 16], [True, True, True, True, True]),
}


class DeepGBlock(nn.Module):
    """Bottleneck (channels / 4) generator block; shortcut keeps the first ``cout`` channels."""

    def __init__(self, cin: int, cout: int, layers: NormalizedLayers, cond_dim: int, up: bool) -> None:
        super().__init__()
        hidden = max(cin // 4, 1)
        self.cout, self.up = cout, up
        self.norms = nn.ModuleList([layers.feature_norm(c, cond_dim) for c in (cin, hidden, hidden, hidden)])
        self.convs = nn.ModuleList([layers.conv(cin, hidden, 1), layers.conv(hidden, hidden, 3),
                                    layers.conv(hidden, hidden, 3), layers.conv(hidden, cout, 1)])

    def forward(self, x: Tensor, y: Tensor | None) -> Tensor:
        h = self.convs[0](self.norms[0](x, y).relu())
        h = self.norms[1](h, y).relu()
        if self.up:
            h, x = upsample(h), upsample(x)
        h = self.convs[1](h)
        h = self.convs[2](self.norms[2](h, y).relu())
        h = self.convs[3](self.norms[3](h, y).relu())
        return h + x[:, :self.cout]


class DeepDBlock(nn.Module):
    """Pre-activation bottleneck discriminator block; the shortcut appends 1x1-conv channels."""

    def __init__(self, cin: int, cout: int, layers: NormalizedLayers, down: bool) -> None:
        super().__init__()
        hidden = max(cout // 4, 1)
        self.down = down
        self.norms = nn.ModuleList([layers.feature_norm(c) for c in (cin, hidden, hidden, hidden)])
        self.convs = nn.ModuleList([layers.conv(cin, hidden, 1), layers.conv(hidden, hidden, 3),
                                    layers.conv(hidden, hidden, 3), layers.conv(hidden, cout, 1)])
        self.extra = layers.conv(cin, cout - cin, 1) if cout > cin else None

    def forward(self, x: Tensor) -> Tensor:
        h = x
        for i in range(3):
            h = self.convs[i](self.norms[i](h, None).relu())
        h = self.norms[3](h, None).relu()
        if self.down:
            h, x = F.avg_pool2d(h, 2), F.avg_pool2d(x, 2)
        shortcut = torch.cat([x, self.extra(x)], dim=1) if self.extra is not None else x
        return self.convs[3](h) + shortcut


class DeepGenerator(nn.Module):
    """[z, shared(y)] -> linear -> 4x4 -> stages of (block, upsampling block) -> BN-ReLU-conv -> tanh."""

    def __init__(self, widths: list[int], channels: int, z_dim: int, num_classes: int,
                 shared_dim: int, layers: NormalizedLayers, attention_at: int) -> None:
        super().__init__()
        self.z_dim, self.num_classes, self.start_width = z_dim, num_classes, widths[0]
        self.shared = nn.Linear(num_classes, shared_dim, bias=False) if num_classes else None
        cond_dim = z_dim + (shared_dim if num_classes else 0)
        self.project = layers.linear(cond_dim, 16 * widths[0])
        self.blocks = nn.ModuleList()
        self.attention_after = -1
        for stage, (cin, cout) in enumerate(zip(widths[:-1], widths[1:])):
            self.blocks.append(DeepGBlock(cin, cin, layers, cond_dim, up=False))
            self.blocks.append(DeepGBlock(cin, cout, layers, cond_dim, up=True))
            if 4 * 2 ** (stage + 1) == attention_at:
                self.attention_after = len(self.blocks) - 1
                self.attention = SelfAttention(cout, layers)
        self.out_norm = layers.feature_norm(widths[-1], 0)
        self.to_rgb = layers.conv(widths[-1], channels, 3)

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        check_labels(self, y)
        cond = z
        if self.shared is not None:
            cond = torch.cat([z, self.shared(class_vector(y, self.num_classes).to(z.dtype))], dim=1)
        x = self.project(cond).view(z.shape[0], self.start_width, 4, 4)
        for i, block in enumerate(self.blocks):
            x = block(x, cond)
            if i == self.attention_after:
                x = self.attention(x)
        return self.to_rgb(self.out_norm(x, None).relu()).tanh()


def deep_trunk(channels: int, first: int, widths: list[int], downs: list[bool], resolution: int,
               layers: NormalizedLayers, attention_at: int) -> nn.Sequential:
    modules: list[nn.Module] = [layers.conv(channels, first, 3)]
    size, cin = resolution, first
    for width, down in zip(widths, downs):
        modules += [DeepDBlock(cin, width, layers, down), DeepDBlock(width, width, layers, False)]
        size, cin = (size // 2 if down else size), width
        if size == attention_at:
            modules.append(SelfAttention(width, layers))
            attention_at = 0       # once
    modules.append(SumPoolFeatures())
    return nn.Sequential(*modules)


def biggan_deep(resolution: int, channels: int, num_classes: int, *, z_dim: int = 128,
                base_width: int = 128, shared_dim: int = 128, attention_resolution: int | None = None,
                g_normalizers=("spectral_norm", "conditional_batch_norm"),
                d_normalizers=("spectral_norm",), init: str = "ortho"):
    """BigGAN-deep: 2 bottleneck blocks per resolution, shared embedding, projection D; 16-128 px.

    Defaults are the published 128x128 model: ch = base_width = 128, z_dim 128, shared embedding
    128, attention at 64x64 (default resolution // 2; 0 disables), SN in G and D, orthogonal init.
    """
    check_resolution("biggan_deep", resolution, RESOLUTIONS)
    if init not in ("ortho", "default"):
        raise ValueError(f"architectures.biggan_deep.init must be 'ortho' or 'default', got {init!r}")
    g_layers = NormalizedLayers(g_normalizers, where="architectures.biggan_deep.g_normalizers")
    d_layers = NormalizedLayers(d_normalizers, where="architectures.biggan_deep.d_normalizers")
    g_widths = [m * base_width for m in G_WIDTHS[resolution]]
    first, d_mults, downs = D_DEEP_WIDTHS[resolution]
    d_sizes = [resolution // 2 ** sum(downs[:i + 1]) for i in range(len(downs))]
    attend = attention_size("biggan_deep", attention_resolution, resolution, g_widths, d_sizes)
    G = DeepGenerator(g_widths, channels, z_dim, num_classes, shared_dim, g_layers, attend)
    d_widths = [m * base_width for m in d_mults]
    trunk = deep_trunk(channels, first * base_width, d_widths, downs, resolution, d_layers, attend)
    D = ProjectionDiscriminator(trunk, d_widths[-1], num_classes, d_layers)
    if init == "ortho":
        orthogonal_init(G)
        orthogonal_init(D)
    return G, D
