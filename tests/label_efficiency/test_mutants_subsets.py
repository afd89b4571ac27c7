"""Kills mutants of ``plugins/ganbench_label_efficiency/subsets.py`` that
tests/label_efficiency/test_subsets_and_simple_labelers.py lets survive (`make mutation`,
docs/testing.md): the labelled subset against a plain re-implementation of its rule
(largest-remainder quotas, ties to the smaller class, a seeded permutation per class on the
subset stream), the fraction bounds, and the index hash."""
from __future__ import annotations

import hashlib
import math

import pytest
import torch

from ganbench_label_efficiency.subsets import (
    RANDOM_LABEL_STREAM,
    SUBSET_STREAM,
    check_fraction,
    index_hash,
    labelled_subset,
)


def reference_subset(labels, fraction, seed):
    classes = sorted(set(labels.tolist()))
    sizes = [int((labels == c).sum()) for c in classes]
    count = round(fraction * len(labels))
    quotas = [s * fraction for s in sizes]
    taken = [math.floor(q) for q in quotas]
    order = sorted(range(len(classes)), key=lambda i: (-(quotas[i] - taken[i]), i))
    for i in order[:count - sum(taken)]:
        taken[i] += 1
    g = torch.Generator().manual_seed(seed + SUBSET_STREAM)
    chosen = []
    for c, quota in zip(classes, taken):
        members = torch.nonzero(labels == c).flatten()
        chosen += members[torch.randperm(len(members), generator=g)[:quota]].tolist()
    return sorted(chosen)


@pytest.mark.parametrize("fraction", [0.05, 0.1, 0.25, 0.5, 0.77, 1.0])
@pytest.mark.parametrize("seed", [0, 3])
def test_matches_the_rule(fraction, seed):
    labels = torch.tensor([0] * 7 + [1] * 5 + [2] * 11 + [3] * 3)
    labels = labels[torch.randperm(len(labels), generator=torch.Generator().manual_seed(1))]
    got = labelled_subset(labels, fraction, seed)
    assert got.dtype == torch.int64
    assert got.tolist() == reference_subset(labels, fraction, seed)
    assert len(got) == round(fraction * len(labels))


def test_stream_constants():
    assert SUBSET_STREAM == 0x5EB5E7
    assert RANDOM_LABEL_STREAM == 0x4A2D0


@pytest.mark.parametrize("classes", [40, 300])
def test_equal_remainders_favour_the_smaller_class_id(classes):
    # every class has 3 images and quota 1.5: half of the classes get a second image, the first half
    labels = torch.arange(classes).repeat_interleave(3)
    got = labelled_subset(labels, 0.5, 0)
    counts = torch.bincount(labels[got], minlength=classes)
    assert counts.tolist() == [2] * (classes // 2) + [1] * (classes - classes // 2)
    assert got.tolist() == reference_subset(labels, 0.5, 0)


def test_fraction_bounds():
    assert check_fraction(1, where="w") == 1.0
    assert check_fraction(0.5, where="w") == 0.5
    assert check_fraction(0, where="w", allow_zero=True) == 0.0
    for bad in (0, -0.1, 1.01, True, "0.5", None):
        with pytest.raises(ValueError, match="w: fraction="):
            check_fraction(bad, where="w")
    for bad in (-0.1, 1.5, False):
        with pytest.raises(ValueError, match="0 <= fraction <= 1"):
            check_fraction(bad, where="w", allow_zero=True)


def test_index_hash_is_order_free_sha256_of_sorted_int64():
    index = torch.tensor([5, 1, 3])
    expected = hashlib.sha256(torch.tensor([1, 3, 5]).long().numpy().tobytes()).hexdigest()[:16]
    assert index_hash(index) == expected == index_hash(torch.tensor([3, 5, 1], dtype=torch.int32))
    assert len(index_hash(index)) == 16


def test_where_and_allow_zero_are_keyword_only():
    with pytest.raises(TypeError):
        check_fraction(0.5, "w")
