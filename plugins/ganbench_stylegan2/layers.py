"""StyleGAN2's building blocks (Karras et al. 2020): modulated convolution with weight
demodulation, noise inputs, the mapping network's layers and the [1, 3, 3, 1] resampling filters.

Equalized learning rate comes from PGGAN's layers (``ganbench_pggan.layers``): every weight here
is one of their N(0, 1) parameters scaled at run time. As in the official code the weight gain is
``1 / sqrt(fan_in)`` (``gain=1``) and leaky ReLUs carry the gain ``sqrt(2)`` instead.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganbench_pggan.layers import EqualizedConv2d, EqualizedLinear

ACT_GAIN = math.sqrt(2.0)
DEMOD_EPS = 1e-8


def lrelu(x: Tensor) -> Tensor:
    """Leaky ReLU (slope 0.2) with gain sqrt(2), StyleGAN2's activation."""
    return F.leaky_relu(x, 0.2) * ACT_GAIN


def normalize_2nd_moment(x: Tensor, eps: float = 1e-8) -> Tensor:
    """``x / sqrt(mean(x^2) + eps)`` over the features: the mapping network's input normalization."""
    return x * (x.square().mean(dim=1, keepdim=True) + eps).rsqrt()


def _fir_kernel(x: Tensor, gain: float) -> Tensor:
    """The separable [1, 3, 3, 1] filter, normalized to sum ``gain``, one copy per channel."""
    taps = torch.tensor([1.0, 3.0, 3.0, 1.0], device=x.device, dtype=x.dtype)
    kernel = torch.outer(taps, taps)
    kernel = kernel * (gain / kernel.sum())
    return kernel.expand(x.shape[1], 1, 4, 4)


def upsample2(x: Tensor) -> Tensor:
    """2x upsampling: zero insertion followed by the [1, 3, 3, 1] low-pass filter (gain 4)."""
    return F.conv_transpose2d(x, _fir_kernel(x, 4.0), stride=2, padding=1, groups=x.shape[1])


def blur(x: Tensor, pad: int) -> Tensor:
    """The [1, 3, 3, 1] low-pass filter (gain 1), zero padding ``pad`` on each side."""
    return F.conv2d(x, _fir_kernel(x, 1.0), padding=pad, groups=x.shape[1])


def downsample2(x: Tensor) -> Tensor:
    """2x downsampling: the low-pass filter then every second pixel."""
    return F.conv2d(x, _fir_kernel(x, 1.0), stride=2, padding=1, groups=x.shape[1])


class MappingLinear(EqualizedLinear):
    """An equalized linear layer with a learning-rate multiplier (the mapping network's 0.01):
    weights start as N(0, 1 / lr_mul^2) and are scaled by ``lr_mul / sqrt(fan_in)``, the bias by
    ``lr_mul``, so Adam moves this layer ``lr_mul`` times slower than the others."""

    def __init__(self, in_features: int, out_features: int, lr_mul: float = 1.0) -> None:
        super().__init__(in_features, out_features, gain=1.0)
        self.weight.data.div_(lr_mul)
        self.scale *= lr_mul
        self.lr_mul = lr_mul

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight * self.scale, self.bias * self.lr_mul)


def modulated_conv2d(x: Tensor, weight: Tensor, styles: Tensor, demodulate: bool) -> Tensor:
    """Per-sample convolution with ``w'_oik = s_i * w_oik`` and, when ``demodulate``,
    ``w''_oik = w'_oik / sqrt(sum_{i,k} w'_oik^2 + 1e-8)`` (StyleGAN2, eqs. 1-3).

    x [B, I, H, W], weight [O, I, k, k] (already scaled), styles [B, I]. Computed as one grouped
    convolution over the batch; same padding."""
    batch, in_channels, height, width = x.shape
    w = weight.unsqueeze(0) * styles.reshape(batch, 1, in_channels, 1, 1)
    if demodulate:
        w = w * (w.square().sum(dim=(2, 3, 4), keepdim=True) + DEMOD_EPS).rsqrt()
    out_channels, kernel = weight.shape[0], weight.shape[-1]
    out = F.conv2d(x.reshape(1, batch * in_channels, height, width),
                   w.reshape(batch * out_channels, in_channels, kernel, kernel),
                   padding=kernel // 2, groups=batch)
    return out.reshape(batch, out_channels, height, width)


class StyleConv(nn.Module):
    """One synthesis layer: [2x upsampling], modulated 3x3 conv, noise, bias, activation.

    ``affine`` maps w to the styles s (bias initialised to 1 so that s starts near 1); the noise
    input is one N(0, 1) map per sample in training and a fixed map otherwise, scaled by a learned
    per-layer strength (initially 0).
    """

    def __init__(self, w_dim: int, in_channels: int, out_channels: int, resolution: int,
                 up: bool = False) -> None:
        super().__init__()
        self.affine = EqualizedLinear(w_dim, in_channels, gain=1.0)
        self.affine.bias.data.fill_(1.0)
        self.conv = EqualizedConv2d(in_channels, out_channels, 3, gain=1.0)
        self.noise_strength = nn.Parameter(torch.zeros([]))
        # Outside training the noise is this fixed map (the official code's noise_mode='const'),
        # so evaluating a generator twice gives the same images for the same latents.
        self.register_buffer("noise_const", torch.randn(1, 1, resolution, resolution))
        self.up, self.resolution = up, resolution

    def forward(self, x: Tensor, w: Tensor) -> Tensor:
        if self.up:
            x = upsample2(x)
        x = modulated_conv2d(x, self.conv.weight * self.conv.scale, self.affine(w), demodulate=True)
        if self.training:
            noise = torch.randn(x.shape[0], 1, x.shape[2], x.shape[3], device=x.device, dtype=x.dtype)
        else:
            noise = self.noise_const.to(x.dtype)
        x = x + noise * self.noise_strength
        return lrelu(x + self.conv.bias.reshape(1, -1, 1, 1))


class ToRGB(nn.Module):
    """Modulated 1x1 conv to image channels, without demodulation or activation."""

    def __init__(self, w_dim: int, in_channels: int, channels: int) -> None:
        super().__init__()
        self.affine = EqualizedLinear(w_dim, in_channels, gain=1.0)
        self.affine.bias.data.fill_(1.0)
        self.conv = EqualizedConv2d(in_channels, channels, 1, gain=1.0)

    def forward(self, x: Tensor, w: Tensor) -> Tensor:
        x = modulated_conv2d(x, self.conv.weight * self.conv.scale, self.affine(w), demodulate=False)
        return x + self.conv.bias.reshape(1, -1, 1, 1)


def channels_at(resolution: int, channel_base: int, channel_max: int) -> int:
    """Feature maps at ``resolution``: ``min(channel_base // resolution, channel_max)`` (the
    official code's width rule; config F is channel_base 32768, channel_max 512)."""
    return max(1, min(channel_base // resolution, channel_max))
