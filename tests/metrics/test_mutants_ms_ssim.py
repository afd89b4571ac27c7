"""Kills mutants of ``plugins/ganbench_metrics/ms_ssim.py`` that tests/metrics/test_ms_ssim.py
lets survive (`make mutation`, docs/testing.md): the constants of the definition, the input
checks, the Gaussian window, and pinned values for small and odd-sized images (where the window
shrinks and the pooling pads), which pytorch_msssim cannot check (it needs >= 161 pixels). Update
the pinned values only with a deliberate change of the metric."""
from __future__ import annotations

import pytest
import torch

from ganbench_metrics import ms_ssim as M

PINNED = {
    (2, 3, 32, 32): [0.8123995508722474, 0.8266719444502372],
    (2, 1, 16, 16): [0.9017515764549237, 0.8298426863048628],
    (1, 2, 33, 21): [0.897299127569386],
    (1, 1, 40, 40): [0.8069260204319971],
    (1, 1, 21, 33): [0.8745291562376928],     # wider than high: the window follows the height
    (1, 2, 16, 40): [0.8259618214121753],
}


def test_constants():
    assert M.WEIGHTS == (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
    assert (M.WINDOW, M.SIGMA, M.K1, M.K2) == (11, 1.5, 0.01, 0.03)


def test_pinned_values():
    g = torch.Generator().manual_seed(0)
    for shape, expected in PINNED.items():
        x = torch.randint(0, 256, shape, generator=g).float()
        y = (x * 0.6 + torch.randint(0, 100, shape, generator=g)).clamp(0, 255)
        assert M.ms_ssim(x, y).tolist() == pytest.approx(expected, rel=1e-9), shape


def test_identical_images_score_one_and_defaults():
    x = torch.rand(2, 3, 20, 20) * 255
    assert M.ms_ssim(x, x).tolist() == pytest.approx([1.0, 1.0])
    y = x.flip(-1)
    assert M.ms_ssim(x, y).tolist() == pytest.approx(M.ms_ssim(x, y, 255.0, 11, 1.5).tolist(), rel=1e-12)


def test_anti_correlated_images_score_zero_not_nan():
    # the coarsest scale's SSIM is negative here; it is clamped at 0, so the product is 0
    x = torch.rand(2, 1, 32, 32, generator=torch.Generator().manual_seed(0)) * 255
    assert M.ms_ssim(x, 255 - x).tolist() == [0.0, 0.0]


def test_gaussian_window():
    w = M.gaussian_window(5, 1.0)
    assert w.dtype == torch.float64 and w.sum().item() == pytest.approx(1.0)
    ratio = torch.exp(torch.tensor(-0.5, dtype=torch.float64))
    assert (w[1] / w[2]).item() == pytest.approx(ratio.item())
    assert (w[0] / w[2]).item() == pytest.approx(torch.exp(torch.tensor(-2.0)).item())
    assert torch.equal(w, w.flip(0))
    assert M.gaussian_window(4, 1.0).argmax().item() in (1, 2)
    assert M.gaussian_window(4, 1.0)[1].item() == pytest.approx(M.gaussian_window(4, 1.0)[2].item())


def test_input_checks():
    x = torch.zeros(1, 1, 16, 16)
    assert M.ms_ssim(x, x).shape == (1,)
    with pytest.raises(ValueError, match=r"at least 16 pixels per side, got \(15, 16\)$"):
        M.ms_ssim(torch.zeros(1, 1, 15, 16), torch.zeros(1, 1, 15, 16))
    with pytest.raises(ValueError, match="at least 16 pixels"):
        M.ms_ssim(torch.zeros(1, 1, 16, 15), torch.zeros(1, 1, 16, 15))
    with pytest.raises(ValueError, match="equal-size images"):
        M.ms_ssim(torch.zeros(1, 1, 16, 16), torch.zeros(1, 1, 16, 17))
    with pytest.raises(ValueError, match="equal-size images"):
        M.ms_ssim(torch.zeros(1, 16, 16), torch.zeros(1, 16, 16))
