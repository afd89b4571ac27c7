"""Class-stratified subsets of a dataset: the one implementation behind the labelled subset of the
label-efficiency labelers and the training subset of ``Experiment.train_images``.

A subset is a pure function of (labels, size, seed), so every method of a study at a given seed
sees exactly the same images, and a run can prove it did (``index_hash``).
"""
from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - torch is imported where it is used: validation needs none
    import torch

# Keeps the random stream of the training subset apart from the model's seed and from the
# label-efficiency labelers' streams (ganbench_label_efficiency.subsets).
TRAIN_SUBSET_STREAM = 0x7A1D5E7


def stratified_subset(labels: torch.Tensor, fraction: float, seed: int) -> torch.Tensor:
    """Sorted int64 indices of exactly ``round(fraction * N)`` images, class-stratified.

    Each class gets ``fraction * n_class`` images, rounded by the largest-remainder method (ties
    go to the smaller class id) so the total is exact. Within a class the images are the first
    ones of a permutation drawn from ``seed``, so a larger fraction's subset contains a smaller
    one's except where the rounding moves one image between classes.
    """
    import torch
    labels = labels.detach().cpu().long()
    count = round(fraction * len(labels))
    classes, sizes = torch.unique(labels, return_counts=True)
    quotas = sizes.double() * fraction
    taken = torch.floor(quotas).long()
    # Largest remainder; stable sort so equal remainders favour the smaller class id.
    order = torch.sort(quotas - taken.double(), descending=True, stable=True).indices
    shortfall = count - int(taken.sum())
    taken[order[:shortfall]] += 1
    generator = torch.Generator().manual_seed(int(seed))
    chosen = []
    for cls, quota in zip(classes.tolist(), taken.tolist()):
        members = torch.nonzero(labels == cls).flatten()
        chosen.append(members[torch.randperm(len(members), generator=generator)[:quota]])
    return torch.sort(torch.cat(chosen)).values


def index_hash(index: torch.Tensor) -> str:
    """Short hash of a set of indices (order-free), recorded so runs can prove they shared one."""
    import torch
    values = torch.sort(index.detach().cpu().long()).values.numpy().tobytes()
    return hashlib.sha256(values).hexdigest()[:16]


def check_subset_request(size: int | float, where: str = "Experiment.train_images") -> None:
    """A subset size must be a number of images (int >= 1) or a fraction (float in (0, 1])."""
    if isinstance(size, bool) or not isinstance(size, (int, float)):
        raise ValueError(f"{where} = {size!r}: expected a number of images (int) or a fraction "
                         "(float in (0, 1]), or None for the whole training set")
    if isinstance(size, float) and not 0 < size <= 1:
        raise ValueError(f"{where} = {size!r}: a fraction must be in (0, 1]; give an int for a "
                         "number of images")
    if isinstance(size, int) and size < 1:
        raise ValueError(f"{where} = {size!r}: a number of images must be >= 1")


def subset_size(size: int | float, total: int, *, where: str = "Experiment.train_images") -> int:
    """The number of images ``size`` asks for out of ``total``: an int k (1 <= k <= total) or a
    fraction in (0, 1]. Anything else is a ValueError saying how to fix it."""
    check_subset_request(size, where)
    count = round(size * total) if isinstance(size, float) else size
    if not 1 <= count <= total:
        raise ValueError(f"{where} = {size!r} asks for {count} training images but the training set "
                         f"has {total}; use at most {total} (or None for all of them)")
    return count


class DatasetSubset:
    """The images of ``dataset`` at ``index``, as an ``ImageDataset`` of its own: what a run with
    ``Experiment.train_images`` trains on (and its labeler prepares on). Its cache key names the
    subset, so anything cached from it (a labeler's pre-training) is never mixed up with the
    whole set's."""

    def __init__(self, dataset, index: "torch.Tensor") -> None:
        self.base, self.index = dataset, index
        self.name, self.split = dataset.name, dataset.split
        self.images, self.labels = dataset.images[index], dataset.labels[index]
        self.num_classes, self.class_names = dataset.num_classes, list(dataset.class_names)

    def __len__(self) -> int:
        return len(self.labels)

    def cache_key(self) -> str:
        return f"{self.base.cache_key()}-subset{len(self.index)}-{index_hash(self.index)}"

    def describe(self) -> dict:
        """What ``data.json`` records of the subset: its size, the whole set's, and its hash."""
        return {"images": len(self.index), "of": len(self.base.labels), "index_hash": index_hash(self.index)}


def training_subset(dataset, size: int | float | None, seed: int):
    """``dataset`` itself (``size`` None or the whole set) or its class-stratified subset of
    ``size`` images drawn from ``seed``: every method of a study sees the same images at a seed."""
    if size is None:
        return dataset
    count = subset_size(size, len(dataset.labels))
    if count == len(dataset.labels):
        return dataset
    return DatasetSubset(dataset, stratified_subset(dataset.labels, count / len(dataset.labels),
                                                    seed + TRAIN_SUBSET_STREAM))
