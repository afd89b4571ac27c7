"""LeCam, CR, bCR and zCR against values computed by hand on a tiny linear D (and a linear G);
CR's transform T on its own; bad arguments."""
import pytest
import torch
from torch import nn

from ganbench.components import resolve
from ganbench.interfaces import Batch
from ganbench_augment import regularizers


class LinearD(nn.Module):
    """D(x) = <w, x> + b on images [n, 1, 1, 2]: D((a, c)) = w1 * a + w2 * c + b."""

    def __init__(self, w=(3.0, 1.0), b=0.3):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(w))
        self.b = nn.Parameter(torch.tensor(b))

    def forward(self, x, y=None):
        return x.flatten(1) @ self.w + self.b


class LinearG(nn.Module):
    """G(z) = z @ M as an image [n, 1, 1, 2]; remembers the labels it was given."""

    z_dim = 2

    def __init__(self):
        super().__init__()
        self.M = nn.Parameter(torch.tensor([[1.0, 2.0], [0.0, 1.0]]))
        self.labels_seen = []

    def forward(self, z, y=None):
        self.labels_seen.append(y)
        return (z @ self.M).view(-1, 1, 1, 2)


def pixels(*pairs):
    return torch.tensor(pairs, dtype=torch.float32).view(-1, 1, 1, 2)


def batch(real, fake, D=None, G=None, real_logits=None, fake_logits=None, fake_labels=None):
    return Batch(G=G, D=D, real=real, real_labels=None, real_index=torch.arange(2), fake=fake,
                 fake_labels=fake_labels, real_logits=real_logits, fake_logits=fake_logits)


# ---------------------------------------------------------------------------- LeCam
def test_lecam_two_steps_by_hand():
    """decay 0.5. Step 1: logits real (1, 3), fake (-2, 1); the debiased anchors are the means,
    a_R = 2, a_F = -0.5. one-sided = mean(relu(real - a_F)^2) + mean(relu(a_R - fake)^2)
    = (1.5^2 + 3.5^2) / 2 + (4^2 + 1^2) / 2 = 7.25 + 8.5.
    Step 2: real (0, 0), fake (4, 2). Biased EMAs: real 0.5 * 1 + 0.5 * 0 = 0.5 (after step 1:
    0.5 * 2 = 1), fake 0.5 * -0.25 + 0.5 * 3 = 1.375; debiased by 1 - 0.5^2 = 0.75:
    a_R = 2/3, a_F = 11/6. One-sided: relu(0 - 11/6) = 0 and relu(2/3 - 4), relu(2/3 - 2) = 0.
    Paper form: (0 - 11/6)^2 + ((4 - 2/3)^2 + (2 - 2/3)^2) / 2 = 121/36 + (100/9 + 16/9) / 2."""
    one_sided = resolve("regularizers", "lecam", weight=2.0, decay=0.5)
    paper = resolve("regularizers", "lecam", weight=2.0, decay=0.5, form="paper")
    step1 = batch(None, None, real_logits=torch.tensor([1.0, 3.0]), fake_logits=torch.tensor([-2.0, 1.0]))
    step2 = batch(None, None, real_logits=torch.tensor([0.0, 0.0]), fake_logits=torch.tensor([4.0, 2.0]))
    assert one_sided.d_term(step1).item() == pytest.approx(2.0 * (7.25 + 8.5))
    assert paper.d_term(step1).item() == pytest.approx(2.0 * (7.25 + 8.5))
    assert one_sided.d_term(step2).item() == pytest.approx(0.0)
    assert paper.d_term(step2).item() == pytest.approx(2.0 * (121 / 36 + (100 / 9 + 16 / 9) / 2))
    a_real, a_fake = paper.anchors()
    assert (a_real.item(), a_fake.item()) == (pytest.approx(2 / 3), pytest.approx(11 / 6))
    assert one_sided.g_term(step1) is None


def test_lecam_runs_D_when_the_step_has_no_logits_and_its_anchors_are_checkpointed():
    """D = 3a + c + 0.3: reals (1, 0), (0, 1) -> 3.3, 1.3; fakes (0, 0), (1, 1) -> 0.3, 4.3.
    Anchors = means: a_R = 2.3, a_F = 2.3. one-sided: (1^2 + 0) / 2 + (2^2 + 0) / 2 = 2.5."""
    D = LinearD()
    term = resolve("regularizers", "lecam", weight=1.0)
    value = term.d_term(batch(pixels((1, 0), (0, 1)), pixels((0, 0), (1, 1)), D=D))
    assert value.item() == pytest.approx(2.5)
    value.backward()
    assert D.w.grad is not None and D.w.grad.abs().sum() > 0
    copy = resolve("regularizers", "lecam", weight=1.0)
    copy.load_state_dict(term.state_dict())
    assert [t.item() for t in copy.anchors()] == pytest.approx([2.3, 2.3], rel=1e-5)


# ------------------------------------------------------------------------- CR and bCR
@pytest.fixture
def flip_only(monkeypatch):
    """T = left-right flip of every image, so D(x) - D(T(x)) = (w1 - w2) (a - c) = 2 (a - c)."""
    monkeypatch.setattr(regularizers, "consistency_transform", lambda x: x.flip(3))


def test_cr_by_hand(flip_only):
    """reals (1, 0), (0.5, 1.5), (2, 2): differences 2, -2, 0 -> mean square 8/3."""
    D = LinearD()
    real = pixels((1, 0), (0.5, 1.5), (2, 2))
    term = resolve("regularizers", "cr", weight=10.0)
    value = term.d_term(batch(real, pixels((0, 0), (0, 0), (0, 0)), D=D))
    assert value.item() == pytest.approx(10 * 8 / 3)
    assert term.g_term(batch(real, real, D=D)) is None


def test_bcr_by_hand(flip_only):
    """reals as in CR (8/3); fakes (0, 1), (1, 1), (3, 0): differences -2, 0, 6 -> 40/3."""
    D = LinearD()
    term = resolve("regularizers", "bcr", weight_real=10.0, weight_fake=2.0)
    value = term.d_term(batch(pixels((1, 0), (0.5, 1.5), (2, 2)), pixels((0, 1), (1, 1), (3, 0)), D=D))
    assert value.item() == pytest.approx(10 * 8 / 3 + 2 * 40 / 3)


def test_cr_uses_the_logits_of_the_step(flip_only):
    """With real_logits given, D(x) is not recomputed: logits 0 on reals whose flips score
    3 * 0 + 1 + 0.3 = 1.3 and 3 * 1 + 0 + 0.3 = 3.3 -> (1.3^2 + 3.3^2) / 2."""
    term = resolve("regularizers", "cr", weight=1.0)
    value = term.d_term(batch(pixels((1, 0), (0, 1)), None, D=LinearD(), real_logits=torch.zeros(2)))
    assert value.item() == pytest.approx((1.3 ** 2 + 3.3 ** 2) / 2)


def test_consistency_transform_is_a_flip_and_a_small_mirrored_shift():
    """Every output is x, flipped or not, shifted by at most 32 / 8 = 4 pixels per axis with
    mirrored borders; both flips occur; the same global seed gives the same T."""
    from ganbench_augment.ops import shift_images
    torch.manual_seed(0)
    x = torch.rand(24, 1, 32, 32)
    out = regularizers.consistency_transform(x)
    torch.manual_seed(0)
    torch.rand(24, 1, 32, 32)
    assert torch.equal(regularizers.consistency_transform(x), out)
    seen_flips = set()
    for i in range(24):
        found = [(flip, dy, dx) for flip in (False, True) for dy in range(-4, 5) for dx in range(-4, 5)
                 if torch.equal(shift_images((x[i:i + 1].flip(3) if flip else x[i:i + 1]),
                                             torch.tensor([dy]), torch.tensor([dx]), 4, 4, "reflect"),
                                out[i:i + 1])]
        assert len(found) == 1, i
        seen_flips.add(found[0][0])
    assert seen_flips == {False, True}


# ------------------------------------------------------------------------------- zCR
def test_zcr_by_hand(monkeypatch):
    """z = (1, 0), (0, 1); z + dz = (1, 0.1), (0.2, 1). G(z) = z @ [[1, 2], [0, 1]]:
    (1, 2), (0, 1) and (1, 2.1), (0.2, 1.4). D = 3a + c + 0.3: 5.3, 1.3 and 5.4, 2.3, so
    D term = 5 * (0.1^2 + 1^2) / 2; G term = -0.5 * mean of (0, 0.1, 0.2, 0.4)^2 = -0.5 * 0.21 / 4."""
    term = resolve("regularizers", "zcr")
    pair = (torch.tensor([[1.0, 0.0], [0.0, 1.0]]), torch.tensor([[1.0, 0.1], [0.2, 1.0]]))
    monkeypatch.setattr(term, "_latent_pair", lambda batch: pair)
    G, D = LinearG(), LinearD()
    labels = torch.tensor([1, 0])
    b = batch(None, torch.zeros(2, 1, 1, 2), D=D, G=G, fake_labels=labels)
    d_value = term.d_term(b)
    assert d_value.item() == pytest.approx(5 * (0.1 ** 2 + 1.0 ** 2) / 2)
    assert all(y is labels for y in G.labels_seen)
    d_value.backward()
    assert G.M.grad is None and D.w.grad.abs().sum() > 0      # G is not trained by D's term
    g_value = term.g_term(b)
    assert g_value.item() == pytest.approx(-0.5 * (0.1 ** 2 + 0.2 ** 2 + 0.4 ** 2) / 4)
    g_value.backward()
    assert G.M.grad.abs().sum() > 0


def test_zcr_draws_latents_of_the_step_size_with_sigma_noise():
    term = resolve("regularizers", "zcr", sigma=0.03)
    G = LinearG()
    z, moved = term._latent_pair(batch(None, torch.zeros(5000, 1, 1, 2), G=G))
    assert z.shape == moved.shape == (5000, 2)
    assert (moved - z).std().item() == pytest.approx(0.03, rel=0.05)
    assert z.std().item() == pytest.approx(1.0, rel=0.05)


# ----------------------------------------------------------------------- bad arguments
@pytest.mark.parametrize("name,kwargs,binding", [
    ("lecam", {"weight": -1.0}, "regularizers.lecam.weight"),
    ("lecam", {"decay": 1.0}, "regularizers.lecam.decay"),
    ("lecam", {"form": "two_sided"}, "regularizers.lecam.form"),
    ("cr", {"weight": -0.1}, "regularizers.cr.weight"),
    ("bcr", {"weight_real": -1.0}, "regularizers.bcr.weight_real"),
    ("bcr", {"weight_fake": "10"}, "regularizers.bcr.weight_fake"),
    ("zcr", {"weight_dis": -5.0}, "regularizers.zcr.weight_dis"),
    ("zcr", {"weight_gen": -1.0}, "regularizers.zcr.weight_gen"),
    ("zcr", {"sigma": 0.0}, "regularizers.zcr.sigma"),
])
def test_bad_arguments_name_the_binding(name, kwargs, binding):
    with pytest.raises(ValueError, match=binding.replace(".", r"\.")):
        resolve("regularizers", name, **kwargs)
