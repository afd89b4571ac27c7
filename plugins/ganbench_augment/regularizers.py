"""Regularizers for limited data: LeCam, and consistency regularization (CR, bCR, zCR).

Terms in the style of ``ganbench_gan.regularizers`` (same ``_Term`` base): each returns an
already weighted scalar. They see what D saw: with an augmentation configured, ``batch.real`` and
``batch.fake`` are the augmented images and ``real_logits``/``fake_logits`` D's outputs on them.
Their own randomness (T's flips and shifts, zCR's latents) comes from the global torch RNG,
which the run checkpoints, as for the gradient penalties.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganbench.interfaces import Batch
from ganbench_gan.regularizers import _check_weight, _Term

from .ops import check_choice, check_nonnegative, check_positive, shift_images


def _logits(D: nn.Module, images: Tensor, labels: Tensor | None, known: Tensor | None) -> Tensor:
    """D's logits on ``images``: the ones the step already computed when there are some."""
    return (known if known is not None else D(images, labels)).float()


# ------------------------------------------------------------------------------- LeCam
class LeCam(_Term):
    """LeCam (Tseng et al., 2021): anchors a_R, a_F are EMAs of E[D(real)] and E[D(fake)].

    ``form="one_sided"`` (the authors' code): E[relu(D(real) - a_F)^2] + E[relu(a_R - D(fake))^2];
    ``form="paper"``: E[(D(real) - a_F)^2] + E[(D(fake) - a_R)^2]. The anchors are updated with
    this step's means before the penalty uses them, and are zero-debiased (EMA / (1 - decay^n)
    after n updates, as the authors' StyleGAN2 code), so the first step's anchors are that step's
    means. Default weight 0.3: the authors' BigGAN CIFAR scripts (``--LC 0.3``). The EMAs and the
    update count are buffers, so a resumed run continues them exactly.
    """

    FORMS = ("one_sided", "paper")

    def __init__(self, weight: float = 0.3, decay: float = 0.99, form: str = "one_sided") -> None:
        super().__init__()
        _check_weight("lecam", weight)
        if not isinstance(decay, (int, float)) or isinstance(decay, bool) or not 0 <= decay < 1:
            raise ValueError(f"regularizers.lecam.decay must be in [0, 1), got {decay!r}")
        self.weight, self.decay = weight, float(decay)
        self.form = check_choice("regularizers.lecam.form", form, self.FORMS)
        self.register_buffer("ema_real", torch.zeros(()))
        self.register_buffer("ema_fake", torch.zeros(()))
        self.register_buffer("updates", torch.zeros(()))

    def anchors(self) -> tuple[Tensor, Tensor]:
        """(a_R, a_F), debiased."""
        debias = 1 - self.decay ** self.updates
        return self.ema_real / debias, self.ema_fake / debias

    def _update(self, real_mean: Tensor, fake_mean: Tensor) -> None:
        for ema, mean in ((self.ema_real, real_mean), (self.ema_fake, fake_mean)):
            ema.mul_(self.decay).add_((1 - self.decay) * mean.to(ema))
        self.updates.add_(1)

    def d_term(self, batch: Batch) -> Tensor:
        real = _logits(batch.D, batch.real, batch.real_labels, batch.real_logits)
        fake = _logits(batch.D, batch.fake, batch.fake_labels, batch.fake_logits)
        self._update(real.detach().mean(), fake.detach().mean())
        a_real, a_fake = self.anchors()
        if self.form == "one_sided":
            penalty = F.relu(real - a_fake).pow(2).mean() + F.relu(a_real - fake).pow(2).mean()
        else:
            penalty = (real - a_fake).pow(2).mean() + (fake - a_real).pow(2).mean()
        return self.weight * penalty

    def extra_repr(self) -> str:
        return f"weight={self.weight}, decay={self.decay}, form={self.form!r}"


# ----------------------------------------------------------------- consistency (CR, bCR)
def consistency_transform(x: Tensor, max_shift_fraction: float = 1 / 8) -> Tensor:
    """CR's T: a left-right flip with probability 1/2 and a shift by a whole number of pixels,
    uniform in [-s, s] per axis with s = floor(size / 8) (4 pixels at 32x32, "a few pixels"),
    mirroring at the borders (as StudioGAN's CR). Draws from the global RNG."""
    b, _, h, w = x.shape
    flip = torch.rand(b, device=x.device) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    max_dy, max_dx = int(h * max_shift_fraction), int(w * max_shift_fraction)
    dy = torch.randint(-max_dy, max_dy + 1, (b,), device=x.device)
    dx = torch.randint(-max_dx, max_dx + 1, (b,), device=x.device)
    return shift_images(x, dy, dx, max_dy, max_dx, mode="reflect")


def consistency_penalty(D: nn.Module, images: Tensor, labels: Tensor | None, logits: Tensor | None) -> Tensor:
    """E[(D(x) - D(T(x)))^2] on D's logits; the gradient flows through both passes."""
    transformed = D(consistency_transform(images.detach()), labels).float()
    return (_logits(D, images, labels, logits) - transformed).pow(2).mean()


class ConsistencyRegularization(_Term):
    """CR (Zhang et al., 2020): weight * E[(D(x) - D(T(x)))^2] on the reals, added to D's loss
    (weight 10 in the paper)."""

    def __init__(self, weight: float = 10.0) -> None:
        super().__init__()
        _check_weight("cr", weight)
        self.weight = weight

    def d_term(self, batch: Batch) -> Tensor:
        return self.weight * consistency_penalty(batch.D, batch.real, batch.real_labels, batch.real_logits)


class BalancedConsistencyRegularization(_Term):
    """bCR (Zhao et al., 2021): CR on the reals and on the fakes, weight_real = weight_fake = 10
    in the paper."""

    def __init__(self, weight_real: float = 10.0, weight_fake: float = 10.0) -> None:
        super().__init__()
        self.weight_real = check_nonnegative("regularizers.bcr.weight_real", weight_real)
        self.weight_fake = check_nonnegative("regularizers.bcr.weight_fake", weight_fake)

    def d_term(self, batch: Batch) -> Tensor:
        real = consistency_penalty(batch.D, batch.real, batch.real_labels, batch.real_logits)
        fake = consistency_penalty(batch.D, batch.fake, batch.fake_labels, batch.fake_logits)
        return self.weight_real * real + self.weight_fake * fake

    def extra_repr(self) -> str:
        return f"weight_real={self.weight_real}, weight_fake={self.weight_fake}"


# ------------------------------------------------------------------------------- zCR
class LatentConsistencyRegularization(_Term):
    """zCR (Zhao et al., 2021): z ~ N(0, I), dz ~ N(0, sigma^2 I), drawn by the term.

    D's loss gets weight_dis * E[(D(G(z)) - D(G(z + dz)))^2] (G without gradient); G's loss gets
    -weight_gen * E||G(z) - G(z + dz)||^2, a reward for G's outputs differing under small latent
    changes. ||.||^2 is the mean over pixels (a sum would scale weight_gen by C*H*W). Paper
    defaults: weight_dis = 5, weight_gen = 0.5, sigma = 0.03. Fakes are generated with
    ``batch.fake_labels`` and, like the fakes of the step, as many as there are.
    """

    def __init__(self, weight_dis: float = 5.0, weight_gen: float = 0.5, sigma: float = 0.03) -> None:
        super().__init__()
        self.weight_dis = check_nonnegative("regularizers.zcr.weight_dis", weight_dis)
        self.weight_gen = check_nonnegative("regularizers.zcr.weight_gen", weight_gen)
        self.sigma = check_positive("regularizers.zcr.sigma", sigma)

    def _latent_pair(self, batch: Batch) -> tuple[Tensor, Tensor]:
        z = torch.randn(batch.fake.shape[0], batch.G.z_dim, device=batch.fake.device)
        return z, z + self.sigma * torch.randn_like(z)

    def d_term(self, batch: Batch) -> Tensor:
        z, z_moved = self._latent_pair(batch)
        with torch.no_grad():
            x, x_moved = batch.G(z, batch.fake_labels), batch.G(z_moved, batch.fake_labels)
        difference = batch.D(x, batch.fake_labels).float() - batch.D(x_moved, batch.fake_labels).float()
        return self.weight_dis * difference.pow(2).mean()

    def g_term(self, batch: Batch) -> Tensor:
        z, z_moved = self._latent_pair(batch)
        x, x_moved = batch.G(z, batch.fake_labels), batch.G(z_moved, batch.fake_labels)
        return -self.weight_gen * (x.float() - x_moved.float()).pow(2).mean()

    def extra_repr(self) -> str:
        return f"weight_dis={self.weight_dis}, weight_gen={self.weight_gen}, sigma={self.sigma}"
