"""Mutation survivors of plugins/ganbench_stylegan2/layers.py (docs/testing.md): the activation,
the mapping input normalization, the [1, 3, 3, 1] resampling filters against hand-computed
1-D filters, the mapping layer's learning-rate multiplier, and StyleConv / ToRGB against the
formulas written out (with non-zero biases, non-square maps and tiny styles, where the
initial values used elsewhere hide a mistake)."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from ganbench_stylegan2 import layers as L

GEN = torch.Generator().manual_seed(0)


def randn(*shape):
    return torch.randn(*shape, generator=GEN)


# ------------------------------------------------------------------ activation, normalization
def test_lrelu_is_leaky_relu_0p2_times_sqrt2():
    assert L.ACT_GAIN == math.sqrt(2.0) and L.DEMOD_EPS == 1e-8
    x = torch.tensor([-2.0, -0.5, 0.0, 0.5, 3.0])
    expected = torch.tensor([-0.4, -0.1, 0.0, 0.5, 3.0]) * math.sqrt(2.0)
    assert torch.allclose(L.lrelu(x), expected, atol=1e-6)


def test_normalize_2nd_moment_per_sample():
    x = torch.tensor([[3.0, 4.0], [0.1, -0.1], [0.0, 0.0]])
    out = L.normalize_2nd_moment(x)
    assert torch.allclose(out[0], torch.tensor([3.0, 4.0]) / math.sqrt(12.5), atol=1e-6)
    assert torch.allclose(out[1], torch.tensor([1.0, -1.0]), atol=1e-5)
    assert torch.equal(out[2], torch.zeros(2))           # eps keeps the zero vector finite
    # eps = 1e-8 by default: it shows only when mean(x^2) is of that order
    tiny = torch.tensor([[1e-4, 1e-4]])                  # mean square 1e-8: divided by sqrt(2e-8)
    assert torch.allclose(L.normalize_2nd_moment(tiny), torch.full((1, 2), 1 / math.sqrt(2)), rtol=1e-3)
    assert torch.allclose(L.normalize_2nd_moment(tiny, eps=0.0), torch.ones(1, 2), rtol=1e-3)


# ------------------------------------------------------------------ resampling filters
def _filter_1d(v, taps, stride=1, pad=0):
    """Correlation of a 1-D list with taps, zero padding `pad`, then every `stride`-th output."""
    padded = [0.0] * pad + list(v) + [0.0] * pad
    out = [sum(t * padded[j + k] for k, t in enumerate(taps)) for j in range(len(padded) - len(taps) + 1)]
    return out[::stride]


def _separable(x, fn):
    """Apply a 1-D function along W then H of every [H, W] map of x (float64)."""
    x = x.double()
    b, c, h, _ = x.shape
    rows = torch.tensor([[[fn(r.tolist()) for r in x[i, j]] for j in range(c)] for i in range(b)], dtype=torch.float64)
    cols = rows.transpose(2, 3)
    out = torch.tensor([[[fn(r.tolist()) for r in cols[i, j]] for j in range(c)] for i in range(b)], dtype=torch.float64)
    return out.transpose(2, 3)


def _upsample_1d(v):
    """Zero insertion then [1, 3, 3, 1] / 4: out[2i] = (x[i-1] + 3 x[i]) / 4, out[2i+1] = (3 x[i] + x[i+1]) / 4."""
    x = [0.0] + list(v) + [0.0]
    out = []
    for i in range(1, len(x) - 1):
        out += [(x[i - 1] + 3 * x[i]) / 4, (3 * x[i] + x[i + 1]) / 4]
    return out


def test_blur_is_the_normalized_1331_filter():
    x = randn(2, 3, 5, 6)
    for pad in (0, 1, 2):
        expected = _separable(x, lambda v: _filter_1d(v, [1 / 8, 3 / 8, 3 / 8, 1 / 8], pad=pad))
        assert torch.allclose(L.blur(x, pad).double(), expected, atol=1e-5), pad
    delta = torch.zeros(1, 1, 7, 7)
    delta[0, 0, 3, 3] = 1.0
    taps = torch.tensor([1.0, 3.0, 3.0, 1.0])
    assert torch.allclose(L.blur(delta, 0), torch.outer(taps, taps).flip(0, 1).view(1, 1, 4, 4) / 64)


def test_upsample2_is_zero_insertion_and_the_filter_with_gain_4():
    x = randn(2, 3, 4, 5)
    out = L.upsample2(x)
    assert out.shape == (2, 3, 8, 10)
    assert torch.allclose(out.double(), _separable(x, _upsample_1d), atol=1e-5)
    flat = torch.ones(1, 2, 4, 4)
    assert torch.allclose(L.upsample2(flat)[..., 1:-1, 1:-1], torch.ones(1, 2, 6, 6))     # DC gain 1


def test_downsample2_is_the_filter_then_every_second_pixel():
    x = randn(2, 3, 6, 8)
    out = L.downsample2(x)
    assert out.shape == (2, 3, 3, 4)
    expected = _separable(x, lambda v: _filter_1d(v, [1 / 8, 3 / 8, 3 / 8, 1 / 8], stride=2, pad=1))
    assert torch.allclose(out.double(), expected, atol=1e-5)


def test_fir_kernel_sums_to_its_gain_per_channel():
    x = torch.zeros(2, 5, 4, 4)
    for gain in (1.0, 4.0, 0.5):
        k = L._fir_kernel(x, gain)
        assert k.shape == (5, 1, 4, 4)
        taps = torch.tensor([1.0, 3.0, 3.0, 1.0])
        assert torch.allclose(k[3, 0], torch.outer(taps, taps) * gain / 64)


# ------------------------------------------------------------------ mapping layer
def test_mapping_linear_defaults_and_lr_multiplier():
    torch.manual_seed(0)
    plain = L.MappingLinear(16, 4)
    assert plain.lr_mul == 1.0 and plain.scale == pytest.approx(1 / 4)
    layer = L.MappingLinear(16, 4, lr_mul=0.01)
    assert layer.scale == pytest.approx(0.01 / 4)
    layer.bias.data.copy_(torch.tensor([100.0, -50.0, 0.0, 20.0]))
    x = randn(3, 16)
    expected = x @ (layer.weight.detach() * 0.01 / 4).t() + torch.tensor([1.0, -0.5, 0.0, 0.2])
    assert torch.allclose(layer(x), expected, atol=1e-5)
    assert layer.weight.std().item() == pytest.approx(100.0, rel=0.3)      # N(0, 1 / lr_mul^2)


# ------------------------------------------------------------------ modulated convolution
def _modconv_by_hand(x, weight, styles, demodulate):
    outs = []
    for b in range(x.shape[0]):
        w = weight * styles[b].view(1, -1, 1, 1)
        if demodulate:
            w = w / torch.sqrt(w.square().sum(dim=(1, 2, 3), keepdim=True) + 1e-8)
        outs.append(F.conv2d(x[b:b + 1], w, padding=weight.shape[-1] // 2))
    return torch.cat(outs)


@pytest.mark.parametrize("kernel", [1, 3, 5])
def test_modulated_conv2d_same_padding_for_any_odd_kernel(kernel):
    x, weight, styles = randn(2, 3, 6, 7), randn(4, 3, kernel, kernel), randn(2, 3)
    for demodulate in (False, True):
        out = L.modulated_conv2d(x, weight, styles, demodulate)
        assert out.shape == (2, 4, 6, 7)
        assert torch.allclose(out, _modconv_by_hand(x, weight, styles, demodulate), atol=1e-4)


def test_demodulation_of_zero_weights_is_zero_not_nan():
    out = L.modulated_conv2d(randn(2, 3, 4, 4), torch.zeros(2, 3, 3, 3), torch.ones(2, 3), demodulate=True)
    assert torch.equal(out, torch.zeros(2, 2, 4, 4))


# ------------------------------------------------------------------ StyleConv, ToRGB
def _hand_lrelu(v):
    return torch.where(v > 0, v, 0.2 * v) * math.sqrt(2.0)


def test_style_conv_initialisation():
    torch.manual_seed(0)
    layer = L.StyleConv(w_dim=9, in_channels=4, out_channels=5, resolution=8)
    assert layer.affine.scale == pytest.approx(1 / 3)                # gain 1 / sqrt(w_dim)
    assert torch.equal(layer.affine.bias, torch.ones(4))
    assert layer.conv.weight.shape == (5, 4, 3, 3) and layer.conv.scale == pytest.approx(1 / 6)   # 1 / sqrt(4 * 9)
    assert torch.equal(layer.conv.bias, torch.zeros(5)) and layer.noise_const.shape == (1, 1, 8, 8)


def test_to_rgb_initialisation():
    torch.manual_seed(0)
    layer = L.ToRGB(w_dim=16, in_channels=4, channels=3)
    assert layer.affine.scale == pytest.approx(1 / 4)
    assert torch.equal(layer.affine.bias, torch.ones(4))
    assert layer.conv.weight.shape == (3, 4, 1, 1) and layer.conv.scale == pytest.approx(1 / 2)


def _styles(layer, w, w_dim):
    return w @ (layer.affine.weight / math.sqrt(w_dim)).t() + layer.affine.bias


@torch.no_grad()
def test_style_conv_forward_by_hand_with_bias_and_tiny_styles():
    """Eval mode (fixed noise): lrelu(demodulated conv(x, weight / sqrt(fan_in), styles) +
    strength * noise + bias). Tiny styles make sum w'^2 comparable to eps = 1e-8, so the result
    depends on the weight scale even though demodulation would otherwise cancel it."""
    torch.manual_seed(0)
    layer = L.StyleConv(w_dim=4, in_channels=2, out_channels=3, resolution=5).eval()
    layer.noise_strength.fill_(0.5)
    layer.conv.bias.copy_(torch.tensor([0.5, -1.0, 2.0]))
    x, w = randn(2, 2, 5, 5), randn(2, 4)
    for bias in (1.0, 1e-4):
        layer.affine.bias.fill_(bias)
        if bias < 1:
            layer.affine.weight.zero_()
        weight = layer.conv.weight / math.sqrt(2 * 9)
        conv = _modconv_by_hand(x, weight, _styles(layer, w, 4), demodulate=True)
        expected = _hand_lrelu(conv + 0.5 * layer.noise_const + layer.conv.bias.view(1, 3, 1, 1))
        assert torch.allclose(layer(x, w), expected, atol=1e-5), bias


@torch.no_grad()
def test_style_conv_training_noise_has_the_feature_map_shape():
    """One N(0, 1) map per sample, [B, 1, H, W] of the layer's output, from the global generator."""
    torch.manual_seed(0)
    layer = L.StyleConv(w_dim=4, in_channels=2, out_channels=2, resolution=4).train()
    layer.noise_strength.fill_(0.7)
    x, w = randn(3, 2, 4, 6), randn(3, 4)
    torch.manual_seed(7)
    out = layer(x, w)
    torch.manual_seed(7)
    noise = torch.randn(3, 1, 4, 6)
    conv = _modconv_by_hand(x, layer.conv.weight * layer.conv.scale, _styles(layer, w, 4), demodulate=True)
    assert torch.allclose(out, _hand_lrelu(conv + 0.7 * noise), atol=1e-5)


@torch.no_grad()
def test_to_rgb_forward_by_hand():
    """Modulated 1x1 conv without demodulation, weight / sqrt(in_channels), plus the bias."""
    torch.manual_seed(0)
    layer = L.ToRGB(w_dim=4, in_channels=4, channels=3)
    layer.conv.bias.copy_(torch.tensor([0.25, -0.5, 1.0]))
    x, w = randn(2, 4, 3, 5), randn(2, 4)
    weight = layer.conv.weight / 2
    expected = _modconv_by_hand(x, weight, _styles(layer, w, 4), demodulate=False) + layer.conv.bias.view(1, 3, 1, 1)
    assert torch.allclose(layer(x, w), expected, atol=1e-5)


def test_channels_at():
    assert L.channels_at(32, 32768, 512) == 512
    assert L.channels_at(256, 16384, 512) == 64
    assert L.channels_at(64, 32, 512) == 1 and L.channels_at(16, 32, 512) == 2     # at least one
