"""Gradient penalties on a linear discriminator, whose input gradient is its weight vector w;
L2 and AC-GAN terms against hand-computed values."""
import math

import pytest
import torch
from torch import nn

from ganbench.components import resolve
from ganbench.interfaces import Batch


class LinearD(nn.Module):
    """D(x) = <w, x> + b, so grad_x D = w for every input."""

    def __init__(self, w):
        super().__init__()
        self.w = nn.Parameter(w.clone())
        self.b = nn.Parameter(torch.tensor(0.3))
        self.feature_dim = w.numel()

    def features(self, x):
        return x.flatten(1)

    def logits(self, h, y=None):
        return h @ self.w + self.b

    def forward(self, x, y=None):
        return self.logits(self.features(x), y)


W = torch.tensor([3.0, 0.0, 4.0, 0.0])       # ||w|| = 5


def _batch(D, G=None, real_labels=None, fake_labels=None):
    torch.manual_seed(0)
    return Batch(G=G, D=D, real=torch.randn(6, 1, 2, 2), real_labels=real_labels,
                 real_index=torch.arange(6), fake=torch.randn(6, 1, 2, 2), fake_labels=fake_labels)


@pytest.mark.parametrize("name,expected", [
    ("wgan_gp", 2.0 * (5 - 1) ** 2),     # weight * (||w|| - 1)^2
    ("dragan", 2.0 * (5 - 1) ** 2),
    ("r1", 2.0 / 2 * 5 ** 2),            # weight / 2 * ||w||^2
])
def test_penalty_value_on_linear_discriminator(name, expected):
    term = resolve("regularizers", name, weight=2.0)
    D = LinearD(W)
    term.setup(None, D, 0)
    batch = _batch(D)
    assert term.d_term(batch).item() == pytest.approx(expected, rel=1e-5)
    assert term.g_term(batch) is None


@pytest.mark.parametrize("name,grad_of_penalty", [
    # d/dw [weight * (||w|| - 1)^2] = 2 * weight * (||w|| - 1) * w / ||w||
    ("wgan_gp", lambda w: 2 * 2.0 * (w.norm() - 1) * w / w.norm()),
    # d/dw [weight / 2 * ||w||^2] = weight * w
    ("r1", lambda w: 2.0 * w),
])
def test_penalty_gradient_reaches_discriminator_weights(name, grad_of_penalty):
    D = LinearD(W)
    resolve("regularizers", name, weight=2.0).d_term(_batch(D)).backward()
    torch.testing.assert_close(D.w.grad, grad_of_penalty(W))


def test_l2_penalises_weight_matrices_of_the_chosen_side():
    D, G = nn.Linear(2, 2), nn.Linear(1, 3)
    with torch.no_grad():
        D.weight.copy_(torch.tensor([[1.0, 2.0], [0.0, -2.0]]))   # sum of squares 9 (bias ignored)
        G.weight.copy_(torch.tensor([[1.0], [1.0], [1.0]]))        # 3
    batch = _batch(D, G)
    d_only = resolve("regularizers", "l2", weight=0.5)
    assert d_only.d_term(batch).item() == pytest.approx(4.5) and d_only.g_term(batch) is None
    both = resolve("regularizers", "l2", weight=0.5, on="both")
    assert both.g_term(batch).item() == pytest.approx(1.5)
    with pytest.raises(ValueError, match="regularizers.l2.on"):
        resolve("regularizers", "l2", on="discriminator")


def test_acgan_cross_entropy_on_real_and_fake_labels():
    D = LinearD(torch.zeros(2))
    term = resolve("regularizers", "acgan", weight=2.0, g_weight=0.5)
    term.setup(None, D, num_classes=2)
    assert len(list(term.parameters())) == 2          # the head joins D's optimizer
    with torch.no_grad():
        term.head.weight.copy_(torch.eye(2))
        term.head.bias.zero_()
    batch = _batch(D, real_labels=torch.tensor([0]), fake_labels=torch.tensor([[0.5, 0.5]]))
    batch.real_features = torch.tensor([[2.0, 0.0]])
    batch.fake_features = torch.tensor([[1.0, 0.0]])
    # class logits [2, 0], label 0: -log(e^2 / (e^2 + 1)) = log(1 + e^-2)
    assert term.d_term(batch).item() == pytest.approx(2.0 * math.log1p(math.exp(-2)), rel=1e-6)
    # logits [1, 0], soft target (.5, .5): -.5 log p0 - .5 log p1
    p0 = math.exp(1) / (math.exp(1) + 1)
    expected_g = 0.5 * -(0.5 * math.log(p0) + 0.5 * math.log(1 - p0))
    assert term.g_term(batch).item() == pytest.approx(expected_g, rel=1e-6)


def test_acgan_needs_classes():
    with pytest.raises(ValueError, match="unconditional"):
        resolve("regularizers", "acgan").setup(None, LinearD(W), 0)


def test_negative_weight_is_rejected():
    with pytest.raises(ValueError, match="regularizers.r1.weight"):
        resolve("regularizers", "r1", weight=-1.0)


@pytest.mark.parametrize("name,full", [("wgan_gp", 2.0 * (5 - 1) ** 2), ("dragan", 2.0 * (5 - 1) ** 2),
                                       ("r1", 2.0 / 2 * 5 ** 2)])
def test_lazy_penalty_applies_on_one_d_step_in_k_with_k_times_the_weight(name, full):
    term = resolve("regularizers", name, weight=2.0, every=3)
    D = LinearD(W)
    values = [term.d_term(_batch(D)) for _ in range(7)]
    applied = [i for i, v in enumerate(values) if v is not None]
    assert applied == [0, 3, 6]
    for i in applied:
        assert values[i].item() == pytest.approx(3 * full, rel=1e-5)


def test_lazy_penalty_resumes_on_the_same_steps():
    """The D-step count travels in the term's state_dict (the checkpoint's 'terms' entry)."""
    D = LinearD(W)
    uninterrupted = resolve("regularizers", "wgan_gp", every=4)
    due = [uninterrupted.d_term(_batch(D)) is not None for _ in range(10)]
    first = resolve("regularizers", "wgan_gp", every=4)
    before = [first.d_term(_batch(D)) is not None for _ in range(5)]
    resumed = resolve("regularizers", "wgan_gp", every=4)
    resumed.load_state_dict(first.state_dict())
    after = [resumed.d_term(_batch(D)) is not None for _ in range(5)]
    assert before + after == due == [True, False, False, False] * 2 + [True, False]


@pytest.mark.parametrize("every", [0, -2, 1.5])
def test_lazy_interval_must_be_a_positive_integer(every):
    with pytest.raises(ValueError, match=r"regularizers\.r1\.every must be an integer >= 1"):
        resolve("regularizers", "r1", every=every)
