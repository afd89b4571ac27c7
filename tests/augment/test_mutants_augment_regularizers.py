"""The augment regularizers' paper defaults, LeCam's decay bounds, the full range of CR's
transform T (flip with probability 1/2, shifts of size / 8 both ways) and zCR's z + sigma * noise."""
import inspect
from types import SimpleNamespace

import pytest
import torch

from ganbench.components import resolve
from ganbench_augment import regularizers


def test_paper_defaults():
    assert resolve("regularizers", "cr").weight == 10.0
    bcr = resolve("regularizers", "bcr")
    assert (bcr.weight_real, bcr.weight_fake) == (10.0, 10.0)
    zcr = resolve("regularizers", "zcr")
    assert (zcr.weight_dis, zcr.weight_gen, zcr.sigma) == (5.0, 0.5, 0.03)
    lecam = resolve("regularizers", "lecam")
    assert (lecam.weight, lecam.decay, lecam.form) == (0.3, 0.99, "one_sided")


def test_lecam_decay_is_in_zero_to_one_half_open():
    assert resolve("regularizers", "lecam", decay=0).decay == 0.0
    assert resolve("regularizers", "lecam", decay=0.5).decay == 0.5
    for bad in (-0.5, 1, False, "0.5"):
        with pytest.raises(ValueError, match=r"regularizers\.lecam\.decay must be in \[0, 1\)"):
            resolve("regularizers", "lecam", decay=bad)


def test_consistency_transform_flips_half_and_shifts_both_ways_by_size_over_8():
    """At 16 x 35 (shift bounds 2 and 4: 35 / 8 = 4.375, also 35 / 7 = 5 and 35 / 9 = 3.9 differ)
    every shift in [-2, 2] x [-4, 4] and both flips occur, flips about half the time."""
    assert inspect.signature(regularizers.consistency_transform).parameters["max_shift_fraction"].default == 1 / 8
    h, w, n = 16, 35, 600
    x = (torch.arange(h * w, dtype=torch.float32).view(1, 1, h, w) + 1).repeat(n, 1, 1, 1)
    torch.manual_seed(0)
    out = regularizers.consistency_transform(x)
    r0, c0 = h // 2, w // 2               # far from the borders: no mirrored copies of these
    dys, dxs, flips = set(), set(), 0
    for i in range(n):
        (r, c), = (out[i, 0] == x[0, 0, r0, c0]).nonzero().tolist()
        (_, c_next), = (out[i, 0] == x[0, 0, r0, c0 + 1]).nonzero().tolist()
        flipped = c_next < c
        flips += flipped
        dys.add(r - r0)
        dxs.add(c - (w - 1 - c0 if flipped else c0))
    assert dys == set(range(-2, 3))
    assert dxs == set(range(-4, 5))
    assert 0.4 < flips / n < 0.6


def test_zcr_moves_z_by_plus_sigma_times_normal_noise():
    term = resolve("regularizers", "zcr", sigma=0.25)
    batch = SimpleNamespace(fake=torch.zeros(6, 1, 2, 2), G=SimpleNamespace(z_dim=3))
    torch.manual_seed(3)
    z, moved = term._latent_pair(batch)
    torch.manual_seed(3)
    expected_z = torch.randn(6, 3)
    noise = torch.randn(6, 3)
    assert torch.equal(z, expected_z)
    assert torch.allclose(moved, expected_z + 0.25 * noise)
