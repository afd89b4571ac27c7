"""Mutation survivors of plugins/ganbench_augment/adaptive.py (docs/testing.md): the host-side
"p is exactly 0" flag (it lets ADA skip its work without reading p from the device) and the move of
the controller to the device of what it observes."""
from __future__ import annotations

import pytest
import torch

from ganbench_augment.adaptive import AdaptiveProbability


def controller(p):
    return AdaptiveProbability("augmentations.ada", p, True, 0.6, 1, 100.0)


@pytest.mark.parametrize("p, zero", [(0.0, True), (0.0001, False), (0.5, False), (1.0, False)])
def test_known_zero_is_exactly_p_equal_zero_until_p_moves(p, zero):
    c = controller(p)
    assert c.known_zero is zero
    c.observe(torch.tensor(-8.0), torch.tensor(8.0))        # r_t = -1 < 0.6: p goes down (stays 0)
    assert c.known_zero is False                             # adapted once: no longer known on the host


def test_observe_follows_its_inputs_to_their_device():
    c = controller(0.5)
    c.observe(torch.tensor(8.0, device="meta"), torch.tensor(8.0, device="meta"))
    assert {t.device.type for t in (c.p, c.sign_sum, c.count)} == {"meta"}
