"""SWD: zero on identical sets, monotone in noise and blur, scale-specific differences land on
the right pyramid level, and the pyramid itself is a proper Laplacian pyramid."""
import pytest
import torch
import torch.nn.functional as F

from ganbench_metrics.swd import (SWDReference, _blur, _up, laplacian_pyramid, pyramid_resolutions,
                                  sliced_wasserstein_distance as swd)


def rectangles(n, seed):
    """Images of three random coloured rectangles on a dark background (non-Gaussian content)."""
    gen = torch.Generator().manual_seed(seed)
    images = torch.full((n, 3, 32, 32), 40.0)
    for i in range(n):
        for _ in range(3):
            colour = torch.rand(3, 1, 1, generator=gen) * 200 + 30
            y, x = torch.randint(0, 24, (2,), generator=gen).tolist()
            size = torch.randint(4, 12, (1,), generator=gen).item()
            images[i, :, y:y + size, x:x + size] = colour
    return images


def gaussian_blur(x, sigma):
    radius = int(3 * sigma) + 1
    t = torch.arange(-radius, radius + 1).float()
    k = torch.exp(-t ** 2 / (2 * sigma ** 2))
    k = (k / k.sum()).view(1, 1, -1)
    c = x.shape[1]
    x = F.conv2d(F.pad(x, (radius, radius, 0, 0), mode="reflect"), k.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)
    return F.conv2d(F.pad(x, (0, 0, radius, radius), mode="reflect"), k.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)


@pytest.fixture(scope="module")
def real_and_fake():
    return rectangles(32, seed=0), rectangles(32, seed=1)


def test_levels_go_down_to_16():
    assert pyramid_resolutions(32) == [32, 16]
    assert pyramid_resolutions(128) == [128, 64, 32, 16]
    assert pyramid_resolutions(8) == [8]


def test_pyramid_reconstructs_and_flat_images_have_no_detail():
    images = rectangles(2, seed=3)
    fine, coarse = laplacian_pyramid(images, 2)
    assert coarse.shape[-1] == 16
    torch.testing.assert_close(fine + _up(coarse), images)
    flat_fine, flat_coarse = laplacian_pyramid(torch.full((1, 3, 32, 32), 77.0), 2)
    assert flat_fine.abs().max() < 1e-4 and torch.allclose(flat_coarse, torch.tensor(77.0))


def test_identical_sets_score_zero(real_and_fake):
    real, _ = real_and_fake
    result = swd(real, real.clone())
    assert result == {"swd_32": 0.0, "swd_16": 0.0, "swd_avg": 0.0}


def test_grows_monotonically_with_noise(real_and_fake):
    real, fake = real_and_fake
    gen = torch.Generator().manual_seed(5)
    noise = torch.randn(fake.shape, generator=gen)
    scores = [swd(real, fake + noise * s)["swd_avg"] for s in (0, 5, 10, 20, 40)]
    assert scores == sorted(scores) and scores[-1] > 3 * scores[0]


def test_grows_monotonically_with_blur(real_and_fake):
    real, fake = real_and_fake
    scores = [swd(real, fake)["swd_avg"]] + [swd(real, gaussian_blur(fake, s))["swd_avg"] for s in (0.5, 1, 2, 3)]
    assert scores == sorted(scores) and scores[-1] > 3 * scores[0]


def test_fine_scale_difference_shows_at_the_finest_level(real_and_fake):
    real, fake = real_and_fake
    gen = torch.Generator().manual_seed(6)
    noise = torch.randn(fake.shape, generator=gen) * 15
    high_pass = noise - _blur(noise)
    base, changed = swd(real, fake), swd(real, fake + high_pass)
    gain_32 = changed["swd_32"] - base["swd_32"]
    gain_16 = changed["swd_16"] - base["swd_16"]
    assert gain_32 > 10 * abs(gain_16)


def test_coarse_scale_difference_shows_at_the_coarsest_level(real_and_fake):
    real, fake = real_and_fake
    gen = torch.Generator().manual_seed(7)
    blobs = F.interpolate(torch.randn(len(fake), 3, 4, 4, generator=gen) * 40, size=32,
                          mode="bilinear", align_corners=False)
    base, changed = swd(real, fake), swd(real, fake + blobs)
    assert changed["swd_16"] - base["swd_16"] > 2 * (changed["swd_32"] - base["swd_32"])


def test_mismatched_sets_are_a_clear_error():
    with pytest.raises(ValueError, match="same\nnumber|same number"):
        swd(torch.zeros(4, 3, 32, 32), torch.zeros(5, 3, 32, 32))


def test_a_kept_reference_scores_every_fake_set_as_a_fresh_computation(real_and_fake):
    real, fake = real_and_fake
    reference = SWDReference(real, seed=5)
    for other in (fake, real, fake.flip(-1)):
        assert reference.distance(other) == swd(real, other, seed=5)
    assert reference.distance(real)["swd_avg"] == 0.0
    assert reference.nbytes == 2 * 4 * (147 * 128 + 128 * 32 * 128) * 4   # levels x repeats x floats
    with pytest.raises(ValueError, match="same number"):
        reference.distance(fake[:5])
