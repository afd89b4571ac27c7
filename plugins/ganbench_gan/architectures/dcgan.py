"""DCGAN and SNDCGAN: all-convolutional networks, resolution-parametric (16 to 128).

The generator starts from a 4x4 map and doubles it with 4x4 stride-2 transposed convolutions
until the target resolution; the discriminators mirror it with stride-2 convolutions and flatten
the final 4x4 map into the feature vector that the projection head scores.
"""
from __future__ import annotations

import math
from typing import Any

from torch import Tensor, nn

from ..conditioning import (NoFeatureNorm, NormalizedLayers, ProjectionDiscriminator,
                            check_labels, check_resolution)

RESOLUTIONS = (16, 32, 64, 128)


def _num_doublings(name: str, resolution: int) -> int:
    check_resolution(name, resolution, RESOLUTIONS)
    return int(math.log2(resolution)) - 2


class DCGANGenerator(nn.Module):
    """z -> linear -> 4x4 map -> (upsampling layer, norm, ReLU) per doubling -> 3x3 conv -> tanh.

    Widths halve at every doubling, from 8 * base_width at 4x4 down to base_width at full size.
    Labels reach the network only through the feature normalizer (conditional BN). The
    upsampling layer is DCGAN's 4x4 stride-2 transposed conv (``"deconv"``), or nearest-neighbour
    doubling then a 3x3 conv (``"nearest"``), which avoids the transposed conv's checkerboard
    pattern (Odena et al., 2016) that short runs show clearly.
    """

    def __init__(self, resolution: int, channels: int, num_classes: int, z_dim: int,
                 base_width: int, layers: NormalizedLayers, upsample: str = "deconv") -> None:
        super().__init__()
        self.z_dim, self.num_classes = z_dim, num_classes
        n = _num_doublings("dcgan", resolution)
        widths = [base_width * 2 ** min(n - i, 3) for i in range(n + 1)]
        self.start_width = widths[0]
        self.project = layers.linear(z_dim, 4 * 4 * widths[0])
        self.norms = nn.ModuleList([layers.feature_norm(w, num_classes) for w in widths])
        self.ups = nn.ModuleList([UPSAMPLERS[upsample](layers, a, b)
                                  for a, b in zip(widths[:-1], widths[1:])])
        self.to_rgb = layers.conv(widths[-1], channels, 3)

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        check_labels(self, y)
        x = self.project(z).view(z.shape[0], self.start_width, 4, 4)
        x = self.norms[0](x, y).relu()
        for up, norm in zip(self.ups, self.norms[1:]):
            x = norm(up(x), y).relu()
        return self.to_rgb(x).tanh()


# G's doubling layer by name: (layers, in channels, out channels) -> module
UPSAMPLERS = {
    "deconv": lambda layers, cin, cout: layers.deconv(cin, cout),
    "nearest": lambda layers, cin, cout: nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"),
                                                      layers.conv(cin, cout, 3)),
}


class _Flatten(nn.Module):
    def forward(self, x: Tensor) -> Tensor:
        return x.flatten(1)


class _NormAct(nn.Module):
    """Feature norm (called without labels: D's trunk is unconditional) then leaky ReLU."""

    def __init__(self, norm: nn.Module, slope: float) -> None:
        super().__init__()
        self.norm, self.slope = norm, slope

    def forward(self, x: Tensor) -> Tensor:
        return nn.functional.leaky_relu(self.norm(x, None), self.slope)


def _dcgan_trunk(resolution: int, channels: int, base_width: int,
                 layers: NormalizedLayers) -> tuple[nn.Module, int]:
    n = _num_doublings("dcgan", resolution)
    widths = [base_width * 2 ** min(i, 3) for i in range(n)]
    modules: list[nn.Module] = []
    cin = channels
    for i, w in enumerate(widths):
        modules.append(layers.conv(cin, w, 4, 2, 1))
        # DCGAN leaves the first layer unnormalized: normalizing raw pixels only removes contrast.
        modules.append(_NormAct(layers.feature_norm(w) if i > 0 else NoFeatureNorm(), 0.2))
        cin = w
    modules.append(_Flatten())
    return nn.Sequential(*modules), 16 * cin


def _sndcgan_trunk(resolution: int, channels: int, base_width: int,
                   layers: NormalizedLayers) -> tuple[nn.Module, int]:
    n = _num_doublings("sndcgan", resolution)
    modules: list[nn.Module] = []
    cin = channels
    for i in range(n):
        w = base_width * 2 ** min(i, 2)
        for conv in (layers.conv(cin, w, 3, 1), layers.conv(w, w, 4, 2, 1)):
            modules += [conv, _NormAct(layers.feature_norm(w), 0.1)]
        cin = w
    top = 2 * cin
    modules += [layers.conv(cin, top, 3, 1), _NormAct(layers.feature_norm(top), 0.1), _Flatten()]
    return nn.Sequential(*modules), 16 * top


def _build(name: str, trunk_builder: Any, resolution: int, channels: int, num_classes: int,
           z_dim: int, base_width: int, g_normalizers: Any, d_normalizers: Any, upsample: str):
    g_layers = NormalizedLayers(g_normalizers, where=f"architectures.{name}.g_normalizers")
    d_layers = NormalizedLayers(d_normalizers, where=f"architectures.{name}.d_normalizers")
    if upsample not in UPSAMPLERS:
        raise ValueError(f"architectures.{name}.upsample must be one of {', '.join(UPSAMPLERS)}, "
                         f"got {upsample!r}")
    G = DCGANGenerator(resolution, channels, num_classes, z_dim, base_width, g_layers, upsample)
    trunk, feature_dim = trunk_builder(resolution, channels, base_width, d_layers)
    return G, ProjectionDiscriminator(trunk, feature_dim, num_classes, d_layers)


def dcgan(resolution: int, channels: int, num_classes: int, *, z_dim: int = 128,
          base_width: int = 64, g_normalizers: Any = ("conditional_batch_norm",),
          d_normalizers: Any = ("spectral_norm",), upsample: str = "deconv"):
    """DCGAN (Radford et al.): transposed-conv G, strided-conv D with projection; 16 to 128 px.

    ``base_width`` is the width of G's last and D's first layer; widths double towards 4x4
    (capped at 8x). ``g_normalizers``/``d_normalizers`` are lists of normalizer names or
    ``@normalizers.x`` factories; G's labels enter through its feature normalizer.
    ``upsample``: ``"deconv"`` (4x4 stride-2 transposed conv, DCGAN's) or ``"nearest"``
    (nearest-neighbour doubling + 3x3 conv, no checkerboard pattern).
    """
    return _build("dcgan", _dcgan_trunk, resolution, channels, num_classes, z_dim, base_width,
                  g_normalizers, d_normalizers, upsample)


def sndcgan(resolution: int, channels: int, num_classes: int, *, z_dim: int = 128,
            base_width: int = 64, g_normalizers: Any = ("conditional_batch_norm",),
            d_normalizers: Any = ("spectral_norm",), upsample: str = "deconv"):
    """SNDCGAN (Miyato et al., 2018): DCGAN G; D with 3x3/4x4-stride-2 conv pairs and spectral norm.

    Same arguments as ``dcgan``. D widths are base_width x (1, 2, 4, 4...) per stage and
    8 x base_width in the last 3x3 conv, with leaky ReLU 0.1.
    """
    return _build("sndcgan", _sndcgan_trunk, resolution, channels, num_classes, z_dim, base_width,
                  g_normalizers, d_normalizers, upsample)
