"""Kills the survivors of `make mutation --module pggan_layers` (docs/testing.md): keyword-only
gain/equalized (a stray positional argument must not become the He gain), same padding for any
odd kernel, the eps inside PixelNorm's and the minibatch-stddev's square roots (zero activations
and one-sample groups stay finite), the default group of 4 (Karras et al. 2018), group size 1 as
the smallest valid one, and the largest divisor <= group_size (down to 1) as the fallback group."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from ganbench_pggan.layers import EqualizedConv2d, EqualizedLinear, MinibatchStddev, PixelNorm


def test_layer_sizes_may_be_named_and_gain_is_keyword_only():
    # Sizes may be passed by name; gain may not be passed positionally (it would silently
    # change the He constant sqrt(2 / fan_in) that the equalized learning rate relies on).
    lin = EqualizedLinear(in_features=3, out_features=2)
    assert lin.weight.shape == (2, 3) and lin.scale == pytest.approx(math.sqrt(2 / 3))
    conv = EqualizedConv2d(in_channels=2, out_channels=4, kernel_size=3)
    assert conv.weight.shape == (4, 2, 3, 3) and conv.scale == pytest.approx(math.sqrt(2 / 18))
    with pytest.raises(TypeError):
        EqualizedLinear(3, 2, 1.0)
    with pytest.raises(TypeError):
        EqualizedConv2d(2, 4, 3, 1.0)


def test_conv_keeps_the_resolution_for_a_5x5_kernel():
    # "same" padding is kernel // 2 = 2 for k = 5; PGGAN's blocks rely on the size being kept.
    torch.manual_seed(0)
    conv = EqualizedConv2d(2, 3, 5)
    x = torch.randn(1, 2, 8, 8)
    out = conv(x)
    assert out.shape == (1, 3, 8, 8)
    torch.testing.assert_close(out, F.conv2d(x, conv.weight * conv.scale, conv.bias, padding=2))


def test_pixel_norm_of_zero_activations_is_zero_not_nan():
    # The + eps keeps a dead pixel (all channels 0) at 0 instead of 0 * rsqrt(-eps) = NaN.
    out = PixelNorm()(torch.zeros(2, 4, 3, 3))
    assert torch.equal(out, torch.zeros(2, 4, 3, 3))


def test_default_group_size_is_four():
    # Batch of 20 values 0..19: group 4 pairs i, i+5, i+10, i+15 -> population std of
    # {0, 5, 10, 15} = sqrt(31.25); a group of 5 would give sqrt(32), of 2 (from 3) give 5.
    x = torch.arange(20.0).reshape(20, 1, 1, 1)
    out = MinibatchStddev()(x)
    torch.testing.assert_close(out[:, 1].flatten(), torch.full((20,), math.sqrt(31.25)))


def test_fallback_group_is_the_largest_divisor_not_above_group_size():
    # Batch 6, group_size 4: 4 does not divide 6, 3 does -> groups {0, 2, 4} and {1, 3, 5},
    # population std 2 * sqrt(2/3) (a group of 2 would give 1.5).
    x = torch.arange(6.0).reshape(6, 1, 1, 1)
    out = MinibatchStddev(group_size=4)(x)
    torch.testing.assert_close(out[:, 1].flatten(), torch.full((6,), math.sqrt(8 / 3)))


def test_prime_batch_falls_back_to_groups_of_one_with_finite_sqrt_eps():
    # Batch 5 with group_size 4: only 1 divides -> every group has zero variance and the
    # feature is sqrt(0 + 1e-8) = 1e-4 (the + eps keeps it finite, not sqrt(-eps) = NaN).
    x = torch.arange(5.0).reshape(5, 1, 1, 1)
    out = MinibatchStddev(group_size=4)(x)
    torch.testing.assert_close(out[:, 1].flatten(), torch.full((5,), 1e-4))


def test_group_size_one_is_valid_and_zero_is_refused():
    # group_size 1 is the documented minimum (no cross-sample statistic); 0 is meaningless.
    out = MinibatchStddev(group_size=1)(torch.arange(4.0).reshape(4, 1, 1, 1))
    torch.testing.assert_close(out[:, 1].flatten(), torch.full((4,), 1e-4))
    with pytest.raises(ValueError, match="mbstd_group_size must be >= 1"):
        MinibatchStddev(group_size=0)
