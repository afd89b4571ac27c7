"""S2GAN-CO: a linear classifier on D's trunk, trained during GAN training, labels the unlabelled reals."""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .base import BaseLabeler, eval_mode, to_unit_range
from .subsets import check_fraction


class CoTrainingLabels(BaseLabeler):
    """S2GAN-CO: labelled reals keep ground truth; unlabelled reals take argmax c_CT(D~(x)), learnt on the fly.

    ``setup`` creates the linear head c_CT on ``D.feature_dim`` (its parameters join D's optimizer).
    ``d_term`` adds ``ce_weight * CE(c_CT(D~(x)), y)`` on the labelled reals of the batch (from
    ``batch.real_features``, so the gradient reaches c_CT and D's trunk only). The label choice for
    unlabelled reals uses detached features: the hinge loss on them does not train c_CT.
    ``soft=True`` gives unlabelled reals the softmax of c_CT and labelled ones one-hot truth.
    """

    name = "s2gan_co"

    def __init__(self, fraction: float = 0.1, ce_weight: float = 1.0, soft: bool = False) -> None:
        super().__init__()
        if not isinstance(ce_weight, (int, float)) or ce_weight <= 0:
            raise ValueError(f"labelers.s2gan_co: ce_weight={ce_weight!r} must be > 0 "
                             "(lambda, the weight of the classifier's cross-entropy)")
        self.requested_fraction = check_fraction(fraction, where="labelers.s2gan_co")
        self.ce_weight = float(ce_weight)
        self.soft = bool(soft)
        self.head: nn.Linear | None = None
        self._D: list[nn.Module] = []   # a list, so D's parameters are not listed as the labeler's

    def prepare(self, dataset: Any, **kwargs: Any) -> None:
        super().prepare(dataset, **kwargs)
        self.choose_labelled(dataset, self.requested_fraction)
        self.is_labelled = torch.zeros(len(dataset.labels), dtype=torch.bool, device=self.device)
        self.is_labelled[self.labelled_index] = True

    def setup(self, G: nn.Module, D: nn.Module, num_classes: int) -> None:
        feature_dim = getattr(D, "feature_dim", None)
        if not isinstance(feature_dim, int):
            raise ValueError("labelers.s2gan_co needs a discriminator with an int `feature_dim` and a "
                             f"`features(x)` trunk; {type(D).__name__} has neither")
        parameter = next(D.parameters())
        self.head = nn.Linear(feature_dim, self.num_classes).to(parameter.device, parameter.dtype)
        self._D = [D]

    def real_labels(self, index: torch.Tensor, features: torch.Tensor | None) -> torch.Tensor:
        self._require_prepared()
        if self.head is None or features is None:
            raise RuntimeError("labelers.s2gan_co labels reals from D~(x): call setup(G, D, num_classes) "
                               "first and pass the batch's features to real_labels")
        labelled = self.is_labelled[index]
        truth = self._labels[index]
        with torch.no_grad():   # the label choice is not trained through (METHODS.md term 3)
            scores = self.head(features.detach()).float()
        if self.soft:
            one_hot = F.one_hot(truth, self.num_classes).float()
            return torch.where(labelled.unsqueeze(1), one_hot, torch.softmax(scores, 1))
        return torch.where(labelled, truth, scores.argmax(1))

    def d_term(self, batch: Any) -> torch.Tensor | None:
        """``ce_weight * CE(c_CT(D~(x)), y)`` over the labelled reals of the batch (None if none)."""
        labelled = self.is_labelled[batch.real_index]
        if not bool(labelled.any()):
            return None
        if batch.real_features is None:
            raise RuntimeError("labelers.s2gan_co.d_term needs batch.real_features (D~ of the reals)")
        logits = self.head(batch.real_features[labelled]).float()
        return self.ce_weight * F.cross_entropy(logits, self._labels[batch.real_index[labelled]])

    def predict(self, images: torch.Tensor) -> torch.Tensor | None:
        """Class logits [N, num_classes] of c_CT(D~(x)) (None before setup)."""
        if self.head is None:
            return None
        D = self._D[0]
        device = next(D.parameters()).device
        with eval_mode(D):
            return torch.cat([self.head(D.features(to_unit_range(images[i:i + 512].to(device)))).float().cpu()
                              for i in range(0, len(images), 512)])

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "ce_weight": self.ce_weight, "soft": self.soft}
