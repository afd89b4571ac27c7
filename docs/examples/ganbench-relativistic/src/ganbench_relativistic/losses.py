"""Relativistic average hinge loss (RaHinge; Jolicoeur-Martineau, "The relativistic
discriminator: a key element missing from standard GAN", ICLR 2019).

D judges whether a real image is more realistic than the average fake, and a fake less realistic
than the average real. With C the raw logits, r = C(x_real), f = C(G(z)) and a margin m (1 in the
paper):

    d_loss = E_r[relu(m - (r - mean f))] + E_f[relu(m + (f - mean r))]
    g_loss = E_f[relu(m - (f - mean r))] + E_r[relu(m + (r - mean f))]

G's objective is D's with the roles swapped, so G needs the real logits too: the object sets
``uses_real_logits_for_g = True`` and the training loop then calls
``g_loss(fake_logits, real_logits=...)``.
"""
from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor


def relativistic_average_hinge(favoured: Tensor, other: Tensor, margin: float = 1.0) -> Tensor:
    """Hinge loss pushing every ``favoured`` logit ``margin`` above the mean ``other`` logit and
    every ``other`` logit ``margin`` below the mean ``favoured`` logit."""
    above = F.relu(margin - (favoured - other.mean())).mean()
    below = F.relu(margin + (other - favoured.mean())).mean()
    return above + below


class RelativisticHinge:
    """Relativistic average hinge loss (RaHinge): D and G compare real against average fake logits."""

    uses_real_logits_for_g = True

    def __init__(self, margin: float = 1.0) -> None:
        if not margin > 0:
            raise ValueError(f"losses.relativistic_hinge.margin must be > 0, got {margin!r}")
        self.margin = float(margin)

    def d_loss(self, real_logits: Tensor, fake_logits: Tensor) -> Tensor:
        return relativistic_average_hinge(real_logits, fake_logits, self.margin)

    def g_loss(self, fake_logits: Tensor, real_logits: Tensor | None = None) -> Tensor:
        if real_logits is None:
            raise ValueError("losses.relativistic_hinge needs the real logits in the generator "
                             "step: call g_loss(fake_logits, real_logits=D(real)); ganbench's "
                             "training loop does so because uses_real_logits_for_g is True")
        return relativistic_average_hinge(fake_logits, real_logits, self.margin)
