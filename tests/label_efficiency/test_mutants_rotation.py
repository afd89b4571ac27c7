"""Kills mutants of ``plugins/ganbench_label_efficiency/rotation.py`` that
tests/label_efficiency/test_rotation_ss.py lets survive (`make mutation`, docs/testing.md):
non-square images, Compare GAN's default weights, the rotated_fraction bounds and how many
images are rotated."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from ganbench_label_efficiency.rotation import RotationSelfSupervision, four_rotations


def test_non_square_images_are_refused_with_their_size():
    with pytest.raises(ValueError, match=r"got \(4, 6\)$"):
        four_rotations(torch.zeros(2, 1, 4, 6))
    with pytest.raises(ValueError, match=r"got \(6, 4\)$"):
        four_rotations(torch.zeros(2, 1, 6, 4))


def test_compare_gan_defaults():
    ss = RotationSelfSupervision()
    assert (ss.d_weight, ss.g_weight, ss.rotated_fraction) == (1.0, 0.2, 0.25)


def test_rotated_fraction_bounds():
    assert RotationSelfSupervision(rotated_fraction=1).rotated_fraction == 1.0
    for bad in (0, 1.5, 2, -0.5):
        with pytest.raises(ValueError, match="rotated_fraction"):
            RotationSelfSupervision(rotated_fraction=bad)


class CountingD(nn.Module):
    feature_dim = 4

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(()))
        self.rows = []

    def features(self, x):
        self.rows.append(len(x))
        return self.scale * x.flatten(1)


@pytest.mark.parametrize("fraction, images, rotated", [(0.5, 8, 4), (0.25, 8, 2), (1.0, 3, 3), (0.1, 4, 1)])
def test_the_first_fraction_of_the_batch_is_rotated_at_least_one(fraction, images, rotated):
    D = CountingD()
    ss = RotationSelfSupervision(rotated_fraction=fraction)
    ss.setup(None, D, 0)
    loss = ss.rotation_loss(torch.randn(images, 1, 2, 2))
    assert D.rows == [4 * rotated]
    assert torch.isfinite(loss)
