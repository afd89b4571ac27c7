"""Labelers that infer nothing: ground truth (all or a subset), a single label, random labels."""
from __future__ import annotations

from typing import Any

import torch

from .base import BaseLabeler
from .subsets import RANDOM_LABEL_STREAM, check_fraction


class FullLabels(BaseLabeler):
    """BigGAN (100%): ground-truth labels for every real image, uniform fake-label prior."""

    name = "full"

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "fraction": 1.0}


class LabelledSubsetOnly(BaseLabeler):
    """BigGAN-k%: train only on the labelled k% (ground truth); unlabelled images are dropped."""

    name = "subset"

    def __init__(self, fraction: float = 0.1) -> None:
        super().__init__()
        self.requested_fraction = check_fraction(fraction, where="labelers.subset")

    def prepare(self, dataset: Any, **kwargs: Any) -> None:
        super().prepare(dataset, **kwargs)
        self.choose_labelled(dataset, self.requested_fraction)
        self._train_index = self.labelled_index


class SingleLabel(BaseLabeler):
    """Single label: one label for all images, so G and D are unconditional (num_classes 0)."""

    name = "single"

    def prepare(self, dataset: Any, **kwargs: Any) -> None:
        super().prepare(dataset, **kwargs)
        self.num_classes = 0

    def real_labels(self, index: torch.Tensor, features: torch.Tensor | None) -> None:
        return None

    def sample_fake_labels(self, n: int, generator: torch.Generator) -> None:
        return None


class RandomLabels(BaseLabeler):
    """Random label: each unlabelled real gets a uniformly random class, fixed for the whole run.

    The labelled ``fraction`` keeps its ground truth (0 = every label random). The random labels
    are a function of the seed alone, so a resumed run draws the same ones.
    """

    name = "random"

    def __init__(self, fraction: float = 0.0) -> None:
        super().__init__()
        self.requested_fraction = check_fraction(fraction, where="labelers.random", allow_zero=True)
        self.allow_zero_fraction = True

    def prepare(self, dataset: Any, **kwargs: Any) -> None:
        super().prepare(dataset, **kwargs)
        self.choose_labelled(dataset, self.requested_fraction, allow_zero=True)
        generator = torch.Generator().manual_seed(self.seed + RANDOM_LABEL_STREAM)
        random = torch.randint(self.num_classes, (len(dataset.labels),), generator=generator)
        random = random.to(self.device)
        random[self.labelled_index] = self._labels[self.labelled_index]
        self._labels = random
