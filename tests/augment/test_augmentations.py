"""DiffAugment, ADA and APA: differentiable, identity when off, shape/dtype/range, determinism,
and the geometry of the ADA matrices against exact torch operations."""
import math

import pytest
import torch

from ganbench.components import resolve
from ganbench_augment import ada_transforms as T
from ganbench_augment.diffaugment import POLICIES

ON = [("diffaugment", {}), ("diffaugment", {"policy": "translation"}), ("diffaugment", {"policy": "cutout"}),
      ("ada", {"p": 0.7}), ("ada", {"p": 1.0, "groups": "b"}), ("ada", {"p": 0.5, "groups": "gc"})]
OFF = [("diffaugment", {"policy": ""}), ("ada", {"p": 0.0}), ("ada", {"p": 0.0, "adaptive": False}),
       ("apa", {"p": 0.9})]    # APA's augment is the identity whatever p


def images(n=6, c=3, size=16, seed=0):
    return torch.rand(n, c, size, size, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def gen(seed):
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("name,kwargs", ON)
def test_gradient_reaches_the_input(name, kwargs):
    x = images().requires_grad_(True)
    out = resolve("augmentations", name, **kwargs).augment(x, gen(1))
    (out * torch.linspace(-1, 1, out.numel()).view_as(out)).sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


@pytest.mark.parametrize("name,kwargs", ON)
def test_keeps_shape_dtype_and_is_deterministic_given_the_generator(name, kwargs):
    aug = resolve("augmentations", name, **kwargs)
    x = images()
    a, b, c = aug.augment(x, gen(3)), aug.augment(x, gen(3)), aug.augment(x, gen(4))
    assert a.shape == x.shape and a.dtype == x.dtype
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    assert not torch.equal(a, x)


@pytest.mark.parametrize("name,kwargs", OFF)
def test_off_is_the_identity_and_draws_nothing(name, kwargs):
    x = images()
    g = gen(5)
    before = g.get_state()
    out = resolve("augmentations", name, **kwargs).augment(x, g)
    assert torch.equal(out, x)
    assert torch.equal(g.get_state(), before)


def test_ada_p_zero_after_adaptation_is_bitwise_identity():
    """Once p has moved, the work is done, but images no transform touched come back unchanged."""
    aug = resolve("augmentations", "ada", p=0.0, interval=1)
    aug.observe(torch.tensor(-4.0), torch.tensor(4.0))     # r_t = -1 < target: p stays clipped at 0
    assert not aug.controller.known_zero and float(aug.controller.p) == 0.0
    x = images()
    assert torch.equal(aug.augment(x, gen(0)), x)


def test_range_what_stays_in_and_what_can_leave():
    """Translation, cutout and ADA's blit/geometric (reflection + bilinear) stay in [-1, 1];
    DiffAugment's brightness and ADA's colour group can leave it."""
    x = images(n=32)
    for name, kwargs in [("diffaugment", {"policy": "translation,cutout"}), ("ada", {"p": 1.0, "groups": "bg"})]:
        out = resolve("augmentations", name, **kwargs).augment(x, gen(0))
        assert out.min() >= -1 - 1e-6 and out.max() <= 1 + 1e-6, name
    white = torch.ones(32, 3, 8, 8)
    assert POLICIES["color"][0](white, gen(0)).max() > 1          # brightness
    assert resolve("augmentations", "ada", p=1.0, groups="c").augment(x, gen(0)).abs().max() > 1


def test_diffaugment_translation_and_cutout_values():
    """Translation only moves pixels (every output value is an input value or the zero fill);
    cutout zeroes one square of half the size, clipped at the border."""
    x = images(n=16, size=8) * 0.5 + 0.75       # in [0.25, 1.25]: no input value is 0
    moved = resolve("augmentations", "diffaugment", policy="translation").augment(x, gen(1))
    for i in range(16):
        values = set(x[i].flatten().tolist()) | {0.0}
        assert set(moved[i].flatten().tolist()) <= values
    cut = resolve("augmentations", "diffaugment", policy="cutout").augment(x, gen(2))
    zeros = (cut == 0).all(dim=1)               # [B, H, W]
    for i in range(16):
        rows, cols = zeros[i].any(1).nonzero().flatten(), zeros[i].any(0).nonzero().flatten()
        assert 1 <= len(rows) <= 4 and 1 <= len(cols) <= 4
        assert zeros[i].sum() == len(rows) * len(cols)             # one axis-aligned rectangle
        assert len(rows) == 4 or rows[0] == 0 or rows[-1] == 7     # clipped only at a border
    assert torch.equal(cut[~zeros[:, None].expand_as(cut)], x[~zeros[:, None].expand_as(x)])


def test_diffaugment_colour_formulas():
    """brightness adds one U(-0.5, 0.5) per image; saturation keeps the channel mean; contrast
    keeps the image mean."""
    x = images()
    brightness, saturation, contrast = POLICIES["color"]
    shift = brightness(x, gen(0)) - x
    assert torch.allclose(shift, shift[:, :1, :1, :1].expand_as(shift), atol=1e-6)
    assert shift.abs().max() <= 0.5
    many = brightness(torch.zeros(4000, 1, 1, 1), gen(1))
    assert many.min() < -0.49 and many.max() > 0.49 and abs(many.mean()) < 0.02
    assert torch.allclose(saturation(x, gen(0)).mean(1), x.mean(1), atol=1e-6)
    assert torch.allclose(contrast(x, gen(0)).mean((1, 2, 3)), x.mean((1, 2, 3)), atol=1e-6)


def _warp(x, g_inv):
    return T.warp(x, g_inv.expand(x.shape[0], 3, 3))


def test_ada_matrices_match_exact_flips_rotations_and_shifts():
    """The pixel-coordinate convention of G_inv: x-flip, quarter turn and integer translation
    resample to exactly torch.flip, torch.rot90 and a shift (reflection only at the border)."""
    x = images(n=2, size=8)
    flip = T.scale_inv(torch.tensor([-1.0]), torch.tensor([1.0]))
    assert torch.allclose(_warp(x, flip), x.flip(3), atol=1e-5)
    quarter = T.rotate_inv(torch.tensor([math.pi / 2]))
    turned = _warp(x, quarter)
    assert (torch.allclose(turned, torch.rot90(x, 1, (2, 3)), atol=1e-5)
            or torch.allclose(turned, torch.rot90(x, -1, (2, 3)), atol=1e-5))
    shift = T.translate_inv(torch.tensor([2.0]), torch.tensor([0.0]))      # content moves right
    moved = _warp(x, shift)
    assert torch.allclose(moved[..., 2:], x[..., :-2], atol=1e-5)
    assert torch.allclose(moved[..., :2], x[..., :2].flip(3), atol=1e-5)   # mirrored, not zeros


@pytest.mark.parametrize("groups,unchanged", [
    # colour at p = 0.2: brightness, contrast, hue, saturation each change an image with
    # probability p; the luma flip with p / 2 (half its draws are "no flip"): 0.8^4 * 0.9
    ("c", 0.8 ** 4 * 0.9),
    # geometric: scale, anisotropy, fractional shift with p, each rotation with
    # p_rot = 1 - sqrt(1 - p): 0.8^3 * (sqrt(0.8))^2
    ("g", 0.8 ** 4),
])
def test_ada_each_transform_is_applied_with_probability_p(groups, unchanged):
    x = images(n=4000, size=4)
    out = resolve("augmentations", "ada", p=0.2, groups=groups).augment(x, gen(0))
    same = (out == x).flatten(1).all(1).float().mean().item()
    assert same == pytest.approx(unchanged, abs=0.03)        # binomial sd ~ 0.008


def test_ada_colour_scales_chroma_by_contrast_and_saturation():
    """Brightness, luma flip and hue rotation keep the chroma (the part of (r, g, b) orthogonal
    to grey) in length; contrast scales it by 2^N(0, 0.5^2), saturation by 2^N(0, 1): at p = 1,
    log2 of the length ratio has sd sqrt(0.25 + 1)."""
    x = images(n=3000, size=1)
    out = resolve("augmentations", "ada", p=1.0, groups="c").augment(x, gen(0))

    def chroma(v):
        return (v - v.mean(1, keepdim=True)).flatten(1).norm(dim=1)

    ratio = torch.log2(chroma(out) / chroma(x))
    assert ratio.std().item() == pytest.approx((0.25 + 1) ** 0.5, rel=0.08)
    assert abs(ratio.mean().item()) < 0.1


def test_ada_one_channel_and_bad_channel_counts():
    aug = resolve("augmentations", "ada", p=1.0)
    grey = images(c=1)
    assert aug.augment(grey, gen(0)).shape == grey.shape
    with pytest.raises(ValueError, match="augmentations.ada"):
        aug.augment(images(c=2), gen(0))


def test_apa_replaces_about_p_of_the_reals():
    real, fake = torch.zeros(4000, 1, 2, 2), torch.ones(4000, 1, 2, 2)
    apa = resolve("augmentations", "apa", p=0.3)
    out, swapped = apa.replace_reals(real, fake, gen(0))
    is_fake = out.flatten(1).eq(1).all(1)
    assert torch.equal(is_fake, swapped)
    assert not torch.equal(out, real)
    # binomial(4000, 0.3): sd = 29 images, so 4 sd is 0.029 of the batch
    assert abs(swapped.float().mean().item() - 0.3) < 0.03
    out, swapped = resolve("augmentations", "apa", p=0.0).replace_reals(real, fake, gen(0))
    assert torch.equal(out, real) and not swapped.any()
    out, swapped = resolve("augmentations", "apa", p=1.0).replace_reals(real, fake, gen(0))
    assert torch.equal(out, fake) and swapped.all()


@pytest.mark.parametrize("name,kwargs,binding", [
    ("ada", {"p": 1.5}, "augmentations.ada.p must be in [0, 1], got 1.5"),
    ("ada", {"target": -0.1}, "augmentations.ada.target"),
    ("ada", {"interval": 0}, "augmentations.ada.interval"),
    ("ada", {"interval": 2.5}, "augmentations.ada.interval"),
    ("ada", {"speed_images": 0}, "augmentations.ada.speed_images"),
    ("ada", {"adaptive": "yes"}, "augmentations.ada.adaptive"),
    ("ada", {"groups": "bx"}, "augmentations.ada.groups"),
    ("ada", {"groups": ""}, "augmentations.ada.groups"),
    ("apa", {"p": -0.5}, "augmentations.apa.p"),
    ("apa", {"speed_images": -1}, "augmentations.apa.speed_images"),
    ("diffaugment", {"policy": "color,zoom"}, "augmentations.diffaugment.policy"),
    ("diffaugment", {"policy": 3}, "augmentations.diffaugment.policy"),
])
def test_bad_arguments_name_the_binding(name, kwargs, binding):
    with pytest.raises(ValueError) as err:
        resolve("augmentations", name, **kwargs)
    assert binding in str(err.value)


def test_unknown_policy_lists_the_valid_ones():
    with pytest.raises(ValueError, match=r"\['color', 'cutout', 'translation'\]"):
        resolve("augmentations", "diffaugment", policy="zoom")
