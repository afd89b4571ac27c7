"""The one function that chooses which real images carry labels.

Every labeler that uses labels (``subset``, ``random``, ``s2gan``, ``s2gan_co``) calls
``labelled_subset`` with the run's seed and fraction, so for a given (dataset, fraction, seed) all
methods see exactly the same labelled images and a table row differs only in its method.
"""
from __future__ import annotations

import hashlib
import math

import torch

# Offsets keep the random streams of the subset choice and of random labels apart from each other
# (and from the model's own seed), while staying a pure function of the run's seed.
SUBSET_STREAM = 0x5EB5E7
RANDOM_LABEL_STREAM = 0x4A2D0


def check_fraction(fraction: float, *, where: str, allow_zero: bool = False) -> float:
    """Validate a label fraction, naming the labeler that received it."""
    is_number = isinstance(fraction, (int, float)) and not isinstance(fraction, bool)
    if not is_number or not ((fraction >= 0 if allow_zero else fraction > 0) and fraction <= 1):
        bound = "0 <= fraction <= 1" if allow_zero else "0 < fraction <= 1"
        raise ValueError(f"{where}: fraction={fraction!r} is not a label fraction; "
                         f"bind {where}.fraction to a number with {bound} (0.1 = 10% labelled)")
    return float(fraction)


class LabelFractionError(ValueError):
    """A label fraction that leaves fewer labelled images than the dataset has classes."""


def check_labelled_count(labels: torch.Tensor, fraction: float, *, where: str, dataset: str = "",
                         allow_zero: bool = False) -> int:
    """The number of labelled images ``fraction`` gives (``round(fraction * N)``), or
    LabelFractionError when that is fewer than the classes present (or none): the stratified
    subset could not give every class a labelled image, and methods that learn a classifier from
    it (S2GAN) have nothing to learn from. ``allow_zero``: fraction 0 (no labels) is meant."""
    total = len(labels)
    count = round(fraction * total)
    classes = int(torch.unique(labels).numel()) if total else 0
    if allow_zero and fraction == 0:
        return 0
    if count >= max(classes, 1):
        return count
    smallest = math.ceil(classes / total * 1e4) / 1e4 if total else None
    of = f" of {dataset}" if dataset else ""
    short = "not one labelled image" if count == 0 else f"fewer than its {classes} classes"
    raise LabelFractionError(
        f"{where}: fraction={fraction!r} of the {total} training images{of} gives {count} labelled "
        f"image(s), {short}; every class needs at least one labelled image (the labelled subset is "
        f"stratified by class). Use {where}.fraction >= {smallest} ({classes} images), or a "
        "dataset with more training images")


def labelled_subset(labels: torch.Tensor, fraction: float, seed: int) -> torch.Tensor:
    """Sorted int64 indices of the labelled images: exactly ``round(fraction * N)`` of them,
    class-stratified.

    Stratified: each class gets ``fraction * n_class`` images, rounded by the largest-remainder
    method (ties go to the smaller class id) so the total is exactly ``round(fraction * N)``.
    Within a class the images are the first ones of a seeded permutation, so a larger fraction's
    subset contains a smaller one's except where the rounding moves one image between classes.
    """
    labels = labels.detach().cpu().long()
    total = len(labels)
    count = round(fraction * total)
    classes, sizes = torch.unique(labels, return_counts=True)
    quotas = sizes.double() * fraction
    taken = torch.floor(quotas).long()
    # Largest remainder; stable sort so equal remainders favour the smaller class id.
    order = torch.sort(quotas - taken.double(), descending=True, stable=True).indices
    shortfall = count - int(taken.sum())
    taken[order[:shortfall]] += 1
    generator = torch.Generator().manual_seed(int(seed) + SUBSET_STREAM)
    chosen = []
    for cls, quota in zip(classes.tolist(), taken.tolist()):
        members = torch.nonzero(labels == cls).flatten()
        chosen.append(members[torch.randperm(len(members), generator=generator)[:quota]])
    return torch.sort(torch.cat(chosen)).values


def index_hash(index: torch.Tensor) -> str:
    """Short hash of a set of indices (order-free), recorded so runs can prove they shared one."""
    values = torch.sort(index.detach().cpu().long()).values.numpy().tobytes()
    return hashlib.sha256(values).hexdigest()[:16]
