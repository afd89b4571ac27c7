"""SWD's per-channel descriptor normalisation (step 3 of ganbench_metrics.swd's recipe).

Each descriptor set is brought to zero mean and unit std per colour channel (PGGAN), so SWD
compares the shape of the patch distributions, not the images' overall brightness or contrast.
Without it, halving the contrast of both sets would halve SWD.
"""
import pytest
import torch

from ganbench_metrics.swd import (NEIGHBOURHOOD, _level_descriptors, normalise_descriptors,
                                  sliced_wasserstein_distance as swd)


def two_sets():
    """Two different 32x32 RGB sets, channels with different brightness and contrast."""
    gen = torch.Generator().manual_seed(0)
    base = torch.rand(2, 6, 3, 32, 32, generator=gen)
    blocks = torch.nn.functional.interpolate(torch.rand(2 * 6, 3, 4, 4, generator=gen), size=32,
                                             mode="nearest").view(2, 6, 3, 32, 32)
    gain = torch.tensor([200.0, 90.0, 30.0]).view(1, 1, 3, 1, 1)
    images = (0.3 * base + 0.7 * blocks) * gain + torch.tensor([20.0, 100.0, 200.0]).view(1, 1, 3, 1, 1)
    assert images.min() >= 0 and images.max() <= 255
    return images[0], images[1]


def per_channel_stats(desc, channels):
    unflat = desc.view(desc.shape[0], channels, NEIGHBOURHOOD, NEIGHBOURHOOD)
    return unflat.mean(dim=(0, 2, 3)), unflat.std(dim=(0, 2, 3), unbiased=False)


def test_swd_is_unchanged_by_the_same_affine_change_of_both_sets():
    """x -> 0.5 * x + 40 (stays in 0..255) on both sets leaves every level's SWD unchanged."""
    real, fake = two_sets()
    before = swd(real, fake)
    after = swd(0.5 * real + 40, 0.5 * fake + 40)
    assert before["swd_avg"] > 10                     # the sets really differ
    assert after == pytest.approx(before, rel=1e-3)


def test_descriptors_the_implementation_builds_have_zero_mean_unit_std_per_channel():
    """Every pyramid level's descriptor set, as SWD projects it: mean 0, std 1 per channel."""
    real, _ = two_sets()
    levels = _level_descriptors(real, 2, seed=0)
    assert len(levels) == 2
    for desc in levels:
        assert desc.shape[1] == 3 * NEIGHBOURHOOD ** 2
        mean, std = per_channel_stats(desc, 3)
        torch.testing.assert_close(mean, torch.zeros(3), atol=1e-4, rtol=0)
        torch.testing.assert_close(std, torch.ones(3), atol=1e-4, rtol=0)


def test_normalise_descriptors_by_hand():
    """Per channel over the whole set (all descriptors, all 7x7 positions), population std."""
    gen = torch.Generator().manual_seed(1)
    desc = torch.randn(50, 2, NEIGHBOURHOOD, NEIGHBOURHOOD, generator=gen)
    desc = desc * torch.tensor([3.0, 0.5]).view(1, 2, 1, 1) + torch.tensor([10.0, -4.0]).view(1, 2, 1, 1)
    out = normalise_descriptors(desc)
    assert out.shape == (50, 2 * NEIGHBOURHOOD ** 2)
    for c in range(2):
        x = desc[:, c]
        expected = (x - x.mean()) / x.std(unbiased=False)
        torch.testing.assert_close(out.view(50, 2, NEIGHBOURHOOD, NEIGHBOURHOOD)[:, c], expected)
