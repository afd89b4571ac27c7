"""Mutation survivors of plugins/ganbench_augment/ada.py (docs/testing.md): the paper's defaults,
the shape of APA's "nothing swapped" answer, and the move of p to the images' device."""
from __future__ import annotations

import pytest
import torch

from ganbench_augment.ada import ADA, APA


@pytest.mark.parametrize("make", [ADA, APA])
def test_defaults_are_the_papers(make):
    c = make().controller
    assert (float(c.p), c.adaptive, c.target, c.interval, c.speed_images) == (0.0, True, 0.6, 4, 500_000)
    assert c.known_zero


def test_ada_uses_every_group_by_default():
    assert set(ADA().groups) == set("bgc")


def test_apa_at_p_zero_swaps_none_and_answers_one_flag_per_image():
    real, fake = torch.zeros(5, 3, 4, 4), torch.ones(5, 3, 4, 4)
    out, swapped = APA().replace_reals(real, fake, torch.Generator().manual_seed(0))
    assert out is real and swapped.shape == (5,) and swapped.dtype == torch.bool and not swapped.any()


@pytest.mark.parametrize("make", [lambda: ADA(p=0.5), lambda: APA(p=0.5)], ids=["ada", "apa"])
def test_p_follows_the_images_to_their_device(make):
    """p on the CPU, images on another device (here `meta`, the only other one a CPU machine has):
    the controller moves first, before any arithmetic mixes the two devices."""
    aug = make()
    images, generator = torch.empty(4, 3, 8, 8, device="meta"), torch.Generator().manual_seed(0)
    try:
        if isinstance(aug, APA):
            aug.replace_reals(images, images, generator)
        else:
            aug.augment(images, generator)
    except (RuntimeError, NotImplementedError):
        pass        # a meta tensor has no data to draw or warp: only the move matters here
    assert aug.controller.p.device.type == "meta"
