"""Kills mutants of ``plugins/ganbench_label_efficiency/base.py`` that the labeler tests let
survive (`make mutation`, docs/testing.md): the dataset checks, the [-1, 1] mapping, the
keyword-only seed, the defaults and describe() before and after prepare."""
from __future__ import annotations

import pytest
import torch

from ganbench_label_efficiency.base import BaseLabeler, check_dataset, to_unit_range
from le_toys import balanced_labels, make_dataset


def test_to_unit_range_maps_0_255_onto_minus_one_one():
    images = torch.tensor([0, 51, 255], dtype=torch.uint8)
    assert to_unit_range(images).tolist() == pytest.approx([-1.0, 51 / 127.5 - 1.0, 1.0])


@pytest.mark.parametrize("images", [torch.zeros(4, 1, 2, 2), torch.zeros(4, 2, 2, dtype=torch.uint8)])
def test_images_must_be_uint8_and_four_dimensional(images):
    dataset = make_dataset(torch.zeros(4, dtype=torch.long), 1, images=images)
    with pytest.raises(ValueError, match=r"uint8 \[N, C, H, W\]"):
        check_dataset(dataset, "x")


def test_prepare_takes_seed_by_keyword_only():
    dataset = make_dataset(balanced_labels(6, 2), 2, size=2)
    with pytest.raises(TypeError):
        BaseLabeler().prepare(dataset, 0)


def test_defaults_and_describe_before_and_after_prepare():
    labeler = BaseLabeler()
    assert BaseLabeler.cluster_labels is False and labeler.cluster_labels is False
    assert labeler.num_classes == 0
    facts = labeler.describe()
    assert facts == {"labeler": "base", "num_classes": 0, "seed": None, "dataset": "", "train_images": None}
    dataset = make_dataset(balanced_labels(6, 2), 2, size=2)
    labeler.prepare(dataset, seed=3)
    assert labeler.describe()["train_images"] == 6


def test_choose_labelled_refuses_zero_unless_allowed():
    dataset = make_dataset(balanced_labels(6, 2), 2, size=2)
    labeler = BaseLabeler()
    labeler.prepare(dataset, seed=0)
    with pytest.raises(ValueError):
        labeler.choose_labelled(dataset, 0.0)
    labeler.choose_labelled(dataset, 0.0, allow_zero=True)
    assert len(labeler.labelled_index) == 0
