"""PGGAN's drift term: keeps the critic's outputs on reals near zero under the Wasserstein loss."""
from __future__ import annotations

from torch import Tensor, nn

from ganbench.interfaces import Batch


class Drift(nn.Module):
    """Drift penalty eps_drift * E[D(x_real)^2] on D (PGGAN's companion to WGAN-GP).

    Without it a Wasserstein critic's outputs can drift far from zero, since the loss only
    sees differences between real and fake scores. It reads ``batch.real_logits`` (no extra
    D pass) and adds nothing to G's loss.
    """

    def __init__(self, eps_drift: float = 0.001) -> None:
        super().__init__()
        if eps_drift < 0:
            raise ValueError(f"regularizers.drift: eps_drift must be >= 0, got {eps_drift}")
        self.eps_drift = eps_drift

    def setup(self, G: nn.Module, D: nn.Module, num_classes: int) -> None:
        """Nothing to build: the term has no parameters."""

    def d_term(self, batch: Batch) -> Tensor:
        if batch.real_logits is None:
            raise ValueError("regularizers.drift needs batch.real_logits (D's scores on the real "
                             "batch), but the training step did not fill them in")
        return self.eps_drift * batch.real_logits.float().pow(2).mean()

    def g_term(self, batch: Batch) -> None:
        return None
