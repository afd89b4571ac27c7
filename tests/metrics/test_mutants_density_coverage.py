"""Kills the survivors of `make mutation --module density_coverage` (docs/testing.md): the shape
checks (each condition alone), at least one generated feature (one is enough), the device the
generated features are moved to, and the strict "inside the k-NN ball" of Naeem et al. (a
generated point exactly on a real point's radius is outside, as in prdc)."""
from __future__ import annotations

import pytest
import torch

from ganbench_metrics.density_coverage import as_double, density_coverage


@pytest.mark.parametrize("real, fake", [
    (torch.zeros(6), torch.zeros(3, 6)),          # real not [N, F]
    (torch.zeros(6, 2), torch.zeros(3)),          # fake not [M, F]
    (torch.zeros(6, 2), torch.zeros(3, 4)),       # different F
])
def test_each_shape_check_alone_raises(real, fake):
    with pytest.raises(ValueError, match="same F"):
        density_coverage(real, fake, k=1)


def test_no_generated_feature_is_refused_and_one_is_enough():
    real = torch.tensor([[0.0], [1.0], [3.0]])
    with pytest.raises(ValueError, match="at least one"):
        density_coverage(real, torch.zeros(0, 1), k=1)
    assert density_coverage(real, torch.tensor([[0.5]]), k=1) == (2.0, 2 / 3)


def test_a_point_on_the_radius_is_outside():
    # k = 1 radii of the reals: 1, 1, 2. The fake at 2 is exactly 1 from the real at 1 (outside
    # its ball) and 1 from the real at 3 (inside its radius 2).
    real = torch.tensor([[0.0], [1.0], [3.0]])
    assert density_coverage(real, torch.tensor([[2.0]]), k=1) == (1.0, 1 / 3)


def test_features_are_moved_to_the_given_device_only():
    x = torch.arange(4.0).reshape(2, 2)
    assert as_double(x).device.type == "cpu" and as_double(x).dtype == torch.float64
    assert as_double(x, torch.device("meta")).device.type == "meta"
