"""StyleGAN2's generator: mapping network z (+ label) -> w, and the skip-connection synthesis
network (config E/F) from a learned constant, one w per layer."""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ganbench_gan.conditioning import check_labels, class_vector

from .layers import MappingLinear, StyleConv, ToRGB, channels_at, lrelu, normalize_2nd_moment, upsample2


class MappingNetwork(nn.Module):
    """z -> w: normalize z, [concatenate the normalized label embedding], ``num_layers`` leaky-ReLU
    layers with learning-rate multiplier ``lr_mul``. With ``z_dim = 0`` it maps labels alone
    (StyleGAN2-ADA's conditional D). ``w_avg`` (a buffer, so the EMA copy and checkpoints carry
    it) tracks the mean w in training, ``w_avg <- lerp(mean(w), w_avg, w_avg_beta)``, for the
    truncation trick."""

    def __init__(self, z_dim: int, num_classes: int, w_dim: int, num_layers: int,
                 lr_mul: float = 0.01, w_avg_beta: float | None = 0.995) -> None:
        super().__init__()
        if z_dim == 0 and num_classes == 0:
            raise ValueError("stylegan2: a mapping network needs z or labels")
        self.z_dim, self.num_classes, self.w_dim = z_dim, num_classes, w_dim
        self.w_avg_beta = w_avg_beta
        self.embed = MappingLinear(num_classes, w_dim) if num_classes else None
        features = [z_dim + (w_dim if num_classes else 0)] + [w_dim] * num_layers
        self.layers = nn.ModuleList(MappingLinear(a, b, lr_mul) for a, b in zip(features, features[1:]))
        if w_avg_beta is not None:
            self.register_buffer("w_avg", torch.zeros(w_dim))

    def forward(self, z: Tensor | None, y: Tensor | None, psi: float = 1.0,
                update_w_avg: bool = True) -> Tensor:
        parts = []
        if self.z_dim:
            parts.append(normalize_2nd_moment(z))
        if self.embed is not None:
            labels = class_vector(y, self.num_classes).to(self.embed.weight.dtype)
            parts.append(normalize_2nd_moment(self.embed(labels)))
        x = torch.cat(parts, dim=1) if len(parts) > 1 else parts[0]
        for layer in self.layers:
            x = lrelu(layer(x))
        if self.w_avg_beta is not None and self.training and update_w_avg:
            with torch.no_grad():
                self.w_avg.copy_(x.detach().float().mean(dim=0).lerp(self.w_avg, self.w_avg_beta))
        if psi != 1.0:
            x = self.w_avg.to(x.dtype).lerp(x, psi)     # w_avg + psi * (w - w_avg)
        return x


class SynthesisNetwork(nn.Module):
    """ws [B, num_ws, w_dim] -> image. A learned 4x4 constant, then per resolution
    (up-)conv0, conv1 and a ToRGB whose outputs are summed over resolutions through upsampling
    (the skip generator). Layer i reads ws[:, i]; the ToRGB of a block shares its w with the next
    block's first conv, so ``num_ws = number of convs + 1``."""

    def __init__(self, resolution: int, channels: int, w_dim: int, channel_base: int,
                 channel_max: int) -> None:
        super().__init__()
        self.resolution, self.w_dim = resolution, w_dim
        width = {r: channels_at(r, channel_base, channel_max)
                 for r in (2 ** i for i in range(2, int(math.log2(resolution)) + 1))}
        self.const = nn.Parameter(torch.randn(width[4], 4, 4))
        self.convs, self.to_rgb = nn.ModuleList(), nn.ModuleList()
        self.rgb_ws: list[int] = []
        for res, out in width.items():
            if res > 4:
                self.convs.append(StyleConv(w_dim, width[res // 2], out, res, up=True))
            self.convs.append(StyleConv(w_dim, out, out, res))
            self.to_rgb.append(ToRGB(w_dim, out, channels))
            self.rgb_ws.append(len(self.convs))
        self.num_ws = len(self.convs) + 1

    def forward(self, ws: Tensor) -> Tensor:
        x = self.const.unsqueeze(0).expand(ws.shape[0], -1, -1, -1)
        img, conv_index = None, 0
        for rgb, w_index in zip(self.to_rgb, self.rgb_ws):
            while conv_index < w_index:
                x = self.convs[conv_index](x, ws[:, conv_index])
                conv_index += 1
            y = rgb(x, ws[:, w_index])
            img = y if img is None else upsample2(img) + y
        return img


class Generator(nn.Module):
    """G(z, y) = synthesis(mix(mapping(z, y))). Images are not squashed (as in the official
    code); outside training they are clamped to [-1, 1]. In training, with probability
    ``style_mixing`` a second latent's w replaces ws from a random layer on (style mixing
    regularization; one cut per batch, drawn from the global torch RNG)."""

    def __init__(self, resolution: int, channels: int, num_classes: int, *, z_dim: int, w_dim: int,
                 mapping_layers: int, channel_base: int, channel_max: int, style_mixing: float,
                 mapping_lr_mul: float, w_avg_beta: float) -> None:
        super().__init__()
        self.z_dim, self.w_dim, self.num_classes = z_dim, w_dim, num_classes
        self.style_mixing = style_mixing
        self.synthesis = SynthesisNetwork(resolution, channels, w_dim, channel_base, channel_max)
        self.num_ws = self.synthesis.num_ws
        self.map = MappingNetwork(z_dim, num_classes, w_dim, mapping_layers, mapping_lr_mul, w_avg_beta)

    def mapping(self, z: Tensor, y: Tensor | None, psi: float = 1.0, update_w_avg: bool = True) -> Tensor:
        """ws [B, num_ws, w_dim]: one w per layer (all equal before style mixing)."""
        check_labels(self, y)
        w = self.map(z, y if self.num_classes else None, psi, update_w_avg)
        return w.unsqueeze(1).expand(-1, self.num_ws, -1)

    def mix_styles(self, ws: Tensor, z: Tensor, y: Tensor | None) -> Tensor:
        """With probability ``style_mixing``: ws[:, cut:] from a fresh latent, cut ~ U{1..num_ws-1}."""
        if self.style_mixing <= 0 or self.num_ws < 2:
            return ws
        cut = torch.randint(1, self.num_ws, (), device=ws.device)
        cut = torch.where(torch.rand((), device=ws.device) < self.style_mixing, cut,
                          torch.full_like(cut, self.num_ws))
        other = self.mapping(torch.randn_like(z), y, update_w_avg=False)
        mixed = torch.arange(self.num_ws, device=ws.device).reshape(1, -1, 1) >= cut
        return torch.where(mixed, other, ws)

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        ws = self.mapping(z, y)
        if self.training:
            ws = self.mix_styles(ws, z, y)
        return self._output(self.synthesis(ws))

    def truncated_forward(self, z: Tensor, y: Tensor | None, psi: float) -> Tensor:
        """The truncation trick in W: w = w_avg + psi * (w - w_avg) (no style mixing)."""
        return self._output(self.synthesis(self.mapping(z, y, psi=psi, update_w_avg=False)))

    def _output(self, img: Tensor) -> Tensor:
        return img if self.training else img.clamp(-1.0, 1.0)
