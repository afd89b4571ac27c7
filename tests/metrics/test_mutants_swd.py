"""Kills mutants of ``plugins/ganbench_metrics/swd.py`` that tests/metrics/test_swd.py and
test_swd_normalisation.py let survive (`make mutation`, docs/testing.md): the pyramid sizes,
the Laplacian pyramid's exact reconstruction, descriptor positions, normalisation, directions,
the per-level average, and a pinned result for a fixed input (any change to the pipeline
—positions, directions, filter, scaling— moves it; update it only together with a deliberate
change of the metric, which also invalidates published SWD numbers)."""
from __future__ import annotations

import pytest
import torch

from ganbench_metrics import swd as S


def test_constants():
    assert (S.NEIGHBOURHOOD, S.DESCRIPTORS_PER_IMAGE, S.DIRECTION_REPEATS, S.DIRECTIONS_PER_REPEAT,
            S.COARSEST_LEVEL) == (7, 128, 4, 128, 16)
    torch.testing.assert_close(S._BINOMIAL_1D, torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0]) / 16)


@pytest.mark.parametrize("resolution, levels", [
    (7, [7]), (16, [16]), (30, [30]), (31, [31]), (32, [32, 16]), (33, [33]), (48, [48, 24]),
    (64, [64, 32, 16]), (128, [128, 64, 32, 16]), (96, [96, 48, 24]), (66, [66, 33]),
    (132, [132, 66, 33]),
])
def test_pyramid_resolutions(resolution, levels):
    assert S.pyramid_resolutions(resolution) == levels


def test_too_small_images_are_refused():
    with pytest.raises(ValueError, match="at least 7x7"):
        S.pyramid_resolutions(6)


def test_laplacian_pyramid_reconstructs_the_image_and_blurs_with_mirror_borders():
    g = torch.Generator().manual_seed(0)
    images = torch.rand(2, 3, 32, 32, generator=g, dtype=torch.float64)
    levels = S.laplacian_pyramid(images, 3)
    assert [lvl.shape[-1] for lvl in levels] == [32, 16, 8]
    rebuilt = levels[-1]
    for band in reversed(levels[:-1]):
        rebuilt = band + S._up(rebuilt)
    torch.testing.assert_close(rebuilt, images)
    # a constant image is its own blur (mirror borders, kernel of mass 1); _up keeps the mean
    const = torch.full((1, 1, 8, 8), 3.0, dtype=torch.float64)
    torch.testing.assert_close(S._blur(const), const)
    torch.testing.assert_close(S._down(const), torch.full((1, 1, 4, 4), 3.0, dtype=torch.float64))
    torch.testing.assert_close(S._up(S._down(const)), const)
    # low-pass residual of a constant image holds it all
    flat = S.laplacian_pyramid(torch.full((1, 1, 32, 32), 2.0), 2)
    assert flat[0].abs().max() < 1e-6 and torch.allclose(flat[1], torch.tensor(2.0))


def test_descriptors_are_exact_patches_anywhere_in_the_image():
    # pixel value = 100 * row + column, so each patch tells where it was cut
    h, w = 9, 11
    level = (torch.arange(h)[:, None] * 100 + torch.arange(w)[None, :]).float().expand(2, 1, h, w).clone()
    level[1] += 10_000
    g = torch.Generator().manual_seed(0)
    desc = S.random_descriptors(level, g)
    assert desc.shape == (2 * 128, 1, 7, 7)
    tops = (desc[:, 0, 0, 0] % 10_000) // 100
    lefts = desc[:, 0, 0, 0] % 100
    assert set(tops.long().tolist()) == set(range(h - 7 + 1))
    assert set(lefts.long().tolist()) == set(range(w - 7 + 1))
    expected = (tops[:, None, None] + torch.arange(7)[None, :, None]) * 100 + lefts[:, None, None] + torch.arange(7)
    torch.testing.assert_close(desc[:, 0] % 10_000, expected.float())
    assert (desc[:128] < 10_000).all() and (desc[128:] >= 10_000).all()


def test_descriptors_of_several_channels_keep_them_apart():
    level = torch.stack([torch.zeros(8, 8), torch.ones(8, 8), 2 * torch.ones(8, 8)])[None]
    desc = S.random_descriptors(level, torch.Generator().manual_seed(0))
    assert desc.shape == (128, 3, 7, 7)
    assert desc[:, 0].eq(0).all() and desc[:, 1].eq(1).all() and desc[:, 2].eq(2).all()


def test_normalised_descriptors_have_zero_mean_unit_std_per_channel():
    g = torch.Generator().manual_seed(0)
    desc = torch.randn(50, 2, 7, 7, generator=g, dtype=torch.float64) * torch.tensor([3.0, 0.5], dtype=torch.float64)[None, :, None, None] + 4
    flat = S.normalise_descriptors(desc).reshape(50, 2, 7, 7)
    torch.testing.assert_close(flat.mean(dim=(0, 2, 3)), torch.zeros(2, dtype=torch.float64))
    torch.testing.assert_close(flat.std(dim=(0, 2, 3), unbiased=False), torch.ones(2, dtype=torch.float64))
    constant = S.normalise_descriptors(torch.full((4, 1, 7, 7), 5.0))
    assert constant.abs().max() == 0


def test_directions_are_unit_columns():
    dirs = S._directions(10, torch.Generator().manual_seed(0))
    assert dirs.shape == (10, 128)
    torch.testing.assert_close(dirs.norm(dim=0), torch.ones(128))


def test_sorted_rows():
    x = torch.tensor([[3.0, 1.0, 2.0], [0.0, -1.0, 5.0]])
    assert S._sorted_rows(x.clone()).tolist() == [[1.0, 2.0, 3.0], [-1.0, 0.0, 5.0]]


def _pair():
    g = torch.Generator().manual_seed(0)
    real = torch.randint(0, 256, (3, 3, 32, 32), generator=g, dtype=torch.uint8)
    fake = (real.float() * 0.7 + 40).clamp(0, 255).to(torch.uint8)
    return real, fake


def test_pinned_value_for_a_fixed_input():
    real, fake = _pair()
    result = S.sliced_wasserstein_distance(real, fake, seed=0)
    assert result == pytest.approx({"swd_32": 3.7159619387239218, "swd_16": 3.9024255238473415,
                                    "swd_avg": 3.8091937312856317}, rel=1e-5)
    assert result["swd_avg"] == pytest.approx((result["swd_32"] + result["swd_16"]) / 2, rel=1e-12)
    assert S.SWDReference(real).seed == 0
    assert S.sliced_wasserstein_distance(real, fake) == result       # seed 0 by default
    assert S.SWDReference(real).distance(fake) == result


def test_reference_keeps_every_level_and_repeat():
    real, _ = _pair()
    ref = S.SWDReference(real, seed=2)
    assert ref.sizes == [32, 16] and len(ref.levels) == 2 and all(len(r) == 4 for r in ref.levels)
    assert ref.nbytes == sum(d.nbytes + p.nbytes for level in ref.levels for d, p in level)
    dirs, proj = ref.levels[0][0]
    assert dirs.shape == (3 * 49, 128) and proj.shape == (128, 3 * 128)
    assert (proj[:, 1:] >= proj[:, :-1]).all()


def test_shape_checks():
    real, fake = _pair()
    with pytest.raises(ValueError, match="equal-size sets"):
        S.sliced_wasserstein_distance(real, fake[:2])
    with pytest.raises(ValueError, match="square images"):
        S.SWDReference(real[:, :, :, :30])
    with pytest.raises(ValueError, match="square images"):
        S.SWDReference(real[0])


def test_sorted_rows_off_cpu_sorts_along_rows():
    # the non-CPU branch, on the meta device (shapes only): rows of a 2-D tensor
    x = torch.empty(2, 3, device="meta")
    assert S._sorted_rows(x).shape == (2, 3)
