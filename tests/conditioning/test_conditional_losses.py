"""TAC-GAN, ContraGAN's 2C and ReACGAN's D2D-CE against values worked out by hand on a tiny batch,
the side each term acts on, gradients into the heads they own, and argument checks.

The batch: three 2-d trunk features, two classes, heads set so that embeddings are the features
themselves and class proxies are the axes:
    f1 = (1, 0)     class 0      proxies v0 = (1, 0), v1 = (0, 1)
    f2 = (0, 1)     class 1      cosines f1.f2 = 0, f1.f3 = 0.6, f2.f3 = 0.8
    f3 = (.6, .8)   class 0      f1.v0 = 1, f2.v1 = 1, f3.v0 = 0.6
"""
from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from ganbench.components import resolve
from ganbench.interfaces import Batch

FEATURES = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]])
LABELS = torch.tensor([0, 1, 0])
e = math.exp


class TrunkD(nn.Module):
    """A conditional D whose trunk is the identity on 2-d inputs (D~(x) = x)."""

    feature_dim, num_classes = 2, 2

    def __init__(self):
        super().__init__()
        self.c = nn.Linear(2, 1)

    def features(self, x):
        return x

    def logits(self, h, y=None):
        return self.c(h).squeeze(1)

    def forward(self, x, y=None):
        return self.logits(self.features(x), y)


def _embedding_term(name, **kwargs):
    term = resolve("regularizers", name, embed_dim=2, **kwargs)
    term.setup(None, TrunkD(), num_classes=2)
    with torch.no_grad():
        term.head.embed.weight.copy_(torch.eye(2))
        term.head.embed.bias.zero_()
        term.head.proxies.weight.copy_(torch.eye(2))    # column c = proxy of class c
    return term


def _batch(real_features, real_labels, fake_features, fake_labels, g_step=False):
    real, fake = real_features.clone(), fake_features.clone()
    return Batch(G=None, D=TrunkD(), real=real, real_labels=real_labels, real_index=torch.arange(len(real)),
                 fake=fake, fake_labels=fake_labels, real_features=None if g_step else real,
                 fake_features=fake)


# ----------------------------------------------------------------------------- 2C
def _contrastive_by_hand(t):
    l1 = -math.log((e(1 / t) + e(0.6 / t)) / (e(1 / t) + e(0) + e(0.6 / t)))     # positive: f3
    l2 = -math.log(e(1 / t) / (e(1 / t) + e(0) + e(0.8 / t)))                    # no positives
    l3 = -math.log((e(0.6 / t) + e(0.6 / t)) / (e(0.6 / t) + e(0.6 / t) + e(0.8 / t)))
    return (l1 + l2 + l3) / 3


@pytest.mark.parametrize("temperature", [1.0, 0.5])
def test_2c_equals_hand_computed_value_on_reals_in_the_d_step(temperature):
    term = _embedding_term("contragan_2c", weight=2.0, temperature=temperature)
    batch = _batch(FEATURES, LABELS, torch.tensor([[1.0, 0.0]] * 3), LABELS)   # fakes differ from reals
    assert term.d_term(batch).item() == pytest.approx(2.0 * _contrastive_by_hand(temperature), rel=1e-5)


def test_2c_g_term_uses_the_fakes_and_g_weight():
    term = _embedding_term("contragan_2c", weight=2.0, g_weight=0.25)
    batch = _batch(torch.zeros(3, 2) + 1, None, FEATURES, LABELS, g_step=True)
    assert term.g_term(batch).item() == pytest.approx(0.25 * _contrastive_by_hand(1.0), rel=1e-5)
    assert term.d_term(batch) is None           # reals without labels: nothing to compare


# ------------------------------------------------------------------------- D2D-CE
def _d2d_by_hand(t, m_p, m_n):
    pos = [min(1 - m_p, 0) / t, min(1 - m_p, 0) / t, min(0.6 - m_p, 0) / t]
    neg = lambda cos: e(max(cos - m_n, 0) / t)
    l1 = -math.log(e(pos[0]) / (e(pos[0]) + neg(0.0)))                 # negatives: f2 (f3 is class 0)
    l2 = -math.log(e(pos[1]) / (e(pos[1]) + neg(0.0) + neg(0.8)))     # negatives: f1, f3
    l3 = -math.log(e(pos[2]) / (e(pos[2]) + neg(0.8)))                 # negatives: f2 (f1 removed)
    return (l1 + l2 + l3) / 3


def test_d2d_ce_equals_hand_computed_value_with_the_paper_defaults():
    term = _embedding_term("d2d_ce")                        # weight 0.5, t 0.5, m_p 0.98, m_n 0.02
    batch = _batch(FEATURES, LABELS, torch.tensor([[0.0, 1.0]] * 3), LABELS)
    assert term.d_term(batch).item() == pytest.approx(0.5 * _d2d_by_hand(0.5, 0.98, 0.02), rel=1e-5)


def test_d2d_ce_margins_and_temperature_are_used():
    term = _embedding_term("d2d_ce", weight=1.0, temperature=0.25, positive_margin=0.7, negative_margin=0.1)
    batch = _batch(torch.ones(3, 2), None, FEATURES, LABELS, g_step=True)
    assert term.g_term(batch).item() == pytest.approx(_d2d_by_hand(0.25, 0.7, 0.1), rel=1e-5)


def test_soft_one_hot_labels_give_the_class_id_values():
    soft = torch.nn.functional.one_hot(LABELS, 2).float()
    for name in ("contragan_2c", "d2d_ce"):
        term = _embedding_term(name)
        hard = term.d_term(_batch(FEATURES, LABELS, FEATURES, LABELS))
        assert term.d_term(_batch(FEATURES, soft, FEATURES, soft)).item() == pytest.approx(hard.item(), rel=1e-6)


# ---------------------------------------------------------------------------- TAC
def _tac():
    term = resolve("regularizers", "tac", weight=2.0, g_weight=0.5, twin_weight=3.0, g_twin_weight=0.25)
    term.setup(None, TrunkD(), num_classes=2)
    with torch.no_grad():
        term.head.weight.copy_(torch.eye(2))
        term.twin_head.weight.copy_(torch.tensor([[0.0, 1.0], [1.0, 0.0]]))   # swaps the features
        term.head.bias.zero_()
        term.twin_head.bias.zero_()
    return term


def test_tac_terms_equal_hand_computed_values():
    term = _tac()
    batch = _batch(torch.tensor([[2.0, 0.0]]), torch.tensor([0]), torch.tensor([[1.0, 0.0]]), torch.tensor([1]))
    # CE(logits (a, b), class 0) = log(1 + e^(b - a)); C(real) = (2, 0), C_mi(fake) = (0, 1), C(fake) = (1, 0)
    expected_d = 2.0 * math.log1p(e(-2)) + 3.0 * math.log1p(e(-1))
    expected_g = 0.5 * math.log1p(e(1)) - 0.25 * math.log1p(e(-1))
    assert term.d_term(batch).item() == pytest.approx(expected_d, rel=1e-6)
    assert term.g_term(batch).item() == pytest.approx(expected_g, rel=1e-6)


def test_tac_sides_without_labels():
    term = _tac()
    real, fake = torch.tensor([[2.0, 0.0]]), torch.tensor([[1.0, 0.0]])
    only_twin = term.d_term(_batch(real, None, fake, torch.tensor([1])))
    assert only_twin.item() == pytest.approx(3.0 * math.log1p(e(-1)), rel=1e-6)
    only_classifier = term.d_term(_batch(real, torch.tensor([0]), fake, None))
    assert only_classifier.item() == pytest.approx(2.0 * math.log1p(e(-2)), rel=1e-6)
    assert term.g_term(_batch(real, None, fake, None)) is None


def test_tac_g_term_pushes_the_twin_classifier_the_other_way():
    term = _tac()
    batch = _batch(torch.tensor([[2.0, 0.0]]), torch.tensor([0]), torch.tensor([[1.0, 0.0]]), torch.tensor([1]))
    term.d_term(batch).backward()
    d_grad = term.twin_head.weight.grad.clone() / 3.0     # gradient of CE(C_mi(fake)) alone
    term.zero_grad()
    term.g_term(batch).backward()
    torch.testing.assert_close(term.twin_head.weight.grad, -0.25 * d_grad)


# ------------------------------------------------------------------- gradients, sides
@pytest.mark.parametrize("name,kwargs", [
    ("contragan_2c", {}),
    ("d2d_ce", dict(positive_margin=1.0, negative_margin=-1.0)),   # no clamp cuts a gradient
])
@pytest.mark.parametrize("side", ["d", "g"])
def test_gradients_reach_the_embedding_head_and_the_features(name, kwargs, side):
    torch.manual_seed(0)
    term = resolve("regularizers", name, embed_dim=3, **kwargs)
    term.setup(None, TrunkD(), num_classes=2)               # random heads, random features
    features = torch.randn(4, 2, requires_grad=True)
    labels = torch.tensor([0, 1, 0, 1])
    batch = _batch(features.detach(), labels, features.detach(), labels)
    if side == "d":
        batch.real_features = features
        term.d_term(batch).backward()
    else:
        batch.fake_features = features
        term.g_term(batch).backward()
    for param in (term.head.embed.weight, term.head.embed.bias, term.head.proxies.weight, features):
        assert param.grad is not None and param.grad.abs().sum() > 0


@pytest.mark.parametrize("name", ["acgan", "tac", "contragan_2c", "d2d_ce"])
def test_g_step_without_real_features_never_reads_the_reals(name):
    term = resolve("regularizers", name)
    term.setup(None, TrunkD(), num_classes=2)
    batch = _batch(FEATURES, LABELS, FEATURES, LABELS, g_step=True)
    batch.real = None             # the G step has reals, but no term may need them there
    assert torch.isfinite(term.g_term(batch))


# --------------------------------------------------------------------- bad arguments
@pytest.mark.parametrize("name,kwargs,binding", [
    ("contragan_2c", dict(temperature=0.0), "regularizers.contragan_2c.temperature"),
    ("contragan_2c", dict(temperature=-1.0), "regularizers.contragan_2c.temperature"),
    ("contragan_2c", dict(embed_dim=0), "regularizers.contragan_2c.embed_dim"),
    ("contragan_2c", dict(embed_dim=2.5), "regularizers.contragan_2c.embed_dim"),
    ("contragan_2c", dict(weight=-1.0), "regularizers.contragan_2c.weight"),
    ("contragan_2c", dict(projection="no"), "regularizers.contragan_2c.projection"),
    ("d2d_ce", dict(temperature=0), "regularizers.d2d_ce.temperature"),
    ("d2d_ce", dict(g_weight=-0.5), "regularizers.d2d_ce.g_weight"),
    ("d2d_ce", dict(positive_margin=1.5), "regularizers.d2d_ce.positive_margin"),
    ("d2d_ce", dict(negative_margin=-2.0), "regularizers.d2d_ce.negative_margin"),
    ("tac", dict(twin_weight=-1.0), "regularizers.tac.twin_weight"),
    ("tac", dict(g_twin_weight=-1.0), "regularizers.tac.g_twin_weight"),
    ("tac", dict(projection=1), "regularizers.tac.projection"),
    ("acgan", dict(g_weight=-1.0), "regularizers.acgan.g_weight"),
])
def test_bad_arguments_raise_value_error_naming_the_binding(name, kwargs, binding):
    with pytest.raises(ValueError, match=binding.replace(".", r"\.")):
        resolve("regularizers", name, **kwargs)


@pytest.mark.parametrize("name", ["tac", "contragan_2c", "d2d_ce"])
def test_unconditional_runs_are_refused(name):
    with pytest.raises(ValueError, match=f"regularizers.{name} needs class labels"):
        resolve("regularizers", name).setup(None, TrunkD(), num_classes=0)


def test_published_defaults():
    tac = resolve("regularizers", "tac")
    assert (tac.weight, tac.g_weight, tac.twin_weight, tac.g_twin_weight) == (1.0, 1.0, 1.0, 1.0)
    assert tac.projection is False
    contra = resolve("regularizers", "contragan_2c")
    assert (contra.weight, contra.temperature, contra.embed_dim, contra.projection) == (1.0, 1.0, 512, False)
    d2d = resolve("regularizers", "d2d_ce")
    assert (d2d.weight, d2d.temperature, d2d.embed_dim, d2d.projection) == (0.5, 0.5, 512, False)
    assert (d2d.positive_margin, d2d.negative_margin) == (0.98, 0.02)


def test_loss_gradients_match_finite_differences():
    # The -inf entries that exclude pairs must leave gradients finite and exact.
    from ganbench_gan.conditional_losses import (conditional_contrastive_loss, data_to_data_cross_entropy,
                                                 same_class_probability)
    torch.manual_seed(1)
    unit = lambda x: torch.nn.functional.normalize(x, dim=1)
    raw = torch.randn(5, 3, dtype=torch.double, requires_grad=True)
    proxy = unit(torch.randn(5, 3, dtype=torch.double))
    same = same_class_probability(torch.tensor([0, 1, 0, 2, 1]), 3).double()
    assert torch.autograd.gradcheck(lambda x: conditional_contrastive_loss(unit(x), proxy, same, 0.5), raw)
    assert torch.autograd.gradcheck(lambda x: data_to_data_cross_entropy(unit(x), proxy, same, 0.5, 0.3, -0.2), raw)
