"""Normalizers: weight reparametrizations (``wrap``) and activation normalizers (``feature_layer``).

Each factory returns an object with ``wrap(layer)`` and ``feature_layer(channels, num_classes)``
(see ``ganbench.interfaces.Normalizer``). Feature layers are called as ``m(x, y)`` with x of
shape [B, C, H, W] or [B, C].
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from ganbench import distributed

from .conditioning import class_vector
from .reparam import SpectralNormalized, WeightNormalized


class _Normalizer:
    """Defaults: leaves layers alone and adds no feature layer."""

    def wrap(self, layer: nn.Module) -> nn.Module:
        return layer

    def feature_layer(self, channels: int, num_classes: int) -> nn.Module | None:
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class _BatchNormAnyRank(nn.BatchNorm2d):
    """BatchNorm2d that also accepts [B, C] inputs (as [B, C, 1, 1]), with batch statistics
    over all data-parallel ranks when training under ``torchrun``.

    torch's SyncBatchNorm needs CUDA (it does not run on CPU/gloo), so the cross-rank path is
    written here: per-channel mean and E[x^2] are averaged over ranks with a differentiable
    all-reduce, which gives the statistics (and gradients) of the whole global batch as long as
    every rank holds the same number of samples (``Run`` splits the batch evenly).
    """

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() == 2:
            return self.forward(x[:, :, None, None])[:, :, 0, 0]
        if self.training and distributed.is_distributed():
            return self._forward_synced(x)
        return super().forward(x)

    def _forward_synced(self, x: Tensor) -> Tensor:
        xf = x.float()   # statistics in fp32 under autocast, as torch's own batch norm does
        local = torch.stack([xf.mean((0, 2, 3)), xf.square().mean((0, 2, 3))])
        mean, mean_sq = distributed.all_reduce_mean(local)
        var = (mean_sq - mean.square()).clamp_min(0.0)   # biased: what normalisation uses
        if self.track_running_stats:
            self._update_running_stats(mean.detach(), var.detach(),
                                       x.numel() // x.shape[1] * distributed.world_size())
        shape = (1, -1, 1, 1)
        out = (xf - mean.view(shape)) * torch.rsqrt(var.view(shape) + self.eps)
        if self.affine:
            out = out * self.weight.view(shape) + self.bias.view(shape)
        return out.to(x.dtype)

    @torch.no_grad()
    def _update_running_stats(self, mean: Tensor, var: Tensor, count: int) -> None:
        self.num_batches_tracked += 1
        # Same rule as nn.BatchNorm: momentum None means a cumulative average; the running
        # variance is the unbiased estimate over the global batch.
        momentum = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
        unbiased = var * (count / max(count - 1, 1))
        self.running_mean.lerp_(mean.to(self.running_mean.dtype), momentum)
        self.running_var.lerp_(unbiased.to(self.running_var.dtype), momentum)


class BatchNormLayer(nn.Module):
    """Plain batch norm with a learned per-channel affine; ignores y."""

    def __init__(self, channels: int, eps: float = 1e-5, momentum: float = 0.1) -> None:
        super().__init__()
        self.bn = _BatchNormAnyRank(channels, eps=eps, momentum=momentum)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        return self.bn(x)


class ConditionalBatchNormLayer(nn.Module):
    """BN(x) * (1 + gamma(y)) + beta(y), with gamma and beta linear in the one-hot (or soft) label.

    gamma/beta start at zero, so an untrained layer is exactly batch norm (Compare GAN's
    ``gamma(y)`` without the ``1 +`` scaled features to zero at init). ``y`` may be int class ids
    [B], or a float [B, num_classes] vector: soft labels give the probability-weighted embedding,
    and architectures with a learned conditioning vector (BigGAN) pass that vector instead.
    """

    def __init__(self, channels: int, num_classes: int, eps: float = 1e-5,
                 momentum: float = 0.1) -> None:
        super().__init__()
        if num_classes < 1:
            raise ValueError(f"ConditionalBatchNormLayer needs num_classes >= 1, got {num_classes}")
        self.num_classes = num_classes
        self.bn = _BatchNormAnyRank(channels, eps=eps, momentum=momentum, affine=False)
        self.gamma = nn.Linear(num_classes, channels, bias=False)
        self.beta = nn.Linear(num_classes, channels, bias=False)
        nn.init.zeros_(self.gamma.weight)
        nn.init.zeros_(self.beta.weight)

    def forward(self, x: Tensor, y: Tensor | None) -> Tensor:
        if y is None:
            raise ValueError("conditional_batch_norm got y=None in a conditional network: pass "
                             "class ids or soft labels, or build it with num_classes=0")
        cond = class_vector(y, self.num_classes).to(x.dtype)
        shape = (x.shape[0], -1) + (1,) * (x.dim() - 2)
        gain = 1 + self.gamma(cond).view(shape)
        return self.bn(x) * gain + self.beta(cond).view(shape)


class LayerNormLayer(nn.Module):
    """Normalizes each sample over (C, H, W), with a per-channel affine (GroupNorm with 1 group)."""

    def __init__(self, channels: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.norm = nn.GroupNorm(1, channels, eps=eps)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        return self.norm(x)


class SpectralNorm(_Normalizer):
    """Spectral normalization of every conv/linear weight (power iteration, u in a buffer)."""

    def __init__(self, power_iterations: int = 1, eps: float = 1e-12) -> None:
        self.power_iterations = power_iterations
        self.eps = eps

    def wrap(self, layer: nn.Module) -> nn.Module:
        return SpectralNormalized(layer, self.power_iterations, self.eps)


class WeightNorm(_Normalizer):
    """Weight normalization: per-output-feature g * W / ||W||."""

    def wrap(self, layer: nn.Module) -> nn.Module:
        return WeightNormalized(layer)


class BatchNorm(_Normalizer):
    """Batch normalization of activations (unconditional)."""

    def __init__(self, eps: float = 1e-5, momentum: float = 0.1) -> None:
        self.eps = eps
        self.momentum = momentum

    def feature_layer(self, channels: int, num_classes: int) -> nn.Module:
        return BatchNormLayer(channels, self.eps, self.momentum)


class ConditionalBatchNorm(BatchNorm):
    """Class-conditional batch norm: gain 1 + gamma(y), bias beta(y); plain BN when unconditional."""

    def feature_layer(self, channels: int, num_classes: int) -> nn.Module:
        if num_classes == 0:
            return BatchNormLayer(channels, self.eps, self.momentum)
        return ConditionalBatchNormLayer(channels, num_classes, self.eps, self.momentum)


class LayerNorm(_Normalizer):
    """Layer normalization of activations over (C, H, W)."""

    def __init__(self, eps: float = 1e-5) -> None:
        self.eps = eps

    def feature_layer(self, channels: int, num_classes: int) -> nn.Module:
        return LayerNormLayer(channels, self.eps)


class NoNormalization(_Normalizer):
    """No normalization (leaves layers and activations unchanged)."""

