"""One switch makes D's adversarial score unconditional on every architecture while G stays
conditional (``conditioning.set_projection``); every classifier-based term uses it, AC-GAN included,
and one D step + one G step run through a real architecture with each term."""
from __future__ import annotations

import pytest
import torch

from ganbench.components import resolve
from ganbench.interfaces import Batch
from ganbench_gan.conditioning import set_projection

SMALL = {     # tiny widths at 16x16: the conditioning is the same as at full size
    "dcgan": dict(base_width=4, z_dim=8),
    "sndcgan": dict(base_width=4, z_dim=8),
    "resnet_cifar": dict(base_width=2, z_dim=8),
    "sagan": dict(base_width=2, z_dim=8),
    "biggan": dict(base_width=2, z_dim=60, shared_dim=8),
    "biggan_deep": dict(base_width=4, z_dim=8, shared_dim=8),
    "pggan": dict(base_width=4, max_width=8, z_dim=8, progressive=False),   # its own head, no ProjectionHead
}
TERMS = ["acgan", "tac", "contragan_2c", "d2d_ce"]


def build(name, num_classes=3):
    torch.manual_seed(0)
    return resolve("architectures", name, resolution=16, channels=3, num_classes=num_classes, **SMALL[name])


def _scores(D, x, y):
    D.eval()     # no spectral-norm power iteration between the calls compared
    with torch.no_grad():
        return D(x, y), D.logits(D.features(x), y)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_switching_the_projection_off_makes_d_ignore_labels(name):
    G, D = build(name)
    x = torch.randn(4, 3, 16, 16)
    a, b = torch.tensor([0, 1, 2, 0]), torch.tensor([1, 2, 0, 2])
    assert not torch.allclose(_scores(D, x, a)[0], _scores(D, x, b)[0])      # projection on
    set_projection(D, False, who="test")
    for y in (a, b, torch.full((4, 3), 1 / 3)):
        forward, split = _scores(D, x, y)
        torch.testing.assert_close(forward, _scores(D, x, None)[0])
        torch.testing.assert_close(split, forward)
    assert G.num_classes == 3          # G is untouched: still conditional (its labels enter its norms)


@pytest.mark.parametrize("term_name", TERMS)
def test_each_term_switches_the_projection_off_by_default(term_name):
    _, D = build("dcgan")
    resolve("regularizers", term_name).setup(None, D, 3)
    assert D.head.projection is False


@pytest.mark.parametrize("term_name", TERMS)
def test_projection_true_keeps_it(term_name):
    _, D = build("resnet_cifar")
    resolve("regularizers", term_name, projection=True).setup(None, D, 3)
    assert D.head.projection is True


def test_terms_asking_for_opposite_settings_fail_naming_both():
    _, D = build("dcgan")
    resolve("regularizers", "acgan", projection=True).setup(None, D, 3)
    with pytest.raises(ValueError, match=r"regularizers\.acgan\.projection.*regularizers\.tac\.projection"):
        resolve("regularizers", "tac").setup(None, D, 3)


def test_switching_twice_is_harmless_without_a_projection_head():
    _, D = build("pggan")
    set_projection(D, False, who="regularizers.tac.projection")
    wrapped = D.logits
    set_projection(D, False, who="regularizers.d2d_ce.projection")
    assert D.logits is wrapped


def test_an_unconditional_d_is_left_alone():
    _, D = build("dcgan", num_classes=0)
    set_projection(D, False, who="test")
    assert D.head.projection is True and "logits" not in D.__dict__


@pytest.mark.parametrize("arch", ["dcgan", "pggan"])
@pytest.mark.parametrize("term_name", TERMS)
def test_one_d_step_and_one_g_step_through_a_real_architecture(arch, term_name):
    G, D = build(arch)
    term = resolve("regularizers", term_name, **({} if term_name in ("acgan", "tac") else {"embed_dim": 8}))
    term.setup(G, D, 3)
    real, y_real, y_fake = torch.rand(4, 3, 16, 16) * 2 - 1, torch.tensor([0, 1, 2, 1]), torch.tensor([2, 2, 0, 1])
    fake = G(torch.randn(4, G.z_dim), y_fake)
    h, fake_h = D.features(real), D.features(fake.detach())
    batch = Batch(G, D, real, y_real, torch.arange(4), fake.detach(), y_fake, h, D.logits(h, y_real),
                  fake_h, D.logits(fake_h, y_fake))
    d_loss = term.d_term(batch)
    d_loss.backward()
    assert torch.isfinite(d_loss)
    assert all(p.grad is not None for p in term.parameters())          # every head trains with D
    assert next(G.parameters()).grad is None                            # the D step leaves G alone
    fake_h = D.features(fake)
    g_batch = Batch(G, D, real, y_real, torch.arange(4), fake, y_fake, None, None, fake_h, D.logits(fake_h, y_fake))
    term.g_term(g_batch).backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in G.parameters())
