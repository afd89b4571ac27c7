"""The one function that chooses which real images carry labels.

Every labeler that uses labels (``subset``, ``random``, ``s2gan``, ``s2gan_co``) calls
``labelled_subset`` with the run's seed and fraction, so for a given (dataset, fraction, seed) all
methods see exactly the same labelled images and a table row differs only in its method.
"""
from __future__ import annotations

import math

import torch

from ganbench.subsets import index_hash, stratified_subset  # noqa: F401 (index_hash: re-exported)

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
    if allow_zero and fraction == 0:
        return 0
    of = f" of {dataset}" if dataset else ""
    if total == 0:
        raise LabelFractionError(f"{where}: the training set{of} has no images, so there is nothing to "
                                 "label; check the dataset's path and split")
    count = round(fraction * total)
    classes = int(torch.unique(labels).numel())
    if count >= classes:          # classes >= 1 here, so a count of 0 never passes
        return count
    smallest = math.ceil(classes / total * 1e4) / 1e4
    short = "not one labelled image" if count == 0 else f"fewer than its {classes} classes"
    raise LabelFractionError(
        f"{where}: fraction={fraction!r} of the {total} training images{of} gives {count} labelled "
        f"image(s), {short}; every class needs at least one labelled image (the labelled subset is "
        f"stratified by class). Use {where}.fraction >= {smallest} ({classes} images), or a "
        "dataset with more training images")


def labelled_subset(labels: torch.Tensor, fraction: float, seed: int) -> torch.Tensor:
    """Sorted int64 indices of the labelled images: exactly ``round(fraction * N)`` of them,
    class-stratified (``ganbench.subsets.stratified_subset`` on this module's own random stream)."""
    return stratified_subset(labels, fraction, int(seed) + SUBSET_STREAM)
