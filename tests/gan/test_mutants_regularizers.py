"""Kills mutants of ``plugins/ganbench_gan/regularizers.py`` that the other regularizer tests let
survive (`make mutation`, docs/testing.md): the published default hyper-parameters, the weight
bound (0 allowed) and AC-GAN's class-count check (1 class allowed, 0 refused)."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from ganbench_gan.regularizers import (
    ACGANClassifier,
    DRAGANPenalty,
    L2WeightPenalty,
    R1Penalty,
    WGANGradientPenalty,
)


def test_published_defaults():
    # Gulrajani et al. (WGAN-GP, 10), Kodali et al. (DRAGAN, 10 and scale 0.5), Mescheder et al.
    # (R1, 10), penalty on every D step, AC-GAN weight 1 on both sides, L2 1e-4 on D.
    for cls in (WGANGradientPenalty, DRAGANPenalty, R1Penalty):
        term = cls()
        assert (term.weight, term.every) == (10.0, 1), cls
    assert DRAGANPenalty().scale == 0.5
    acgan = ACGANClassifier()
    assert (acgan.weight, acgan.g_weight) == (1.0, 1.0)
    l2 = L2WeightPenalty()
    assert (l2.weight, l2.on) == (1e-4, "d")


@pytest.mark.parametrize("cls", [WGANGradientPenalty, DRAGANPenalty, R1Penalty, L2WeightPenalty, ACGANClassifier])
def test_weight_zero_is_allowed_and_negative_refused(cls):
    assert cls(weight=0.0).weight == 0.0
    with pytest.raises(ValueError):
        cls(weight=-1e-3)


class _D(nn.Module):
    feature_dim = 3

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 1)


def test_acgan_accepts_one_class_and_refuses_none():
    acgan = ACGANClassifier()
    acgan.setup(None, _D(), num_classes=1)
    assert acgan.head.out_features == 1
    with pytest.raises(ValueError, match="unconditional"):
        ACGANClassifier().setup(None, _D(), num_classes=0)
