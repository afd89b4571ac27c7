"""Equalized learning rate, pixelwise normalization and minibatch stddev against hand-computed values."""
import math

import pytest
import torch
import torch.nn.functional as F

from ganbench_pggan.layers import (EqualizedConv2d, EqualizedLinear, MinibatchStddev, PixelNorm,
                                   embed_labels, fade_in)


def test_equalized_conv_scales_standard_normal_weights_by_he_constant_at_run_time():
    torch.manual_seed(0)
    conv = EqualizedConv2d(6, 5, 3)
    fan_in = 6 * 3 * 3
    assert conv.scale == pytest.approx(math.sqrt(2 / fan_in))
    # the stored weights are N(0, 1), not pre-scaled
    assert conv.weight.std().item() == pytest.approx(1.0, abs=0.1)
    with torch.no_grad():
        conv.bias.normal_()
    x = torch.randn(2, 6, 7, 7)
    expected = F.conv2d(x, conv.weight * math.sqrt(2 / 54), conv.bias, padding=1)
    torch.testing.assert_close(conv(x), expected)


def test_equalized_linear_scale_and_configurable_gain():
    torch.manual_seed(0)
    linear = EqualizedLinear(50, 4)
    assert linear.scale == pytest.approx(math.sqrt(2 / 50))
    x = torch.randn(3, 50)
    torch.testing.assert_close(linear(x), x @ (linear.weight * math.sqrt(2 / 50)).T)
    assert EqualizedLinear(50, 4, gain=1.0).scale == pytest.approx(1 / math.sqrt(50))


def test_without_equalization_the_he_constant_is_baked_into_the_initial_weights():
    torch.manual_seed(0)
    equalized = EqualizedConv2d(8, 8, 3)
    torch.manual_seed(0)
    plain = EqualizedConv2d(8, 8, 3, equalized=False)
    assert plain.scale == 1.0
    torch.testing.assert_close(plain.weight, equalized.weight * math.sqrt(2 / 72))
    x = torch.randn(1, 8, 5, 5)
    torch.testing.assert_close(plain(x), equalized(x))   # same function at init


def test_pixelnorm_gives_unit_mean_square_over_channels_at_every_pixel():
    x = torch.randn(3, 7, 4, 5) * torch.rand(3, 1, 4, 5) * 10
    out = PixelNorm()(x)
    torch.testing.assert_close(out.pow(2).mean(dim=1), torch.ones(3, 4, 5), rtol=1e-5, atol=1e-5)
    # a hand-computed pixel: channels (3, 4) -> mean square 12.5
    pixel = torch.tensor([3.0, 4.0]).reshape(1, 2, 1, 1)
    torch.testing.assert_close(PixelNorm()(pixel).flatten(), torch.tensor([3.0, 4.0]) / math.sqrt(12.5))


def test_minibatch_stddev_appends_the_hand_computed_group_std():
    # two samples, 2 features at 1 position: values (1, 3) and (3, 7) per feature
    x = torch.tensor([[1.0, 3.0], [3.0, 7.0]]).reshape(2, 2, 1, 1)
    out = MinibatchStddev(group_size=4)(x)          # group = whole batch of 2
    assert out.shape == (2, 3, 1, 1)
    torch.testing.assert_close(out[:, :2], x)       # input channels untouched
    # population std per feature: |1 - 3| / 2 = 1 and |3 - 7| / 2 = 2 -> mean 1.5
    torch.testing.assert_close(out[:, 2].flatten(), torch.full((2,), 1.5))


def test_minibatch_stddev_groups_samples_i_and_i_plus_half_batch():
    values = torch.tensor([0.0, 10.0, 2.0, 16.0])          # groups (0, 2) and (1, 3)
    x = values.reshape(4, 1, 1, 1).expand(4, 1, 2, 2).contiguous()
    out = MinibatchStddev(group_size=2)(x)
    expected = torch.tensor([1.0, 3.0, 1.0, 3.0]).reshape(4, 1, 1, 1).expand(4, 1, 2, 2)
    torch.testing.assert_close(out[:, 1:], expected)


def test_minibatch_stddev_uses_a_dividing_group_for_odd_batches():
    x = torch.tensor([0.0, 2.0, 4.0]).reshape(3, 1, 1, 1)
    out = MinibatchStddev(group_size=4)(x)          # 3 is not divisible by 4 -> group of 3
    std = torch.tensor([0.0, 2.0, 4.0]).std(unbiased=False)
    torch.testing.assert_close(out[:, 1].flatten(), std.repeat(3))


def test_soft_labels_embed_as_probability_weighted_mean():
    embedding = torch.nn.Embedding(3, 4)
    soft = torch.tensor([[0.25, 0.75, 0.0]])
    expected = 0.25 * embedding.weight[0] + 0.75 * embedding.weight[1]
    torch.testing.assert_close(embed_labels(embedding, soft)[0], expected)
    torch.testing.assert_close(embed_labels(embedding, torch.tensor([2]))[0], embedding.weight[2])


def test_fade_in_blends_in_the_wider_dtype_when_autocast_mixes_precisions():
    old = torch.tensor([0.0, 1.0, 2.0])                     # e.g. float32 from an upsampling
    new = torch.tensor([4.0, 5.0, 6.0], dtype=torch.bfloat16)
    out = fade_in(old, new, 0.25)
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, torch.tensor([1.0, 2.0, 3.0]))
    assert torch.equal(fade_in(old, new, 0.0), old)
