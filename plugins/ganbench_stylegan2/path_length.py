"""StyleGAN2's path-length regularization (Karras et al. 2020, section 3.2), a G-side term."""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ganbench.interfaces import Batch


def path_lengths(G: nn.Module, z: Tensor, labels: Tensor | None) -> Tensor:
    """Per-sample ``||J_w^T y||`` with y ~ N(0, I) / sqrt(H W) in image space, differentiable
    w.r.t. G. J is taken w.r.t. the per-layer ws; as in the official code the length is
    ``sqrt(mean over layers of ||d(g . y)/dw_l||^2)``."""
    ws = G.mapping(z, labels)
    if not ws.requires_grad:          # e.g. a frozen mapping: J is still taken w.r.t. ws
        ws = ws.detach().requires_grad_(True)
    img = G.synthesis(ws)
    y = torch.randn_like(img) / math.sqrt(img.shape[2] * img.shape[3])
    (grad,) = torch.autograd.grad((img * y).sum(), ws, create_graph=True)
    return grad.float().square().sum(dim=2).mean(dim=1).sqrt()


class PathLengthPenalty(nn.Module):
    """``weight * E[(||J_w^T y|| - a)^2]`` added to G's loss; ``a`` is an EMA of the lengths,
    ``a <- a + decay * (mean length - a)`` (a buffer: checkpointed with the term).

    Lazy: computed on one G step in ``every``, with ``every`` times the weight. Each evaluation
    generates ``batch // batch_shrink`` fresh images (z from the global torch RNG, the step's
    fake labels). Defaults are the official code's: weight 2, decay 0.01, every 4, shrink 2.
    The generator must expose ``mapping(z, y) -> ws`` and ``synthesis(ws)`` (``stylegan2`` does).
    """

    def __init__(self, weight: float = 2.0, every: int = 4, decay: float = 0.01,
                 batch_shrink: int = 2) -> None:
        super().__init__()
        if weight < 0:
            raise ValueError(f"regularizers.path_length.weight must be >= 0, got {weight}")
        for name, value in (("every", every), ("batch_shrink", batch_shrink)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"regularizers.path_length.{name} must be an integer >= 1, got {value!r}")
        if not 0.0 < decay <= 1.0:
            raise ValueError(f"regularizers.path_length.decay must be in (0, 1], got {decay}")
        self.weight, self.every, self.decay, self.batch_shrink = weight, every, decay, batch_shrink
        self.register_buffer("pl_mean", torch.zeros([]))
        self.g_steps_seen = 0

    def setup(self, G: nn.Module, D: nn.Module, num_classes: int) -> None:
        if not (callable(getattr(G, "mapping", None)) and callable(getattr(G, "synthesis", None))):
            raise ValueError(f"regularizers.path_length needs a generator with mapping(z, y) and "
                             f"synthesis(ws) (e.g. architectures.stylegan2); {type(G).__name__} has not")

    def d_term(self, batch: Batch) -> Tensor | None:
        return None

    def g_term(self, batch: Batch) -> Tensor | None:
        due = self.g_steps_seen % self.every == 0
        self.g_steps_seen += 1
        if not due or self.weight == 0:
            return None
        return self.weight * self.every * self.penalty(batch)

    def penalty(self, batch: Batch) -> Tensor:
        n = max(1, batch.fake.shape[0] // self.batch_shrink)
        z = torch.randn(n, batch.G.z_dim, device=batch.fake.device)
        labels = None if batch.fake_labels is None else batch.fake_labels[:n]
        lengths = path_lengths(batch.G, z, labels)
        mean = self.pl_mean.lerp(lengths.mean().detach(), self.decay)
        self.pl_mean.copy_(mean)
        return (lengths - mean).square().mean()

    def get_extra_state(self) -> dict:
        return {"g_steps_seen": self.g_steps_seen}

    def set_extra_state(self, state: dict) -> None:
        self.g_steps_seen = int(state["g_steps_seen"])

    def log_values(self) -> dict[str, float]:
        return {"pl_mean": float(self.pl_mean)}

    def extra_repr(self) -> str:
        return f"weight={self.weight}, every={self.every}, decay={self.decay}"
