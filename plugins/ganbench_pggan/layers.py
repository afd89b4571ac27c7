"""PGGAN's building blocks: equalized-learning-rate layers, pixelwise feature normalization and
the minibatch standard deviation layer (Karras et al. 2018, section 4)."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

HE_GAIN = math.sqrt(2.0)


class _Equalized(nn.Module):
    """Shared weight handling: weights are N(0, 1) and multiplied at run time by
    ``gain / sqrt(fan_in)``, so Adam's scale-invariant updates move every layer at the same
    relative speed. With ``equalized=False`` the same constant is baked into the initial
    weights instead (plain He initialisation) and the run-time scale is 1."""

    def _init_weight(self, shape: tuple[int, ...], fan_in: int, gain: float, equalized: bool) -> None:
        he_constant = gain / math.sqrt(fan_in)
        weight = torch.randn(shape)
        if equalized:
            self.scale = he_constant
        else:
            weight.mul_(he_constant)
            self.scale = 1.0
        self.weight = nn.Parameter(weight)
        self.bias = nn.Parameter(torch.zeros(shape[0]))


class EqualizedLinear(_Equalized):
    """A linear layer with equalized learning rate (run-time He scaling)."""

    def __init__(self, in_features: int, out_features: int, *, gain: float = HE_GAIN,
                 equalized: bool = True) -> None:
        super().__init__()
        self._init_weight((out_features, in_features), in_features, gain, equalized)

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight * self.scale, self.bias)


class EqualizedConv2d(_Equalized):
    """A stride-1, same-padding conv with equalized learning rate (run-time He scaling)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, *,
                 gain: float = HE_GAIN, equalized: bool = True) -> None:
        super().__init__()
        fan_in = in_channels * kernel_size * kernel_size
        self._init_weight((out_channels, in_channels, kernel_size, kernel_size), fan_in, gain,
                          equalized)
        self.padding = kernel_size // 2

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(x, self.weight * self.scale, self.bias, padding=self.padding)


class PixelNorm(nn.Module):
    """Pixelwise feature normalization: ``a / sqrt(mean over channels of a^2 + eps)``."""

    def __init__(self, eps: float = 1e-8) -> None:
        super().__init__()
        self.eps = eps

    def forward(self, x: Tensor) -> Tensor:
        return x * torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + self.eps)


class MinibatchStddev(nn.Module):
    """Appends one feature map: the standard deviation of every feature at every position over
    a group of the minibatch, averaged to one scalar per group.

    Samples ``i`` and ``i + k * B / group`` share a group (as in the reference implementation).
    The deviation is the population one (divide by the group size). When the batch size is not a
    multiple of ``group_size`` the largest group size below it that divides the batch is used,
    so evaluation batches of any size work.
    """

    def __init__(self, group_size: int = 4, eps: float = 1e-8) -> None:
        super().__init__()
        if group_size < 1:
            raise ValueError(f"pggan: mbstd_group_size must be >= 1, got {group_size}")
        self.group_size, self.eps = group_size, eps

    def forward(self, x: Tensor) -> Tensor:
        batch, channels, height, width = x.shape
        group = next(g for g in range(min(self.group_size, batch), 0, -1) if batch % g == 0)
        grouped = x.reshape(group, batch // group, channels, height, width).float()
        variance = (grouped - grouped.mean(dim=0)).pow(2).mean(dim=0)
        stddev = torch.sqrt(variance + self.eps).mean(dim=(1, 2, 3))          # [B / group]
        feature = stddev.to(x.dtype).repeat(group).reshape(batch, 1, 1, 1)
        return torch.cat([x, feature.expand(batch, 1, height, width)], dim=1)


def fade_in(old: Tensor, new: Tensor, alpha: float) -> Tensor:
    """``(1 - alpha) * old + alpha * new``, in the wider dtype of the two (under autocast the
    upsampled old path and the new block can come out in different precisions)."""
    dtype = torch.promote_types(old.dtype, new.dtype)
    return torch.lerp(old.to(dtype), new.to(dtype), alpha)


def embed_labels(embedding: nn.Embedding, y: Tensor) -> Tensor:
    """Class ids [B] look up their embedding; soft labels [B, K] give the weighted mean."""
    if y.is_floating_point():
        return y.to(embedding.weight.dtype) @ embedding.weight
    return embedding(y)
