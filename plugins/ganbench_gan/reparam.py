"""Weight reparametrizations (spectral norm, weight norm) as plain wrapper modules.

They are written by hand instead of using ``torch.nn.utils.parametrizations`` because those
parametrizations break ``torch.compile`` graphs. A wrapper keeps the original layer (so its
``weight``/``bias`` keep their names in state dicts) and calls the layer's functional form with
the normalized weight.
"""
from __future__ import annotations

import contextlib

import torch
import torch.nn.functional as F
from torch import Tensor, nn

SUPPORTED_LAYERS = (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)


def _check_supported(layer: nn.Module, what: str) -> None:
    if isinstance(layer, _Reparametrized):
        raise ValueError(f"{what} got a layer already wrapped by {type(layer).__name__}; "
                         "list at most one of spectral_norm / weight_norm per network")
    if not isinstance(layer, SUPPORTED_LAYERS):
        names = ", ".join(t.__name__ for t in SUPPORTED_LAYERS)
        raise ValueError(f"{what} can wrap {names} layers, not {type(layer).__name__}; "
                         "apply it only to conv and linear layers")


def _output_dim(layer: nn.Module) -> int:
    """The weight dimension indexing output features (ConvTranspose2d stores [in, out, kh, kw])."""
    return 1 if isinstance(layer, nn.ConvTranspose2d) else 0


def weight_matrix(layer: nn.Module, weight: Tensor) -> Tensor:
    """``weight`` as a 2-D matrix [out_features, everything else]."""
    dim = _output_dim(layer)
    if dim != 0:
        weight = weight.transpose(0, dim)
    return weight.reshape(weight.shape[0], -1)


def apply_with_weight(layer: nn.Module, x: Tensor, weight: Tensor) -> Tensor:
    """Run ``layer`` on ``x`` as if its weight were ``weight``."""
    if isinstance(layer, nn.Linear):
        return F.linear(x, weight, layer.bias)
    if isinstance(layer, nn.Conv2d):
        return layer._conv_forward(x, weight, layer.bias)
    return F.conv_transpose2d(x, weight, layer.bias, layer.stride, layer.padding,
                              layer.output_padding, layer.groups, layer.dilation)


def _full_precision(device: torch.device) -> contextlib.AbstractContextManager:
    """Leave autocast: power iteration in bf16/fp16 is too coarse to converge."""
    if device.type in ("cuda", "cpu", "xpu"):
        return torch.autocast(device_type=device.type, enabled=False)
    return contextlib.nullcontext()   # e.g. the meta device, which has no autocast


class _Reparametrized(nn.Module):
    """Base class: holds ``layer`` and applies it with ``normalized_weight()``."""

    def __init__(self, layer: nn.Module) -> None:
        super().__init__()
        self.layer = layer

    # Architectures (e.g. orthogonal init) reach the raw weight through these.
    @property
    def weight(self) -> Tensor:
        return self.layer.weight

    @property
    def bias(self) -> Tensor | None:
        return self.layer.bias

    def normalized_weight(self) -> Tensor:
        raise NotImplementedError

    def forward(self, x: Tensor) -> Tensor:
        return apply_with_weight(self.layer, x, self.normalized_weight())


class SpectralNormalized(_Reparametrized):
    """W / sigma(W), sigma estimated by power iteration (Miyato et al., 2018).

    The left singular vector ``u`` lives in a buffer (saved with checkpoints, broadcast by DDP).
    Each forward computes ``v = normalize(W^T u)`` and ``sigma = ||W v||``; in training mode it
    also runs ``power_iterations`` steps and stores the new ``u``, while eval mode never changes it.
    The buffer is rebound, never written in place: D scores reals, then fakes, then
    backpropagates once, and under torch.compile the first backward keeps the buffer tensor.
    """

    def __init__(self, layer: nn.Module, power_iterations: int = 1, eps: float = 1e-12) -> None:
        _check_supported(layer, "spectral_norm")
        super().__init__(layer)
        if power_iterations < 1:
            raise ValueError(f"spectral_norm.power_iterations must be >= 1, got {power_iterations}")
        self.power_iterations = power_iterations
        self.eps = eps
        rows = weight_matrix(layer, layer.weight).shape[0]
        self.register_buffer("u", F.normalize(torch.randn(rows), dim=0, eps=eps))

    def sigma(self) -> Tensor:
        """Current estimate of the largest singular value (differentiable in the weight)."""
        with _full_precision(self.u.device):
            w = weight_matrix(self.layer, self.layer.weight.float())
            with torch.no_grad():
                u = self.u
                v = F.normalize(w.t() @ u, dim=0, eps=self.eps)
                if self.training:
                    for _ in range(self.power_iterations - 1):
                        u = F.normalize(w @ v, dim=0, eps=self.eps)
                        v = F.normalize(w.t() @ u, dim=0, eps=self.eps)
                    # Rebind the buffer instead of writing into it: a tensor saved for the
                    # backward of an earlier forward must not change (torch.compile saves it).
                    self.u = F.normalize(w @ v, dim=0, eps=self.eps)
            return torch.linalg.vector_norm(w @ v)

    def normalized_weight(self) -> Tensor:
        return self.layer.weight / self.sigma().to(self.layer.weight.dtype)


class WeightNormalized(_Reparametrized):
    """g * W / ||W|| per output feature (Salimans & Kingma, 2016); g starts at ||W||, so
    wrapping leaves the layer's function unchanged."""

    def __init__(self, layer: nn.Module, eps: float = 1e-12) -> None:
        _check_supported(layer, "weight_norm")
        super().__init__(layer)
        self.eps = eps
        with torch.no_grad():
            norms = weight_matrix(layer, layer.weight).norm(dim=1)
        self.gain = nn.Parameter(norms.clone())

    def normalized_weight(self) -> Tensor:
        w = self.layer.weight
        dim = _output_dim(self.layer)
        norms = weight_matrix(self.layer, w).norm(dim=1).clamp_min(self.eps)
        shape = [1] * w.dim()
        shape[dim] = -1
        return w * (self.gain / norms).view(shape)
