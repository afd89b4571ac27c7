"""MS-SSIM against pytorch_msssim, and its behaviour on small (32x32) images."""
import pytest
import torch

from ganbench_metrics.ms_ssim import ms_ssim

pytorch_msssim = pytest.importorskip("pytorch_msssim", reason="pytorch-msssim is a test dependency")


def correlated_pair(n, size, noise, seed):
    gen = torch.Generator().manual_seed(seed)
    base = torch.nn.functional.interpolate(torch.rand(n, 3, size // 8, size // 8, generator=gen) * 255,
                                           size=size, mode="bilinear", align_corners=False)
    other = (base + torch.randn(base.shape, generator=gen) * noise).clamp(0, 255)
    return base, other


@pytest.mark.parametrize("noise", [5.0, 40.0])
def test_agrees_with_pytorch_msssim_at_full_size(noise):
    x, y = correlated_pair(3, 176, noise, seed=0)
    ours = ms_ssim(x, y)
    ref = pytorch_msssim.ms_ssim(x, y, data_range=255, size_average=False)
    torch.testing.assert_close(ours.float(), ref, atol=1e-3, rtol=0)
    assert 0.05 < ours.min() < ours.max() < 0.999   # a real comparison, not 1 == 1


def test_agrees_with_pytorch_msssim_for_small_window_on_small_images():
    # A 3x3 window fits every scale of a 48x48 image, so no shrinking happens: same algorithm.
    x, y = correlated_pair(2, 48, 20.0, seed=1)
    ours = ms_ssim(x, y, window=3, sigma=1.5)
    ref = pytorch_msssim.ms_ssim(x, y, data_range=255, size_average=False, win_size=3)
    torch.testing.assert_close(ours.float(), ref, atol=1e-3, rtol=0)


def test_small_images_identical_pairs_score_one_and_noise_lowers_it():
    x, _ = correlated_pair(4, 32, 0.0, seed=2)
    assert torch.allclose(ms_ssim(x, x), torch.ones(4, dtype=torch.float64))
    scores = [ms_ssim(*correlated_pair(4, 32, s, seed=2)).mean().item() for s in (5.0, 20.0, 60.0)]
    assert scores == sorted(scores, reverse=True) and scores[-1] < 0.8


def test_images_below_16_pixels_are_refused():
    with pytest.raises(ValueError, match="at least 16 pixels"):
        ms_ssim(torch.zeros(1, 3, 8, 8), torch.zeros(1, 3, 8, 8))
