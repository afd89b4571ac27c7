"""The transforms of ADA's pipeline (Karras et al., 2020, appendix B), as batched matrices.

Distributions are those of the paper's pipeline (checked against stylegan2-ada-pytorch's
``AugmentPipe`` defaults). Each transform is applied to each image independently with
probability p; an image a transform skips gets that transform's identity:

blit      x-flip (i ~ {0, 1}), rotation by i * 90 degrees (i ~ {0..3}), integer translation by
          round(t * size), t ~ U(-0.125, 0.125) per axis
geometric isotropic scale 2^N(0, 0.2^2); pre-rotation U(-pi, pi); anisotropic scale
          (s, 1/s), s = 2^N(0, 0.2^2); post-rotation U(-pi, pi); fractional translation
          N(0, 0.125^2) * size per axis. The two rotations each use p_rot = 1 - sqrt(1 - p), so
          that P(any rotation) = p
colour    brightness + N(0, 0.2^2); contrast * 2^N(0, 0.5^2); luma flip (i ~ {0, 1}, a Householder
          reflection of the luma axis v = (1, 1, 1) / sqrt(3)); hue rotation about v by
          U(-pi, pi); saturation: the component orthogonal to v scaled by 2^N(0, 1). Applied to
          the [-1, 1] values as they are (luma axis through 0 = mid grey); hue and saturation
          need colour, so single-channel images get brightness, contrast and luma flip only.

Geometric matrices map *output* pixel coordinates (origin at the image centre, in pixels) to
input ones, composed in the order above. All of blit and geometric is executed as one bilinear
``grid_sample`` with ``padding_mode="reflection"``: what a transform brings in from outside the
image is the mirror image of its inside, never zeros, so the transforms do not leak (the paper
reflect-pads and resamples with a wavelet filter at 2x; we resample once, without it).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

XINT_MAX = 0.125          # integer translation range, fraction of the size
SCALE_STD = 0.2           # log2 std of isotropic scaling
ROTATE_MAX = 1.0          # rotation range, 1 = (-pi, pi)
ANISO_STD = 0.2           # log2 std of anisotropic scaling
XFRAC_STD = 0.125         # std of fractional translation, fraction of the size
BRIGHTNESS_STD = 0.2
CONTRAST_STD = 0.5        # log2 std
HUE_MAX = 1.0             # hue rotation range, 1 = (-pi, pi)
SATURATION_STD = 1.0      # log2 std


class Draws:
    """Per-image random draws and gates for one batch, all from ``generator``."""

    def __init__(self, n: int, p: Tensor, generator: torch.Generator, device: torch.device) -> None:
        self.n, self.p, self.generator, self.device = n, p, generator, device

    def uniform(self, *shape: int) -> Tensor:
        return torch.rand(self.n, *shape, generator=self.generator, device=self.device)

    def normal(self, *shape: int) -> Tensor:
        return torch.randn(self.n, *shape, generator=self.generator, device=self.device)

    def gate(self, probability: Tensor | None = None) -> Tensor:
        """bool [n]: which images get the transform (probability p unless given)."""
        return self.uniform() < (self.p if probability is None else probability)


# ------------------------------------------------------------------ 2-D matrices [B, 3, 3]
def _affine(a, b, c, d, e, f) -> Tensor:
    ref = next(x for x in (a, b, c, d, e, f) if isinstance(x, Tensor))
    rows = [x if isinstance(x, Tensor) else torch.full_like(ref, float(x)) for x in (a, b, c, d, e, f)]
    zero, one = torch.zeros_like(ref), torch.ones_like(ref)
    return torch.stack(rows + [zero, zero, one], dim=-1).view(-1, 3, 3)


def translate_inv(tx: Tensor, ty: Tensor) -> Tensor:
    return _affine(1, 0, -tx, 0, 1, -ty)


def scale_inv(sx: Tensor, sy: Tensor) -> Tensor:
    return _affine(1 / sx, 0, 0, 0, 1 / sy, 0)


def rotate_inv(theta: Tensor) -> Tensor:
    c, s = torch.cos(-theta), torch.sin(-theta)
    return _affine(c, -s, 0, s, c, 0)


def geometric_inverse(d: Draws, height: int, width: int, blit: bool, general: bool) -> tuple[Tensor, Tensor]:
    """(G_inv [B, 3, 3] output pixel -> input pixel, bool [B]: images any transform touched)."""
    g_inv = torch.eye(3, device=d.device).expand(d.n, 3, 3)
    touched = torch.zeros(d.n, dtype=torch.bool, device=d.device)

    def gated(value: Tensor, identity: float, probability: Tensor | None = None) -> Tensor:
        nonlocal touched
        gate = d.gate(probability)
        touched = touched | gate
        return torch.where(gate.view(-1, *[1] * (value.dim() - 1)), value, torch.full_like(value, identity))

    if blit:
        flip = gated(torch.floor(d.uniform() * 2), 0.0)
        g_inv = g_inv @ scale_inv(1 - 2 * flip, torch.ones_like(flip))
        quarter_turns = gated(torch.floor(d.uniform() * 4), 0.0)
        g_inv = g_inv @ rotate_inv(-math.pi / 2 * quarter_turns)
        t = gated((d.uniform(2) * 2 - 1) * XINT_MAX, 0.0)
        g_inv = g_inv @ translate_inv(torch.round(t[:, 0] * width), torch.round(t[:, 1] * height))
    if general:
        s = gated(torch.exp2(d.normal() * SCALE_STD), 1.0)
        g_inv = g_inv @ scale_inv(s, s)
        p_rot = 1 - torch.sqrt((1 - d.p).clamp(0, 1))
        theta = gated((d.uniform() * 2 - 1) * math.pi * ROTATE_MAX, 0.0, p_rot)
        g_inv = g_inv @ rotate_inv(-theta)
        s = gated(torch.exp2(d.normal() * ANISO_STD), 1.0)
        g_inv = g_inv @ scale_inv(s, 1 / s)
        theta = gated((d.uniform() * 2 - 1) * math.pi * ROTATE_MAX, 0.0, p_rot)
        g_inv = g_inv @ rotate_inv(-theta)
        t = gated(d.normal(2) * XFRAC_STD, 0.0)
        g_inv = g_inv @ translate_inv(t[:, 0] * width, t[:, 1] * height)
    return g_inv, touched


def warp(images: Tensor, g_inv: Tensor) -> Tensor:
    """Resample every image at G_inv(output pixel), mirroring at the borders (no leaking zeros)."""
    b, c, h, w = images.shape
    to_unit = torch.diag(torch.tensor([2 / w, 2 / h, 1.0], device=images.device))
    from_unit = torch.diag(torch.tensor([w / 2, h / 2, 1.0], device=images.device))
    theta = (to_unit @ g_inv @ from_unit)[:, :2, :]
    grid = F.affine_grid(theta, [b, c, h, w], align_corners=False)
    return F.grid_sample(images.float(), grid, mode="bilinear", padding_mode="reflection",
                         align_corners=False)


# --------------------------------------------------------------- colour matrices [B, 4, 4]
_LUMA = torch.tensor([1.0, 1.0, 1.0]) / math.sqrt(3)


def _homogeneous(linear: Tensor, offset: Tensor | None = None) -> Tensor:
    out = torch.zeros(linear.shape[0], 4, 4, device=linear.device)
    out[:, :3, :3] = linear
    out[:, 3, 3] = 1
    if offset is not None:
        out[:, :3, 3] = offset
    return out


def _rotation_about(axis: Tensor, theta: Tensor) -> Tensor:
    """Rodrigues: cos t I + sin t [axis]_x + (1 - cos t) axis axis^T, per image (``axis`` is a
    CPU constant, so reading it costs no device sync)."""
    x, y, z = axis.tolist()
    cross = torch.tensor([[0, -z, y], [z, 0, -x], [-y, x, 0]], device=theta.device)
    outer = torch.outer(axis, axis).to(theta.device)
    c, s = torch.cos(theta).view(-1, 1, 1), torch.sin(theta).view(-1, 1, 1)
    return c * torch.eye(3, device=theta.device) + s * cross + (1 - c) * outer


def colour_matrix(d: Draws, channels: int) -> tuple[Tensor, Tensor]:
    """(C [B, 4, 4] acting on (r, g, b, 1), bool [B]: images any colour transform touched)."""
    eye = torch.eye(3, device=d.device).expand(d.n, 3, 3)
    luma = _LUMA.to(d.device)
    luma_outer = torch.outer(luma, luma)
    gates = []

    def gated(value: Tensor, identity: float) -> Tensor:
        gates.append(d.gate())
        return torch.where(gates[-1], value, torch.full_like(value, identity))

    b = gated(d.normal() * BRIGHTNESS_STD, 0.0)
    c = torch.eye(4, device=d.device).expand(d.n, 4, 4)
    c = _homogeneous(eye, b[:, None].expand(d.n, 3)) @ c
    k = gated(torch.exp2(d.normal() * CONTRAST_STD), 1.0)
    c = _homogeneous(eye * k.view(-1, 1, 1)) @ c
    flip = gated(torch.floor(d.uniform() * 2), 0.0)
    c = _homogeneous(eye - 2 * luma_outer * flip.view(-1, 1, 1)) @ c
    if channels > 1:
        theta = gated((d.uniform() * 2 - 1) * math.pi * HUE_MAX, 0.0)
        c = _homogeneous(_rotation_about(_LUMA, theta)) @ c
        s = gated(torch.exp2(d.normal() * SATURATION_STD), 1.0)
        c = _homogeneous(luma_outer + (eye - luma_outer) * s.view(-1, 1, 1)) @ c
    return c, torch.stack(gates).any(dim=0)


def apply_colour(images: Tensor, c: Tensor) -> Tensor:
    """C applied to every pixel; a single channel is treated as grey (r = g = b) and gets the
    mean of the three outputs."""
    b, channels, h, w = images.shape
    x = images.float().reshape(b, channels, h * w)
    if channels == 3:
        out = c[:, :3, :3] @ x + c[:, :3, 3:]
    else:
        gain = c[:, :3, :3].sum(dim=2).mean(dim=1).view(-1, 1, 1)
        out = x * gain + c[:, :3, 3].mean(dim=1).view(-1, 1, 1)
    return out.reshape(b, channels, h, w)
