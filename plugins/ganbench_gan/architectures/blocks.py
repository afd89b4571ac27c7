"""Residual blocks and self-attention shared by resnet_cifar, sagan and biggan.

Every weight layer and feature norm is built through ``NormalizedLayers``, so the normalizer
lists of an architecture apply everywhere. Generator blocks take a conditioning tensor ``y``
for their feature norms (class ids, soft labels, or BigGAN's conditioning vector).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..conditioning import NormalizedLayers
from ..normalizers import ConditionalBatchNormLayer
from ..reparam import SUPPORTED_LAYERS


def upsample(x: Tensor) -> Tensor:
    return F.interpolate(x, scale_factor=2, mode="nearest")


class GBlock(nn.Module):
    """norm-ReLU-up-conv3x3-norm-ReLU-conv3x3, plus an upsampled (1x1-conv) shortcut."""

    def __init__(self, cin: int, cout: int, layers: NormalizedLayers, cond_dim: int,
                 up: bool = True) -> None:
        super().__init__()
        self.up = up
        self.norm1 = layers.feature_norm(cin, cond_dim)
        self.conv1 = layers.conv(cin, cout, 3)
        self.norm2 = layers.feature_norm(cout, cond_dim)
        self.conv2 = layers.conv(cout, cout, 3)
        self.shortcut = layers.conv(cin, cout, 1) if (cin != cout or up) else None

    def forward(self, x: Tensor, y: Tensor | None) -> Tensor:
        h = self.norm1(x, y).relu()
        if self.up:
            h, x = upsample(h), upsample(x)
        h = self.conv2(self.norm2(self.conv1(h), y).relu())
        return h + (self.shortcut(x) if self.shortcut is not None else x)


class DBlock(nn.Module):
    """(ReLU-)conv3x3-ReLU-conv3x3(-avgpool), plus a 1x1-conv shortcut when the shape changes.

    The first block of a discriminator sees raw pixels, so it skips the leading ReLU and pools
    before its shortcut conv (the "optimized block" of SNGAN); later blocks are pre-activation.
    Feature norms (if any) come before each ReLU and see no labels: D's trunk is unconditional.
    """

    def __init__(self, cin: int, cout: int, layers: NormalizedLayers, down: bool = True,
                 first: bool = False) -> None:
        super().__init__()
        self.down, self.first = down, first
        self.norm1 = layers.feature_norm(cin) if not first else None
        self.conv1 = layers.conv(cin, cout, 3)
        self.norm2 = layers.feature_norm(cout)
        self.conv2 = layers.conv(cout, cout, 3)
        self.shortcut = layers.conv(cin, cout, 1) if (cin != cout or down) else None

    def _shortcut(self, x: Tensor) -> Tensor:
        if self.first and self.down:
            x = F.avg_pool2d(x, 2)
        if self.shortcut is not None:
            x = self.shortcut(x)
        if not self.first and self.down:
            x = F.avg_pool2d(x, 2)
        return x

    def forward(self, x: Tensor) -> Tensor:
        h = x if self.first else self.norm1(x, None).relu()
        h = self.conv2(self.norm2(self.conv1(h), None).relu())
        if self.down:
            h = F.avg_pool2d(h, 2)
        return h + self._shortcut(x)


class SelfAttention(nn.Module):
    """Non-local self-attention (SAGAN): x + gamma * o(softmax(theta^T phi) g), gamma starts at 0.

    Keys and values are max-pooled 2x (as in SAGAN/BigGAN) to cut the cost by 4.
    """

    def __init__(self, channels: int, layers: NormalizedLayers) -> None:
        super().__init__()
        key_dim, value_dim = max(channels // 8, 1), max(channels // 2, 1)
        self.theta = layers.conv(channels, key_dim, 1, bias=False)
        self.phi = layers.conv(channels, key_dim, 1, bias=False)
        self.g = layers.conv(channels, value_dim, 1, bias=False)
        self.o = layers.conv(value_dim, channels, 1, bias=False)
        self.gamma = nn.Parameter(torch.zeros(()))

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        b, _, h, w = x.shape
        query = self.theta(x).flatten(2).transpose(1, 2)                  # [B, HW, Ck]
        key = F.max_pool2d(self.phi(x), 2).flatten(2).transpose(1, 2)     # [B, HW/4, Ck]
        value = F.max_pool2d(self.g(x), 2).flatten(2).transpose(1, 2)     # [B, HW/4, Cv]
        # SAGAN does not scale the logits by 1/sqrt(d): scale=1 keeps the published model.
        attended = F.scaled_dot_product_attention(query[:, None], key[:, None], value[:, None],
                                                  scale=1.0)[:, 0]
        attended = attended.transpose(1, 2).reshape(b, -1, h, w)
        return x + self.gamma * self.o(attended)


def orthogonal_init(module: nn.Module) -> None:
    """Orthogonal init of every conv/linear weight, biases to zero (BigGAN).

    Conditional BN's gain/bias maps keep their zero init, so an untrained layer stays plain BN.
    """
    keep = {id(m) for cbn in module.modules() if isinstance(cbn, ConditionalBatchNormLayer)
            for m in cbn.modules()}
    for m in module.modules():
        if isinstance(m, SUPPORTED_LAYERS) and id(m) not in keep:
            nn.init.orthogonal_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


class SumPoolFeatures(nn.Module):
    """ReLU then sum over spatial positions: the trunk output D~(x) of residual discriminators."""

    def forward(self, x: Tensor) -> Tensor:
        return x.relu().sum(dim=(2, 3))
