"""Where the gradient penalties evaluate D's input gradient.

test_regularizers.py uses a linear D, whose input gradient is the same everywhere, so it cannot
tell *where* a penalty looks. Here D(x) = s/2 * ||x||^2 per sample: its input gradient is s * x,
so ||grad|| = s * ||x|| identifies the point, and D records every input it is called on.
"""
import pytest
import torch
from torch import nn

from ganbench.components import resolve
from ganbench.interfaces import Batch

S = 1.5          # D's curvature: ||grad_x D(x)|| = S * ||x||
WEIGHT = 2.0


class QuadraticD(nn.Module):
    """D(x, y) = s/2 * ||x||^2 (gradient s * x); records the inputs and labels it is called with."""

    def __init__(self, s=S):
        super().__init__()
        self.s = nn.Parameter(torch.tensor(float(s)))
        self.calls = []

    def forward(self, x, y=None):
        self.calls.append((x.detach().clone(), y))
        return 0.5 * self.s * (x ** 2).flatten(1).sum(1)


def _batch(D):
    """Reals around +2 with std ~3, fakes around -2 with std ~0.1: far apart, different spreads."""
    gen = torch.Generator().manual_seed(7)
    real = 2.0 + 3.0 * torch.randn(5, 2, 3, 3, generator=gen)
    fake = -2.0 + 0.1 * torch.randn(5, 2, 3, 3, generator=gen)
    return Batch(G=None, D=D, real=real, real_labels=torch.tensor([0, 1, 2, 0, 1]),
                 real_index=torch.arange(5), fake=fake, fake_labels=torch.tensor([2, 2, 2, 2, 2]))


def _penalised_point(name, seed=0, **kwargs):
    """Run the penalty once; return (its value, the batch, the one point D was evaluated at, labels)."""
    D = QuadraticD()
    batch = _batch(D)
    term = resolve("regularizers", name, weight=WEIGHT, **kwargs)
    torch.manual_seed(seed)
    value = term.d_term(batch)
    assert len(D.calls) == 1, "one extra D pass per penalty"
    x_hat, labels = D.calls[0]
    return value, batch, x_hat, labels


def _gp(x_hat):
    """E[(||grad D(x_hat)|| - 1)^2] for the quadratic D."""
    return ((S * x_hat.flatten(1).norm(dim=1) - 1) ** 2).mean()


def test_wgan_gp_is_evaluated_on_real_fake_segments_with_one_alpha_per_sample():
    """x_hat - fake = alpha_i * (real - fake), one alpha_i in [0, 1) per sample, alphas differ;
    kills interpolates like alpha*real + alpha*fake, at reals only or fakes only, or per-pixel alpha."""
    value, batch, x_hat, labels = _penalised_point("wgan_gp")
    ratio = (x_hat - batch.fake) / (batch.real - batch.fake)       # real - fake is never ~0 here
    alpha = ratio.flatten(1)[:, 0]
    torch.testing.assert_close(ratio, alpha.view(-1, 1, 1, 1).expand_as(ratio), rtol=1e-4, atol=1e-5)
    assert torch.all(alpha >= 0) and torch.all(alpha < 1)
    assert alpha.max() - alpha.min() > 0.05                         # drawn per sample, not shared
    assert torch.equal(labels, batch.real_labels)                  # interpolates take the reals' labels
    assert value.item() == pytest.approx(WEIGHT * _gp(x_hat).item(), rel=1e-5)


def test_wgan_gp_value_matches_hand_computation_with_the_seeded_alpha():
    """With the global RNG seeded, alpha = torch.rand(B, 1, 1, 1) (the implementation's only draw):
    pins the value, and also the direction of the interpolation (alpha weights the real)."""
    value, batch, _, _ = _penalised_point("wgan_gp", seed=3)
    torch.manual_seed(3)
    alpha = torch.rand(5, 1, 1, 1)
    x_hat = alpha * batch.real + (1 - alpha) * batch.fake
    assert value.item() == pytest.approx(WEIGHT * _gp(x_hat).item(), rel=1e-5)


def test_r1_is_evaluated_on_the_reals_with_their_labels():
    """R1 = weight/2 * E||grad D(real)||^2 = weight/2 * s^2 * E||real||^2; kills R1 on fakes."""
    value, batch, x_hat, labels = _penalised_point("r1")
    assert torch.equal(x_hat, batch.real) and torch.equal(labels, batch.real_labels)
    expected = WEIGHT / 2 * (S ** 2) * (batch.real.flatten(1).norm(dim=1) ** 2).mean()
    assert value.item() == pytest.approx(expected.item(), rel=1e-5)


def test_dragan_perturbs_reals_upwards_by_at_most_scale_times_their_std():
    """x_hat = real + alpha * scale * std(real) * U[0,1): 0 <= x_hat - real < scale * std(real),
    not all zero; kills perturbing fakes, a sign flip, std of the fakes, or no perturbation."""
    value, batch, x_hat, labels = _penalised_point("dragan", scale=0.5)
    delta = x_hat - batch.real
    bound = 0.5 * batch.real.std()
    assert delta.min() >= -1e-5 and delta.max() < bound + 1e-5
    assert delta.max() > 0.1 * bound                               # really perturbed
    assert torch.equal(labels, batch.real_labels)
    assert value.item() == pytest.approx(WEIGHT * _gp(x_hat).item(), rel=1e-5)


def test_dragan_value_matches_hand_computation_with_the_seeded_noise():
    """Reads the implementation's draws: first U = rand_like(real), then alpha = rand(B, 1, 1, 1)."""
    value, batch, _, _ = _penalised_point("dragan", seed=5, scale=0.5)
    torch.manual_seed(5)
    noise = torch.rand_like(batch.real)
    alpha = torch.rand(5, 1, 1, 1)
    x_hat = batch.real + alpha * 0.5 * batch.real.std() * noise
    assert value.item() == pytest.approx(WEIGHT * _gp(x_hat).item(), rel=1e-5)
