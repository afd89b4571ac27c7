"""DiffAugment's distributions pinned to the paper (Zhao et al., 2020; docs/augmentations.md):
brightness + U(-0.5, 0.5), saturation x U(0, 2), contrast x U(0.5, 1.5), one draw per image;
translation by up to round(size / 8) pixels both ways with zero fill; cutout of side
round(size / 2) whose centre ranges over the whole image."""
import pytest
import torch

from ganbench_augment.diffaugment import POLICIES, cutout, parse_policy, translation


def gen(seed):
    return torch.Generator().manual_seed(seed)


def test_colour_factors_are_the_papers_draws_per_image():
    """Each colour op uses one U[0, 1) draw u per image from the generator: brightness adds
    u - 0.5, saturation scales by 2u, contrast by u + 0.5."""
    x = torch.rand(64, 3, 4, 4, generator=gen(0)) * 2 - 1
    brightness, saturation, contrast = POLICIES["color"]
    u = torch.rand(64, generator=gen(7)).view(-1, 1, 1, 1)
    assert u.min() < 0.05 and u.max() > 0.95
    assert torch.allclose(brightness(x, gen(7)), x + (u - 0.5), atol=1e-6)
    channel_mean = x.mean(1, keepdim=True)
    assert torch.allclose(saturation(x, gen(7)), (x - channel_mean) * (2 * u) + channel_mean, atol=1e-6)
    image_mean = x.mean((1, 2, 3), keepdim=True)
    assert torch.allclose(contrast(x, gen(7)), (x - image_mean) * (u + 0.5) + image_mean, atol=1e-6)


def _coded(n, h, w):
    """n images whose every value is distinct and > 0 (so zero is only the fill)."""
    return (torch.arange(3 * h * w, dtype=torch.float32).view(1, 3, h, w) + 1).repeat(n, 1, 1, 1)


def _shift(img, dy, dx):
    """img [C, H, W] moved down dy and right dx, zeros coming in."""
    _, h, w = img.shape
    out = torch.zeros_like(img)
    out[:, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        img[:, max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]
    return out


def test_translation_covers_minus_to_plus_round_size_over_8_with_zero_fill():
    # 12 / 8 = 1.5 rounds up to 2 (not floor), 32 / 8 = 4: every shift in [-2, 2] x [-4, 4]
    h, w = 12, 32
    x = _coded(400, h, w)
    out = translation(x, gen(0))
    centre = x[0, 0, h // 2, w // 2]
    dys, dxs = set(), set()
    for i in range(len(x)):
        (r, c), = (out[i, 0] == centre).nonzero().tolist()
        dy, dx = r - h // 2, c - w // 2
        assert torch.equal(out[i], _shift(x[i], dy, dx))
        dys.add(dy)
        dxs.add(dx)
    assert dys == set(range(-2, 3))
    assert dxs == set(range(-4, 5))


@pytest.mark.parametrize("h,w", [(16, 14), (14, 16)])
def test_cutout_square_of_half_the_size_with_centre_over_the_whole_image(h, w):
    """Side round(size / 2) (8 at 16, 7 at 14); the square's first row/column is
    centre - side // 2 with the centre taking every value in [0, size - side % 2]."""
    x = _coded(1500, h, w)
    zeros = (cutout(x, gen(0)) == 0).all(1)            # [B, H, W]
    centres = {"rows": set(), "cols": set()}
    for i in range(len(x)):
        expected = torch.ones(h, w, dtype=torch.bool)
        for axis, n, dim in (("rows", h, 1), ("cols", w, 0)):
            side = round(n / 2)
            hit = zeros[i].any(dim).nonzero().flatten().tolist()
            assert hit, "every image gets a visible cutout"
            first = hit[0] if hit[0] > 0 else hit[-1] + 1 - side     # clipped at the start
            centres[axis].add(first + side // 2)
            keep = torch.zeros(n, dtype=torch.bool)
            keep[max(first, 0):first + side] = True
            expected &= keep[:, None] if axis == "rows" else keep[None, :]
        assert torch.equal(zeros[i], expected)
    assert centres["rows"] == set(range(0, h - round(h / 2) % 2 + 1))
    assert centres["cols"] == set(range(0, w - round(w / 2) % 2 + 1))


def test_unknown_policy_message_is_singular_or_plural():
    with pytest.raises(ValueError, match=r"unknown policy \['zoom'\];"):
        parse_policy("color,zoom")
    with pytest.raises(ValueError, match=r"unknown policies \['zoom', 'blur'\];"):
        parse_policy("zoom,translation,blur")
