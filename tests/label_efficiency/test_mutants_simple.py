"""Kills mutants of ``plugins/ganbench_label_efficiency/simple.py`` that
tests/label_efficiency/test_subsets_and_simple_labelers.py lets survive (`make mutation`,
docs/testing.md): defaults, describe() of the full labeler, a random labeler with no labelled
image, and the random labels' own stream."""
from __future__ import annotations

import torch

from ganbench_label_efficiency.simple import FullLabels, LabelledSubsetOnly, RandomLabels
from ganbench_label_efficiency.subsets import RANDOM_LABEL_STREAM
from le_toys import balanced_labels, make_dataset


def test_defaults():
    assert LabelledSubsetOnly().requested_fraction == 0.1
    assert RandomLabels().requested_fraction == 0.0


def test_full_labels_describe_the_whole_set():
    labeler = FullLabels()
    labeler.prepare(make_dataset(balanced_labels(6, 2), 2, size=2), seed=0)
    facts = labeler.describe()
    assert facts["fraction"] == 1.0 and facts["train_images"] == 6


def test_random_labels_with_no_labelled_image_come_from_their_own_stream():
    dataset = make_dataset(balanced_labels(40, 4), 4, size=2)
    labeler = RandomLabels(fraction=0)
    labeler.prepare(dataset, seed=5)
    assert len(labeler.labelled_index) == 0
    expected = torch.randint(4, (40,), generator=torch.Generator().manual_seed(5 + RANDOM_LABEL_STREAM))
    assert torch.equal(labeler.real_labels(torch.arange(40), None), expected)
