"""What every labeler shares: dataset checks, the Term no-ops, uniform fake labels, describe()."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

import torch
from torch import nn

from .subsets import check_fraction, check_labelled_count, index_hash, labelled_subset


def check_dataset(dataset: Any, where: str) -> None:
    """Fail early, naming the missing piece, when ``dataset`` is not an ImageDataset."""
    missing = [a for a in ("images", "labels", "num_classes", "cache_key") if not hasattr(dataset, a)]
    if missing:
        raise ValueError(f"{where}.prepare got {type(dataset).__name__}, which lacks "
                         f"{', '.join(missing)}; pass a ganbench ImageDataset (uint8 images, int64 "
                         "labels, num_classes, cache_key())")
    if dataset.images.dtype != torch.uint8 or dataset.images.dim() != 4:
        raise ValueError(f"{where}.prepare: dataset images must be uint8 [N, C, H, W], got "
                         f"{tuple(dataset.images.shape)} {dataset.images.dtype}")
    if len(dataset.labels) != len(dataset.images):
        raise ValueError(f"{where}.prepare: dataset has {len(dataset.images)} images but "
                         f"{len(dataset.labels)} labels")


def to_unit_range(images: torch.Tensor) -> torch.Tensor:
    """uint8 [0, 255] -> float [-1, 1], the range G produces and D is trained on."""
    return images.float() / 127.5 - 1.0


@contextmanager
def eval_mode(module: nn.Module) -> Iterator[None]:
    """Evaluate without touching training state (BN statistics, spectral-norm power iterations)."""
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        module.train(was_training)


def hold_unregistered(owner: nn.Module, name: str, module: nn.Module | None) -> None:
    """Keep a reference to ``module`` without making it a child of ``owner``.

    The loop adds ``labeler.parameters()`` to D's optimizer; a frozen pre-trained network or D
    itself must not be among them (D's parameters would be optimised twice).
    """
    object.__setattr__(owner, name, module)


class BaseLabeler(nn.Module):
    """Ground-truth labels for the images in ``train_index``, uniform fake labels, no terms."""

    name = "base"
    cluster_labels = False

    def __init__(self) -> None:
        super().__init__()
        self.num_classes = 0
        self.seed: int | None = None
        self.dataset_key = ""
        self._train_index: torch.Tensor | None = None
        self._labels: torch.Tensor | None = None       # per training image, on the device
        self.labelled_index: torch.Tensor | None = None
        self.fraction: float | None = None
        self.requested_fraction: float | None = None   # labelers that use a labelled subset set it
        self.allow_zero_fraction = False

    # -- Labeler
    def prepare(self, dataset: Any, *, seed: int, cache_dir: str | None = None,
                device: torch.device | str = "cpu") -> None:
        check_dataset(dataset, self.name)
        self.seed = int(seed)
        self.cache_dir = cache_dir
        self.device = torch.device(device)
        self.dataset_key = dataset.cache_key()
        self.num_classes = int(dataset.num_classes)
        self._labels = dataset.labels.long().to(self.device)
        self._train_index = torch.arange(len(dataset.labels), device=self.device)

    def check_data(self, train: Any, test: Any = None) -> None:
        """Before training (study validation, ``prepare``): a labelled fraction must leave at
        least one labelled image per class (LabelFractionError with the numbers otherwise)."""
        if self.requested_fraction is not None:
            check_labelled_count(train.labels, self.requested_fraction, where=f"labelers.{self.name}",
                                 dataset=train.cache_key(), allow_zero=self.allow_zero_fraction)

    def choose_labelled(self, dataset: Any, fraction: float, allow_zero: bool = False) -> None:
        """Pick the labelled subset with the shared function and remember it."""
        self.fraction = check_fraction(fraction, where=f"labelers.{self.name}", allow_zero=allow_zero)
        check_labelled_count(dataset.labels, self.fraction, where=f"labelers.{self.name}",
                             dataset=dataset.cache_key(), allow_zero=allow_zero)
        self.labelled_index = labelled_subset(dataset.labels, self.fraction, self.seed).to(self.device)

    def train_index(self) -> torch.Tensor:
        self._require_prepared()
        return self._train_index

    def real_labels(self, index: torch.Tensor, features: torch.Tensor | None) -> torch.Tensor | None:
        self._require_prepared()
        return self._labels[index]

    def sample_fake_labels(self, n: int, generator: torch.Generator) -> torch.Tensor | None:
        return torch.randint(self.num_classes, (n,), generator=generator, device=generator.device)

    def predict(self, images: torch.Tensor) -> torch.Tensor | None:
        return None

    # -- Term
    def setup(self, G: nn.Module, D: nn.Module, num_classes: int) -> None:
        return None

    def d_term(self, batch: Any) -> torch.Tensor | None:
        return None

    def g_term(self, batch: Any) -> torch.Tensor | None:
        return None

    # -- records
    def describe(self) -> dict[str, Any]:
        """JSON-able facts for the run directory."""
        facts: dict[str, Any] = {"labeler": self.name, "num_classes": self.num_classes,
                                 "seed": self.seed, "dataset": self.dataset_key,
                                 "train_images": None if self._train_index is None else len(self._train_index)}
        if self.labelled_index is not None:
            facts.update(fraction=self.fraction, labelled_count=len(self.labelled_index),
                         labelled_hash=index_hash(self.labelled_index))
        return facts

    def _require_prepared(self) -> None:
        if self._train_index is None:
            raise RuntimeError(f"labelers.{self.name}: call prepare(dataset, seed=..., cache_dir=..., "
                               "device=...) before asking for indices or labels")
