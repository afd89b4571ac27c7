"""Each loss against values computed by hand on fixed logits, both sides."""
import math

import pytest
import torch
import torch.nn.functional as F

from ganbench.components import resolve

REAL = torch.tensor([2.0, -0.5])
FAKE = torch.tensor([0.5, -2.0])


def softplus(t):
    return math.log1p(math.exp(t))


# (name, expected d_loss, expected g_loss), worked out by hand from the formulas.
CASES = [
    # D: mean(relu(1 - [2, -.5])) = mean(0, 1.5) = .75 ; mean(relu(1 + [.5, -2])) = mean(1.5, 0) = .75
    # G: -mean(.5, -2) = .75
    ("hinge", 1.5, 0.75),
    # D: mean(softplus(-2), softplus(.5)) + mean(softplus(.5), softplus(-2)); G: mean(softplus(-.5), softplus(2))
    ("non_saturating", (softplus(-2) + softplus(0.5)), (softplus(-0.5) + softplus(2)) / 2),
    # D: mean(fake) - mean(real) = -.75 - .75 ; G: -mean(fake)
    ("wasserstein", -1.5, 0.75),
    # D: .5 * mean(1^2, 1.5^2) + .5 * mean(.5^2, 2^2) = .8125 + 1.0625 ; G: .5 * mean(.5^2, 3^2)
    ("least_squares", 1.875, 2.3125),
]


@pytest.mark.parametrize("name,d_expected,g_expected", CASES)
def test_loss_values(name, d_expected, g_expected):
    loss = resolve("losses", name)
    assert loss.d_loss(REAL, FAKE).item() == pytest.approx(d_expected, abs=1e-6)
    assert loss.g_loss(FAKE).item() == pytest.approx(g_expected, abs=1e-6)


def test_non_saturating_matches_binary_cross_entropy():
    loss = resolve("losses", "non_saturating")
    real, fake = torch.randn(64) * 5, torch.randn(64) * 5
    bce = F.binary_cross_entropy_with_logits
    d_ref = bce(real, torch.ones(64)) + bce(fake, torch.zeros(64))
    torch.testing.assert_close(loss.d_loss(real, fake), d_ref)
    torch.testing.assert_close(loss.g_loss(fake), bce(fake, torch.ones(64)))


def test_non_saturating_is_finite_for_huge_logits():
    loss = resolve("losses", "non_saturating")
    big = torch.tensor([1e4, -1e4])
    assert torch.isfinite(loss.d_loss(big, big)) and torch.isfinite(loss.g_loss(big))
