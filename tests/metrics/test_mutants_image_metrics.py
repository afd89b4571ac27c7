"""Kills mutants of ``plugins/ganbench_metrics/image_metrics.py`` that
tests/metrics/test_metric_plugins.py and test_metric_directions.py let survive
(`make mutation`, docs/testing.md): how many images ms_ssim asks for, its smallest valid number
of pairs, and the SWD real-side cache limit (inclusive)."""
from __future__ import annotations

import pytest
import torch

from ganbench_metrics import image_metrics
from ganbench_metrics.ms_ssim import ms_ssim as ms_ssim_of
from ganbench_metrics.swd import SWDReference

from .test_metric_plugins import make_ctx


def _recording_ctx(images):
    asked = []

    def samples(n):
        asked.append(n)
        return images[:n], None

    ctx, _ = make_ctx(samples=images)
    ctx.samples = samples
    return ctx, asked


def test_ms_ssim_asks_for_two_images_per_pair_and_one_pair_is_enough():
    images = (torch.rand(10, 3, 32, 32, generator=torch.Generator().manual_seed(0)) * 255).to(torch.uint8)
    ctx, asked = _recording_ctx(images)
    result = image_metrics.ms_ssim(num_pairs=1)(ctx)
    assert asked == [2]
    assert result["ms_ssim"] == pytest.approx(ms_ssim_of(images[:1], images[1:2]).item())
    ctx.num_samples = 6
    image_metrics.ms_ssim()(ctx)
    assert asked == [2, 6]


def test_ms_ssim_without_a_pair_is_refused():
    images = (torch.rand(4, 3, 32, 32) * 255).to(torch.uint8)
    ctx, _ = _recording_ctx(images)
    with pytest.raises(ValueError, match="at least 2 generated images"):
        image_metrics.ms_ssim(num_pairs=0)(ctx)
    ctx.num_samples = 1
    with pytest.raises(ValueError, match="at least 2 generated images"):
        image_metrics.ms_ssim()(ctx)


def test_swd_reference_cache_limit(monkeypatch):
    assert image_metrics.SWD_REFERENCE_CACHE_BYTES == 2 ** 30
    real = (torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(0)) * 255).to(torch.uint8)
    size = SWDReference(real, 0).nbytes
    monkeypatch.setattr(image_metrics, "_swd_reference", {})
    monkeypatch.setattr(image_metrics, "SWD_REFERENCE_CACHE_BYTES", size)      # exactly fits
    first = image_metrics.swd_reference(real, ("k",), 0)
    assert image_metrics.swd_reference(real, ("k",), 0) is first
    monkeypatch.setattr(image_metrics, "SWD_REFERENCE_CACHE_BYTES", size - 1)  # one byte too big
    image_metrics._swd_reference.clear()
    first = image_metrics.swd_reference(real, ("k",), 0)
    assert image_metrics.swd_reference(real, ("k",), 0) is not first
