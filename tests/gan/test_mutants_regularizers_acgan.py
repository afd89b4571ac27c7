"""Kills mutants of ``plugins/ganbench_gan/regularizers.py`` left by the other regularizer tests
(`make mutation`, docs/testing.md): which images D~ is recomputed on when the step has no features
(the G step), and AC-GAN's default of an unconditional adversarial score (Odena et al., 2017)."""
from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from ganbench.interfaces import Batch
from ganbench_gan.regularizers import ACGANClassifier, batch_features


class _ScaledD(nn.Module):
    """D~(x) = 2 x (flattened); D(x, y) = sum(D~(x)) + y: a class-conditional score."""

    feature_dim = 2
    num_classes = 2

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 1)      # a parameter, for the head's device

    def features(self, x):
        return 2.0 * x.flatten(1)

    def logits(self, h, y=None):
        return h.sum(dim=1) + (0.0 if y is None else y.float())

    def forward(self, x, y=None):
        return self.logits(self.features(x), y)


def _batch(D, **kw):
    real = torch.tensor([[1.0, 0.0]])
    fake = torch.tensor([[0.0, 3.0]])
    return Batch(G=None, D=D, real=real, real_labels=kw.pop("real_labels", None), real_index=torch.arange(1),
                 fake=fake, fake_labels=kw.pop("fake_labels", None), **kw)


def test_features_recomputed_on_the_side_asked_for():
    # without the step's features, D~ is computed on the reals for "real" and on the fakes for
    # "fake": AC-GAN's G term must classify G's images, not the data
    D = _ScaledD()
    batch = _batch(D)
    assert torch.equal(batch_features(batch, "real"), torch.tensor([[2.0, 0.0]]))
    assert torch.equal(batch_features(batch, "fake"), torch.tensor([[0.0, 6.0]]))
    # the step's own features are used when present
    batch = _batch(D, real_features=torch.tensor([[5.0, 5.0]]), fake_features=torch.tensor([[7.0, 7.0]]))
    assert torch.equal(batch_features(batch, "real"), torch.tensor([[5.0, 5.0]]))
    assert torch.equal(batch_features(batch, "fake"), torch.tensor([[7.0, 7.0]]))


def test_acgan_g_term_classifies_the_fakes_in_the_g_step():
    # G step: no features computed; head = identity, D~(fake) = [0, 6], label 1:
    # CE = -log(e^6 / (1 + e^6)) = log(1 + e^-6) (on the reals, [2, 0], it would be log(1 + e^2))
    D = _ScaledD()
    term = ACGANClassifier()
    term.setup(None, D, num_classes=2)
    with torch.no_grad():
        term.head.weight.copy_(torch.eye(2))
        term.head.bias.zero_()
    batch = _batch(D, fake_labels=torch.tensor([1]))
    assert term.g_term(batch).item() == pytest.approx(math.log1p(math.exp(-6)), rel=1e-4)   # float32


def test_acgan_makes_the_adversarial_score_unconditional_by_default():
    # AC-GAN's discriminator has no class projection: by default D's score ignores y after setup
    x, y = torch.tensor([[1.0, 2.0]]), torch.tensor([1])
    D = _ScaledD()
    term = ACGANClassifier()
    assert term.projection is False
    term.setup(None, D, num_classes=2)
    assert D(x, y).item() == D(x, None).item() == 6.0
    # projection=True keeps the class signal of the architecture's head: 6 + 1
    D = _ScaledD()
    ACGANClassifier(projection=True).setup(None, D, num_classes=2)
    assert D(x, y).item() == 7.0
