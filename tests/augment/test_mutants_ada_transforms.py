"""Mutation survivors of plugins/ganbench_augment/ada_transforms.py (docs/testing.md).

The paper's hyperparameters (stylegan2-ada-pytorch's ``AugmentPipe`` defaults) and, one transform
at a time, the exact matrix each draw produces. The draws are scripted: ``Scripted`` is a
``Draws`` whose ``uniform``/``normal`` hand out given values (checking the shape asked for, so a
transform that draws more or less than it should fails), while ``gate`` is the real one
(``uniform() < p``). Gates are opened with the draw 0.0 and closed with 0.999 (at p = 0.5, and
p_rot = 1 - sqrt(0.5) = 0.29 for the rotations). Expected matrices are written out by hand.
"""
from __future__ import annotations

import math

import pytest
import torch

from ganbench_augment import ada_transforms as T

ON, OFF = 0.0, 0.999
V = torch.ones(3, dtype=torch.float64) / math.sqrt(3)     # the luma axis
VV = torch.full((3, 3), 1.0 / 3, dtype=torch.float64)     # v v^T
I3 = torch.eye(3, dtype=torch.float64)


class Scripted(T.Draws):
    def __init__(self, n: int, p: float, calls: list) -> None:
        super().__init__(n, torch.tensor(p), torch.Generator(), torch.device("cpu"))
        self.calls = list(calls)

    def _next(self, kind: str, shape: tuple) -> torch.Tensor:
        assert self.calls, f"drew more than scripted: {kind}{shape}"
        k, values = self.calls.pop(0)
        assert k == kind and tuple(values.shape) == (self.n, *shape), (k, kind, values.shape, shape)
        return values

    def uniform(self, *shape: int) -> torch.Tensor:
        return self._next("u", shape)

    def normal(self, *shape: int) -> torch.Tensor:
        return self._next("n", shape)


def _vals(v, n, width=None):
    t = torch.tensor(v, dtype=torch.float32)
    if width is None:
        return t.expand(n).clone() if t.dim() == 0 else t
    return t.expand(n, width).clone() if t.dim() == 1 else t


# Defaults: values that would change the image if their gate were open (so an identity mutant
# shows when the gate is closed); every gate closed.
GEO_DEFAULTS = {
    "flip": (0.9, OFF), "quarter": (0.4, OFF), "xint": ([0.9, 0.2], OFF),
    "scale": (1.0, OFF), "rot1": (0.75, OFF), "aniso": (1.0, OFF), "rot2": (0.75, OFF),
    "xfrac": ([1.0, -2.0], OFF),
}
BLIT = [("flip", "u", None), ("quarter", "u", None), ("xint", "u", 2)]
GENERAL = [("scale", "n", None), ("rot1", "u", None), ("aniso", "n", None), ("rot2", "u", None),
           ("xfrac", "n", 2)]


def geometric(n, p=0.5, blit=True, general=True, h=16, w=32, **given):
    calls = []
    for name, kind, width in (BLIT if blit else []) + (GENERAL if general else []):
        value, gate = given.get(name, GEO_DEFAULTS[name])
        calls += [(kind, _vals(value, n, width)), ("u", _vals(gate, n))]
    d = Scripted(n, p, calls)
    g_inv, touched = T.geometric_inverse(d, h, w, blit, general)
    assert not d.calls, "drew less than scripted"
    return g_inv.double(), touched


def m3(rows):
    return torch.tensor(rows, dtype=torch.float64)


def rot(theta):
    c, s = math.cos(theta), math.sin(theta)
    return m3([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def close(a, b, atol=1e-5):
    return torch.allclose(a.double(), b.double(), atol=atol)


# ------------------------------------------------------------------------- constants
def test_constants_are_the_papers():
    """Karras et al. 2020 / AugmentPipe defaults: xint_max 0.125, scale_std 0.2, rotate_max 1,
    aniso_std 0.2, xfrac_std 0.125, brightness_std 0.2, contrast_std 0.5, hue_max 1,
    saturation_std 1."""
    assert T.XINT_MAX == 0.125 and T.SCALE_STD == 0.2 and T.ROTATE_MAX == 1.0
    assert T.ANISO_STD == 0.2 and T.XFRAC_STD == 0.125
    assert T.BRIGHTNESS_STD == 0.2 and T.CONTRAST_STD == 0.5
    assert T.HUE_MAX == 1.0 and T.SATURATION_STD == 1.0


# ------------------------------------------------------------------------- gates
def test_gate_is_strictly_below_p():
    d = Scripted(3, 0.5, [("u", _vals([0.4999, 0.5, 0.5001], 3))])
    assert d.gate().tolist() == [True, False, False]
    d = Scripted(2, 0.5, [("u", _vals([0.25, 0.25], 2))])
    assert d.gate(torch.tensor(0.25)).tolist() == [False, False]


def test_closed_gates_give_the_identity_and_touch_nothing():
    g_inv, touched = geometric(2)
    assert torch.equal(g_inv, I3.expand(2, 3, 3)) and not touched.any()


def test_rotation_gates_use_p_rot():
    """p = 0.75: p_rot = 1 - sqrt(0.25) = 0.5; p = 0.19: p_rot = 0.1 (the other gates: 0.999)."""
    for p, below, above in [(0.75, 0.4999, 0.5), (0.19, 0.0999, 0.1001)]:
        for name in ("rot1", "rot2"):
            g_inv, touched = geometric(2, p=p, blit=False, **{name: (0.75, [below, above])})
            assert touched.tolist() == [True, False], (p, name)
            assert close(g_inv[0], rot(math.pi / 2)) and torch.equal(g_inv[1], I3), (p, name)


# ------------------------------------------------------------------------- blit
def test_xflip():
    g_inv, touched = geometric(3, flip=([0.9, 0.3, 0.5], ON))
    assert touched.all()
    assert torch.equal(g_inv[0], m3([[-1, 0, 0], [0, 1, 0], [0, 0, 1]]))
    assert torch.equal(g_inv[1], I3) and torch.equal(g_inv[2], m3([[-1, 0, 0], [0, 1, 0], [0, 0, 1]]))


def test_quarter_turns():
    """i = floor(4u) quarter turns; G_inv = R(i * pi / 2) as AugmentPipe's rotate2d_inv(-pi/2 * i)."""
    g_inv, touched = geometric(5, quarter=([0.1, 0.3, 0.6, 0.9, 0.999], ON))
    assert touched.all()
    for k, q in enumerate([0, 1, 2, 3, 3]):
        assert close(g_inv[k], rot(q * math.pi / 2)), q
    assert close(g_inv[1], m3([[0, -1, 0], [1, 0, 0], [0, 0, 1]]))


def test_one_quarter_turn_is_rot90_counterclockwise():
    x = torch.arange(2 * 3 * 6 * 6, dtype=torch.float32).view(2, 3, 6, 6)
    g_inv, _ = geometric(2, quarter=(0.3, ON), h=6, w=6)
    assert torch.allclose(T.warp(x, g_inv.float()), torch.rot90(x, 1, (2, 3)), atol=1e-3)


def test_integer_translation():
    """t ~ U(-0.125, 0.125) as (2u - 1) * 0.125, shift round(t * width), round(t * height)."""
    g_inv, touched = geometric(3, h=16, w=32, xint=([[0.9, 0.2], [0.0, 0.999], [0.5, 0.5]], ON))
    assert touched.all()
    # (0.8 * 0.125 * 32 = 3.2, -0.6 * 0.125 * 16 = -1.2); (-4, 0.998 * 2 = 1.996); (0, 0)
    for k, (tx, ty) in enumerate([(3, -1), (-4, 2), (0, 0)]):
        assert torch.equal(g_inv[k], m3([[1, 0, -tx], [0, 1, -ty], [0, 0, 1]])), k


def _shift_reflect(x, tx, ty):
    """out[y, x] = in[y - ty, x - tx], mirrored at the border (pixel -1 is pixel 0)."""
    h, w = x.shape[-2:]

    def src(i, t, size):
        j = i - t
        return -j - 1 if j < 0 else (2 * size - j - 1 if j >= size else j)

    rows = torch.tensor([src(i, ty, h) for i in range(h)])
    cols = torch.tensor([src(i, tx, w) for i in range(w)])
    return x[..., rows, :][..., cols]


def test_integer_translation_moves_content_with_reflection():
    x = torch.rand(2, 3, 8, 12, generator=torch.Generator().manual_seed(0))
    g_inv, _ = geometric(2, h=8, w=12, xint=([[0.9, 0.2], [0.1, 0.95]], ON))
    # (0.8 * 1.5 = 1.2 -> 1, -0.6 * 1 = -0.6 -> -1); (-0.8 * 1.5 -> -1, 0.9 -> 1)
    out = T.warp(x, g_inv.float())
    assert torch.allclose(out[0], _shift_reflect(x[0], 1, -1), atol=1e-5)
    assert torch.allclose(out[1], _shift_reflect(x[1], -1, 1), atol=1e-5)
    shift = T.translate_inv(torch.tensor([0.0, -2.0]), torch.tensor([3.0, 2.0]))
    out = T.warp(x, shift)
    assert torch.allclose(out[0], _shift_reflect(x[0], 0, 3), atol=1e-5)
    assert torch.allclose(out[1], _shift_reflect(x[1], -2, 2), atol=1e-5)


# ------------------------------------------------------------------------- geometric
def test_isotropic_scale():
    g_inv, touched = geometric(2, blit=False, scale=([1.0, -0.5], ON))
    assert touched.all()
    for k, z in enumerate([1.0, -0.5]):
        s = 2 ** (0.2 * z)
        assert close(g_inv[k], m3([[1 / s, 0, 0], [0, 1 / s, 0], [0, 0, 1]])), k


def test_rotations():
    """theta = (2u - 1) * pi in (-pi, pi); G_inv gets rotate2d_inv(-theta) = R(theta)."""
    for name in ("rot1", "rot2"):
        g_inv, touched = geometric(4, blit=False, **{name: ([0.75, 0.6, 0.1, 0.5], ON)})
        assert touched.all()
        for k, theta in enumerate([math.pi / 2, 0.2 * math.pi, -0.8 * math.pi, 0.0]):
            assert close(g_inv[k], rot(theta)), (name, k)


def test_anisotropic_scale():
    g_inv, touched = geometric(2, blit=False, aniso=([1.0, -1.5], ON))
    assert touched.all()
    for k, z in enumerate([1.0, -1.5]):
        s = 2 ** (0.2 * z)
        assert close(g_inv[k], m3([[1 / s, 0, 0], [0, s, 0], [0, 0, 1]])), k


def test_fractional_translation():
    g_inv, touched = geometric(2, blit=False, h=16, w=32, xfrac=([[1.0, -2.0], [0.3, 0.7]], ON))
    assert touched.all()
    for k, (zx, zy) in enumerate([(1.0, -2.0), (0.3, 0.7)]):
        tx, ty = 0.125 * zx * 32, 0.125 * zy * 16
        assert close(g_inv[k], m3([[1, 0, -tx], [0, 1, -ty], [0, 0, 1]])), k


def test_composition_order():
    """G_inv = flip @ quarter @ xint @ scale @ rot @ aniso @ rot @ xfrac, one matrix per image."""
    g_inv, touched = geometric(
        2, h=16, w=32, flip=([0.9, 0.2], ON), quarter=([0.3, 0.6], ON), xint=([[0.9, 0.2], [0.2, 0.9]], ON),
        scale=([1.0, 0.5], ON), rot1=([0.75, 0.6], ON), aniso=([1.0, -1.0], ON), rot2=([0.6, 0.1], ON),
        xfrac=([[1.0, -2.0], [-0.5, 0.25]], ON))
    assert touched.all()
    for k, (f, q, txy, zs, u1, za, u2, tf) in enumerate([
            (1, 1, (3, -1), 1.0, 0.75, 1.0, 0.6, (1.0, -2.0)),
            (0, 2, (-2, 2), 0.5, 0.6, -1.0, 0.1, (-0.5, 0.25))]):
        s, a = 2 ** (0.2 * zs), 2 ** (0.2 * za)
        expected = (m3([[1 - 2 * f, 0, 0], [0, 1, 0], [0, 0, 1]]) @ rot(q * math.pi / 2)
                    @ m3([[1, 0, -txy[0]], [0, 1, -txy[1]], [0, 0, 1]])
                    @ m3([[1 / s, 0, 0], [0, 1 / s, 0], [0, 0, 1]]) @ rot((2 * u1 - 1) * math.pi)
                    @ m3([[1 / a, 0, 0], [0, a, 0], [0, 0, 1]]) @ rot((2 * u2 - 1) * math.pi)
                    @ m3([[1, 0, -0.125 * tf[0] * 32], [0, 1, -0.125 * tf[1] * 16], [0, 0, 1]]))
        assert close(g_inv[k], expected, atol=1e-4), k
        assert torch.equal(g_inv[k, 2], torch.tensor([0.0, 0.0, 1.0], dtype=torch.float64))


def test_rotate_max_scales_the_range(monkeypatch):
    monkeypatch.setattr(T, "ROTATE_MAX", 0.5)
    for name in ("rot1", "rot2"):
        g_inv, _ = geometric(1, blit=False, **{name: (0.75, ON)})
        assert close(g_inv[0], rot(math.pi / 4)), name


def test_matrix_helpers_per_image():
    tx, ty = torch.tensor([1.0, -2.0]), torch.tensor([3.0, 0.5])
    assert torch.equal(T.translate_inv(tx, ty).double(),
                       torch.stack([m3([[1, 0, -1], [0, 1, -3], [0, 0, 1]]), m3([[1, 0, 2], [0, 1, -0.5], [0, 0, 1]])]))
    assert close(T.scale_inv(torch.tensor([2.0, 4.0]), torch.tensor([0.5, 1.0])),
                 torch.stack([m3([[0.5, 0, 0], [0, 2, 0], [0, 0, 1]]), m3([[0.25, 0, 0], [0, 1, 0], [0, 0, 1]])]))
    # rotate_inv(theta) is the inverse of the rotation by theta: R(-theta)
    assert close(T.rotate_inv(torch.tensor([0.3, -1.0])), torch.stack([rot(-0.3), rot(1.0)]))
    # a single 0-d value gives one matrix [1, 3, 3]
    assert close(T.rotate_inv(torch.tensor(0.3)), rot(-0.3).unsqueeze(0))
    assert torch.equal(T.translate_inv(torch.tensor(2.0), torch.tensor(-1.0)).double(),
                       m3([[1, 0, -2], [0, 1, 1], [0, 0, 1]]).unsqueeze(0))


# ------------------------------------------------------------------------- colour
COLOUR_DEFAULTS = {"brightness": (1.0, OFF), "contrast": (1.0, OFF), "lumaflip": (0.9, OFF),
                   "hue": (0.75, OFF), "saturation": (1.0, OFF)}
COLOUR = [("brightness", "n"), ("contrast", "n"), ("lumaflip", "u"), ("hue", "u"), ("saturation", "n")]


def colour(n, channels=3, p=0.5, **given):
    calls = []
    for name, kind in COLOUR if channels > 1 else COLOUR[:3]:
        value, gate = given.get(name, COLOUR_DEFAULTS[name])
        calls += [(kind, _vals(value, n)), ("u", _vals(gate, n))]
    d = Scripted(n, p, calls)
    c, touched = T.colour_matrix(d, channels)
    assert not d.calls, "drew less than scripted"
    return c.double(), touched


def h4(linear, offset=(0.0, 0.0, 0.0)):
    out = torch.eye(4, dtype=torch.float64)
    out[:3, :3] = linear
    out[:3, 3] = torch.tensor(offset, dtype=torch.float64)
    return out


def hue(theta):
    """Rotation about v by theta (right-handed), written out: v v^T + cos (I - v v^T) + sin [v]_x."""
    cross = m3([[0, -1, 1], [1, 0, -1], [-1, 1, 0]]) / math.sqrt(3)
    return VV + math.cos(theta) * (I3 - VV) + math.sin(theta) * cross


@pytest.mark.parametrize("channels", [1, 3])
def test_closed_colour_gates_give_the_identity(channels):
    c, touched = colour(2, channels)
    assert torch.equal(c, torch.eye(4, dtype=torch.float64).expand(2, 4, 4)) and not touched.any()


def test_brightness():
    c, touched = colour(2, brightness=([1.0, -2.0], ON))
    assert touched.all()
    assert close(c[0], h4(I3, (0.2, 0.2, 0.2))) and close(c[1], h4(I3, (-0.4, -0.4, -0.4)))


def test_contrast():
    c, touched = colour(2, contrast=([1.0, -1.0], ON))
    assert touched.all()
    assert close(c[0], h4(I3 * 2 ** 0.5)) and close(c[1], h4(I3 * 2 ** -0.5))


def test_luma_flip_is_the_householder_reflection():
    c, touched = colour(3, lumaflip=([0.9, 0.3, 0.5], ON))
    assert touched.all()
    flip = I3 - 2 * VV      # reflects (1, 1, 1), keeps the chroma
    assert close(c[0], h4(flip)) and torch.equal(c[1], torch.eye(4, dtype=torch.float64)) and close(c[2], h4(flip))
    assert close(flip @ V, -V) and close(flip @ m3([1, -1, 0]), m3([1, -1, 0]))


def test_hue_rotation_about_the_luma_axis():
    c, touched = colour(3, hue=([0.75, 0.25, 0.6], ON))
    assert touched.all()
    for k, theta in enumerate([math.pi / 2, -math.pi / 2, 0.2 * math.pi]):
        assert close(c[k], h4(hue(theta))), k
    # a quarter turn takes the chroma (1, -1, 0) / sqrt(2) to v x it = (1, 1, -2) / sqrt(6)
    chroma = m3([1, -1, 0]) / math.sqrt(2)
    assert close(c[0, :3, :3] @ chroma, m3([1, 1, -2]) / math.sqrt(6))
    assert close(c[0, :3, :3] @ V, V)


def test_saturation_scales_the_chroma():
    c, touched = colour(2, saturation=([1.0, -1.0], ON))
    assert touched.all()
    for k, s in enumerate([2.0, 0.5]):
        assert close(c[k], h4(VV + (I3 - VV) * s)), k


def test_hue_max_and_saturation_std_scale_their_draws(monkeypatch):
    monkeypatch.setattr(T, "HUE_MAX", 0.5)
    monkeypatch.setattr(T, "SATURATION_STD", 0.5)
    c, _ = colour(1, hue=(0.75, ON))
    assert close(c[0], h4(hue(math.pi / 4)))
    c, _ = colour(1, saturation=(1.0, ON))
    assert close(c[0], h4(VV + (I3 - VV) * 2 ** 0.5))


def test_colour_composition_and_homogeneous_bottom_row():
    """C = saturation @ hue @ luma flip @ contrast @ brightness, acting on (r, g, b, 1)."""
    c, touched = colour(2, brightness=([1.0, 0.5], ON), contrast=([1.0, -0.5], ON), lumaflip=([0.9, 0.2], ON),
                        hue=([0.75, 0.1], ON), saturation=([1.0, 0.3], ON))
    assert touched.all()
    for k, (zb, zc, f, u, zs) in enumerate([(1.0, 1.0, 1, 0.75, 1.0), (0.5, -0.5, 0, 0.1, 0.3)]):
        expected = (h4(VV + (I3 - VV) * 2 ** zs) @ h4(hue((2 * u - 1) * math.pi)) @ h4(I3 - 2 * f * VV)
                    @ h4(I3 * 2 ** (0.5 * zc)) @ h4(I3, (0.2 * zb,) * 3))
        assert close(c[k], expected), k
        assert torch.equal(c[k, 3], torch.tensor([0.0, 0.0, 0.0, 1.0], dtype=torch.float64))


def test_grey_images_get_brightness_contrast_and_luma_flip_only():
    """One channel: three transforms, three (value, gate) pairs drawn, nothing more."""
    c, touched = colour(2, channels=1, brightness=([1.0, 0.0], ON), contrast=([1.0, 0.0], [ON, OFF]),
                        lumaflip=([0.9, 0.2], [ON, OFF]))
    assert touched.tolist() == [True, True]
    assert close(c[0], h4(I3 - 2 * VV) @ h4(I3 * 2 ** 0.5) @ h4(I3, (0.2,) * 3))
    assert close(c[1], torch.eye(4, dtype=torch.float64))


# ------------------------------------------------------------------------- apply_colour
def _some_colour_matrices():
    return torch.tensor([[[1.0, 0.5, -0.2, 0.1], [0.3, 2.0, 0.0, 0.2], [-1.0, 0.25, 0.5, -0.6], [0, 0, 0, 1]],
                         [[0.5, 0.0, 0.0, -0.3], [0.0, 1.5, 0.1, 0.0], [0.2, 0.0, 3.0, 0.9], [0, 0, 0, 1]]])


def test_apply_colour_rgb():
    x = torch.rand(2, 3, 2, 3, generator=torch.Generator().manual_seed(1)) * 2 - 1
    c = _some_colour_matrices()
    out = T.apply_colour(x, c)
    expected = torch.einsum("bij,bjhw->bihw", c[:, :3, :3], x) + c[:, :3, 3].view(2, 3, 1, 1)
    assert torch.allclose(out, expected, atol=1e-6)


def test_apply_colour_grey_is_the_mean_of_the_three_outputs():
    """A grey pixel g is (g, g, g): output i is sum_j C_ij g + o_i; the image gets their mean."""
    x = torch.rand(2, 1, 2, 3, generator=torch.Generator().manual_seed(2)) * 2 - 1
    c = _some_colour_matrices()
    out = T.apply_colour(x, c)
    rgb = torch.einsum("bij,bjhw->bihw", c[:, :3, :3], x.expand(2, 3, 2, 3)) + c[:, :3, 3].view(2, 3, 1, 1)
    assert out.shape == x.shape
    assert torch.allclose(out, rgb.mean(dim=1, keepdim=True), atol=1e-6)
    # by hand for image 0, pixel (0, 0): row sums 1.3, 2.3, -0.25 -> gain 1.1167, offsets mean -0.1
    g = x[0, 0, 0, 0].item()
    assert out[0, 0, 0, 0].item() == pytest.approx((1.3 + 2.3 - 0.25) / 3 * g + (0.1 + 0.2 - 0.6) / 3, abs=1e-6)
