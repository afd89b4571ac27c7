"""Regularizers: extra loss terms on D (and G), each weighted by its own ``weight``.

Each factory returns a Term (``setup``, ``d_term``, ``g_term``; see ``ganbench.interfaces``).
Terms are ``nn.Module``s so that any head they own (AC-GAN's classifier) joins D's optimizer;
G and D themselves are never stored as submodules, or their parameters would be optimised twice.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganbench.interfaces import Batch

from .conditioning import set_projection


class _Term(nn.Module):
    """Defaults: no setup, contributes nothing to either side."""

    def setup(self, G: nn.Module, D: nn.Module, num_classes: int) -> None:
        pass

    def d_term(self, batch: Batch) -> Tensor | None:
        return None

    def g_term(self, batch: Batch) -> Tensor | None:
        return None

    def extra_repr(self) -> str:
        return f"weight={getattr(self, 'weight', None)}"


def _input_gradient_norms(D: nn.Module, x: Tensor, labels: Tensor | None) -> Tensor:
    """||dD(x, y)/dx|| per sample, differentiable w.r.t. D's parameters (double backprop)."""
    x = x.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(D(x, labels).sum(), x, create_graph=True)
    return grad.flatten(1).norm(dim=1)


def _per_sample_uniform(x: Tensor) -> Tensor:
    return torch.rand((x.shape[0],) + (1,) * (x.dim() - 1), device=x.device, dtype=x.dtype)


def _check_weight(name: str, weight: float, arg: str = "weight") -> None:
    if weight < 0:
        raise ValueError(f"regularizers.{name}.{arg} must be >= 0, got {weight}")


class _GradientPenalty(_Term):
    """A gradient penalty that can be applied lazily: with ``every = k`` it is computed on one
    D step in k, with k times the weight (Karras et al., 2020), which saves most of the cost of
    the double backward. The count of D steps is part of the term's state, so a resumed run
    applies the penalty on the same steps as an uninterrupted one."""

    name = "gradient penalty"

    def __init__(self, weight: float, every: int) -> None:
        super().__init__()
        _check_weight(self.name, weight)
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"regularizers.{self.name}.every must be an integer >= 1, got {every!r}")
        self.weight, self.every = weight, every
        self.d_steps_seen = 0

    def d_term(self, batch: Batch) -> Tensor | None:
        due = self.d_steps_seen % self.every == 0
        self.d_steps_seen += 1
        return self.weight * self.every * self.penalty(batch) if due else None

    def penalty(self, batch: Batch) -> Tensor:
        raise NotImplementedError

    def get_extra_state(self) -> dict:
        return {"d_steps_seen": self.d_steps_seen}

    def set_extra_state(self, state: dict) -> None:
        self.d_steps_seen = int(state["d_steps_seen"])

    def extra_repr(self) -> str:
        return f"weight={self.weight}, every={self.every}"


class WGANGradientPenalty(_GradientPenalty):
    """WGAN-GP: weight * E[(||grad_x D(x_hat)|| - 1)^2], x_hat on random real-fake segments.

    Interpolates are scored with the reals' labels (Gulrajani et al., 2017; weight 10).
    """

    name = "wgan_gp"

    def __init__(self, weight: float = 10.0, every: int = 1) -> None:
        super().__init__(weight, every)

    def penalty(self, batch: Batch) -> Tensor:
        real, fake = batch.real.detach(), batch.fake.detach()
        alpha = _per_sample_uniform(real)
        norms = _input_gradient_norms(batch.D, alpha * real + (1 - alpha) * fake, batch.real_labels)
        return ((norms - 1) ** 2).mean()


class DRAGANPenalty(_GradientPenalty):
    """DRAGAN: weight * E[(||grad_x D(x_hat)|| - 1)^2], x_hat a random perturbation of reals.

    As in Compare GAN: x_hat = x + alpha * scale * std(x) * U[0, 1), alpha ~ U[0, 1) per sample,
    std over the whole batch (Kodali et al., 2017; weight 10, scale 0.5).
    """

    name = "dragan"

    def __init__(self, weight: float = 10.0, scale: float = 0.5, every: int = 1) -> None:
        super().__init__(weight, every)
        self.scale = scale

    def penalty(self, batch: Batch) -> Tensor:
        real = batch.real.detach()
        perturbation = self.scale * real.std() * torch.rand_like(real)
        x_hat = real + _per_sample_uniform(real) * perturbation
        norms = _input_gradient_norms(batch.D, x_hat, batch.real_labels)
        return ((norms - 1) ** 2).mean()


class R1Penalty(_GradientPenalty):
    """R1: zero-centred gradient penalty on reals, weight / 2 * E||grad_x D(x)||^2 (Mescheder et al.)."""

    name = "r1"

    def __init__(self, weight: float = 10.0, every: int = 1) -> None:
        super().__init__(weight, every)

    def penalty(self, batch: Batch) -> Tensor:
        norms = _input_gradient_norms(batch.D, batch.real, batch.real_labels)
        return (norms ** 2).mean() / 2


class L2WeightPenalty(_Term):
    """L2 weight penalty: weight * sum of squared weight matrices/kernels of D and/or G.

    ``on`` is "d", "g" or "both". Biases and 1-D gains are not penalised (as in Compare GAN,
    which penalises kernels only).
    """

    SIDES = ("d", "g", "both")

    def __init__(self, weight: float = 1e-4, on: str = "d") -> None:
        super().__init__()
        _check_weight("l2", weight)
        if on not in self.SIDES:
            raise ValueError(f"regularizers.l2.on must be one of {self.SIDES}, got {on!r}")
        self.weight, self.on = weight, on

    @staticmethod
    def _sum_of_squares(module: nn.Module) -> Tensor:
        return sum((p ** 2).sum() for p in module.parameters() if p.dim() >= 2)

    def d_term(self, batch: Batch) -> Tensor | None:
        return self.weight * self._sum_of_squares(batch.D) if self.on in ("d", "both") else None

    def g_term(self, batch: Batch) -> Tensor | None:
        return self.weight * self._sum_of_squares(batch.G) if self.on in ("g", "both") else None


def batch_features(batch: Batch, side: str) -> Tensor:
    """D~ of the batch's reals or fakes: the features the step already computed, else a new pass
    (``real_features`` is None in the G step)."""
    features = batch.real_features if side == "real" else batch.fake_features
    if features is None:
        features = batch.D.features(batch.real if side == "real" else batch.fake)
    return features


def class_cross_entropy(logits: Tensor, labels: Tensor) -> Tensor:
    """Mean CE of class logits [B, K]; int labels are class ids, float ones probability targets."""
    return F.cross_entropy(logits.float(), labels if labels.dtype == torch.long else labels.float())


def check_projection(name: str, projection: bool) -> None:
    if not isinstance(projection, bool):
        raise ValueError(f"regularizers.{name}.projection must be True or False, got {projection!r}")


class ACGANClassifier(_Term):
    """AC-GAN auxiliary classifier on D~(x): D minimises CE on real labels, G CE on fake labels.

    Owns the linear head (created in ``setup``, optimised with D). ``g_weight`` defaults to
    ``weight``. Soft labels are used as probability targets. ``projection=False`` (AC-GAN's own
    discriminator, Odena et al. 2017) makes D's adversarial score unconditional through
    ``conditioning.set_projection``; True keeps the architecture's projection head as well.
    """

    name = "acgan"

    def __init__(self, weight: float = 1.0, g_weight: float | None = None,
                 projection: bool = False) -> None:
        super().__init__()
        _check_weight(self.name, weight)
        if g_weight is not None:
            _check_weight(self.name, g_weight, "g_weight")
        check_projection(self.name, projection)
        self.weight = weight
        self.g_weight = weight if g_weight is None else g_weight
        self.projection = projection
        self.head: nn.Module | None = None

    def setup(self, G: nn.Module, D: nn.Module, num_classes: int) -> None:
        if num_classes < 1:
            raise ValueError(f"regularizers.{self.name} needs class labels, but the run is "
                             "unconditional (num_classes=0); use a labeler that provides classes "
                             f"or drop {self.name}")
        device = next(D.parameters()).device
        self.head = nn.Linear(D.feature_dim, num_classes).to(device)
        set_projection(D, self.projection, who=f"regularizers.{self.name}.projection")

    def _cross_entropy(self, features: Tensor, labels: Tensor) -> Tensor:
        if self.head is None:
            raise RuntimeError(f"regularizers.{self.name} used before setup(G, D, num_classes)")
        return class_cross_entropy(self.head(features), labels)

    def d_term(self, batch: Batch) -> Tensor | None:
        if batch.real_labels is None:
            return None
        return self.weight * self._cross_entropy(batch_features(batch, "real"), batch.real_labels)

    def g_term(self, batch: Batch) -> Tensor | None:
        if batch.fake_labels is None:
            return None
        return self.g_weight * self._cross_entropy(batch_features(batch, "fake"), batch.fake_labels)

    def extra_repr(self) -> str:
        return f"weight={self.weight}, g_weight={self.g_weight}, projection={self.projection}"
