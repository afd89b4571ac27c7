"""Adversarial losses on the discriminator's logits (the four of Compare GAN).

Each factory returns an object with ``d_loss(real_logits, fake_logits)`` (minimised by D) and
``g_loss(fake_logits)`` (minimised by G); both return scalars averaged over the batch.
"""
from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor


class Hinge:
    """Hinge loss: D relu(1 - D(x)) + relu(1 + D(G(z))), G -D(G(z))."""

    def d_loss(self, real_logits: Tensor, fake_logits: Tensor) -> Tensor:
        return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()

    def g_loss(self, fake_logits: Tensor) -> Tensor:
        return -fake_logits.mean()


class NonSaturating:
    """Non-saturating (vanilla) GAN loss: sigmoid cross-entropy; G maximises log D(G(z))."""

    def d_loss(self, real_logits: Tensor, fake_logits: Tensor) -> Tensor:
        # -log sigmoid(r) = softplus(-r); -log(1 - sigmoid(f)) = softplus(f): stable for large |logits|.
        return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()

    def g_loss(self, fake_logits: Tensor) -> Tensor:
        return F.softplus(-fake_logits).mean()


class Wasserstein:
    """Wasserstein loss: D E[D(G(z))] - E[D(x)], G -E[D(G(z))] (pair it with wgan_gp)."""

    def d_loss(self, real_logits: Tensor, fake_logits: Tensor) -> Tensor:
        return fake_logits.mean() - real_logits.mean()

    def g_loss(self, fake_logits: Tensor) -> Tensor:
        return -fake_logits.mean()


class LeastSquares:
    """Least-squares GAN loss on raw logits: D (D(x)-1)^2/2 + D(G(z))^2/2, G (D(G(z))-1)^2/2."""

    def d_loss(self, real_logits: Tensor, fake_logits: Tensor) -> Tensor:
        return 0.5 * ((real_logits - 1) ** 2).mean() + 0.5 * (fake_logits ** 2).mean()

    def g_loss(self, fake_logits: Tensor) -> Tensor:
        return 0.5 * ((fake_logits - 1) ** 2).mean()
