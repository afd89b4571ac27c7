"""The shared augmentation pieces pinned by hand (plugins/ganbench_augment/ops.py): whole-pixel
shifts with zero or mirror fill, inclusive integer draws, left-right flips, the >= 0 argument
check, and the memory format of the results."""
import pytest
import torch

from ganbench_augment.ops import check_nonnegative, flip_images, integers, shift_images


def _img():
    """A 1x1x3x4 image 0..11 (row-major), every value distinct."""
    return torch.arange(12, dtype=torch.float32).view(1, 1, 3, 4)


def test_shift_down_right_and_up_left_with_zero_fill():
    """dy, dx > 0 move content down/right and < 0 up/left, zeros coming in: the direction of
    DiffAugment's translation and the amount of padding used must both be exact."""
    x = _img().repeat(2, 1, 1, 1)
    out = shift_images(x, torch.tensor([1, -1]), torch.tensor([1, -1]), 1, 1, mode="constant")
    down_right = torch.tensor([[0., 0., 0., 0.],
                               [0., 0., 1., 2.],
                               [0., 4., 5., 6.]])
    up_left = torch.tensor([[5., 6., 7., 0.],
                            [9., 10., 11., 0.],
                            [0., 0., 0., 0.]])
    assert torch.equal(out[0, 0], down_right)
    assert torch.equal(out[1, 0], up_left)


def test_zero_shift_is_identity_with_larger_padding():
    """A zero shift returns the image unchanged whatever max_dy/max_dx padding is used
    (the padding offset must be added back exactly)."""
    x = _img()
    out = shift_images(x, torch.tensor([0]), torch.tensor([0]), 2, 3, mode="constant")
    assert torch.equal(out, x)


def test_shift_rows_only_and_cols_only():
    """Vertical and horizontal shifts are independent: dy moves rows only, dx columns only."""
    x = _img().repeat(2, 1, 1, 1)
    out = shift_images(x, torch.tensor([2, 0]), torch.tensor([0, -2]), 2, 2, mode="constant")
    rows = torch.tensor([[0., 0., 0., 0.], [0., 0., 0., 0.], [0., 1., 2., 3.]])
    cols = torch.tensor([[2., 3., 0., 0.], [6., 7., 0., 0.], [10., 11., 0., 0.]])
    assert torch.equal(out[0, 0], rows)
    assert torch.equal(out[1, 0], cols)


def test_reflect_shift_mirrors_the_border():
    """mode='reflect' (the consistency regularizer's translation) fills with the mirror image
    of the border row/column, not zeros."""
    x = _img()
    out = shift_images(x, torch.tensor([1]), torch.tensor([-1]), 1, 1, mode="reflect")
    expected = torch.tensor([[5., 6., 7., 6.],
                             [1., 2., 3., 2.],
                             [5., 6., 7., 6.]])
    assert torch.equal(out[0, 0], expected)


def test_integers_are_inclusive_on_both_ends():
    """integers(low, high) draws uniformly from [low, high] with both ends reachable and
    nothing outside: translation by up to max pixels must include +max and -max."""
    draws = integers(-2, 2, 2000, torch.Generator().manual_seed(0), "cpu")
    assert draws.dtype == torch.int64
    assert set(draws.tolist()) == {-2, -1, 0, 1, 2}
    counts = torch.bincount(draws + 2)
    assert counts.min() > 300  # each of 5 values ~400 times


def test_integers_degenerate_range_gives_the_single_value():
    """low == high (e.g. a zero translation range) always yields that value."""
    draws = integers(3, 3, 10, torch.Generator().manual_seed(1), "cpu")
    assert torch.equal(draws, torch.full((10,), 3))


def test_integers_use_the_explicit_generator():
    """Same seed gives the same draws, matching torch.randint(low, high + 1) from that generator."""
    a = integers(0, 5, 50, torch.Generator().manual_seed(4), "cpu")
    ref = torch.randint(0, 6, (50,), generator=torch.Generator().manual_seed(4))
    assert torch.equal(a, ref)


def test_check_nonnegative_accepts_zero_refuses_negative():
    """A strength of 0 (regularizer off) is valid; negatives and non-numbers are refused with the
    gin binding named."""
    assert check_nonnegative("cr.weight", 0) == 0.0
    assert check_nonnegative("cr.weight", 0.0) == 0.0
    assert check_nonnegative("cr.weight", 2) == 2.0
    for bad in (-1e-9, -1, True, "1"):
        with pytest.raises(ValueError, match="cr.weight"):
            check_nonnegative("cr.weight", bad)


def test_flip_mirrors_left_right_only_flagged_images():
    """flip_images reverses the width axis (left-right mirror) of flagged images only; rows
    and unflagged images stay as they are."""
    x = torch.arange(12, dtype=torch.float32).view(2, 1, 2, 3)
    out = flip_images(x, torch.tensor([True, False]))
    assert torch.equal(out[0, 0], torch.tensor([[2., 1., 0.], [5., 4., 3.]]))
    assert torch.equal(out[1], x[1])


def test_channels_last_in_channels_last_out():
    """A channels_last batch stays channels_last after a shift (no silent layout change that
    slows conv nets), with the same values as the contiguous path."""
    x = torch.arange(2 * 3 * 4 * 5, dtype=torch.float32).view(2, 3, 4, 5)
    xcl = x.contiguous(memory_format=torch.channels_last)
    dy, dx = torch.tensor([1, -1]), torch.tensor([0, 2])
    out = shift_images(xcl, dy, dx, 1, 2, mode="constant")
    assert out.is_contiguous(memory_format=torch.channels_last)
    assert not out.is_contiguous()
    assert torch.equal(out, shift_images(x, dy, dx, 1, 2, mode="constant"))


def test_contiguous_and_strided_inputs_give_contiguous_out():
    """A contiguous batch, or a non-contiguous view that is not channels_last, comes out in the
    default contiguous format."""
    x = torch.arange(2 * 3 * 4 * 5, dtype=torch.float32).view(2, 3, 4, 5)
    dy, dx = torch.tensor([0, 1]), torch.tensor([1, 0])
    out = shift_images(x, dy, dx, 1, 1, mode="constant")
    assert out.is_contiguous() and not out.is_contiguous(memory_format=torch.channels_last)
    strided = torch.arange(2 * 3 * 4 * 10, dtype=torch.float32).view(2, 3, 4, 10)[..., ::2]
    assert not strided.is_contiguous()
    assert not strided.is_contiguous(memory_format=torch.channels_last)
    out = shift_images(strided, dy, dx, 1, 1, mode="constant")
    assert out.is_contiguous() and not out.is_contiguous(memory_format=torch.channels_last)
