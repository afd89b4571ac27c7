"""Kills mutants of ``plugins/ganbench_label_efficiency/base.py`` left by the third mutation run
(docs/testing.md): ``check_data``, the study's check before training that a labeler's labelled
fraction leaves one labelled image per class; labelers without a labelled subset are not checked,
and fraction 0 is refused unless a labeler says that no labels is its method."""
from __future__ import annotations

import pytest

from ganbench_label_efficiency.base import BaseLabeler
from ganbench_label_efficiency.simple import FullLabels, SingleLabel
from ganbench_label_efficiency.subsets import LabelFractionError
from le_toys import balanced_labels, make_dataset


def test_labelers_without_a_fraction_accept_any_training_set():
    # full / single labels use no labelled subset, so even 3 images of 10 classes are fine
    dataset = make_dataset(balanced_labels(3, 10), 10, size=2)
    for labeler in (BaseLabeler(), FullLabels(), SingleLabel()):
        assert labeler.requested_fraction is None
        assert labeler.check_data(dataset, None) is None


def test_a_requested_fraction_is_checked_with_the_labelers_name_and_dataset():
    # 0.1 of 20 images = 2 labelled images for 4 classes: refused before anything trains
    dataset = make_dataset(balanced_labels(20, 4), 4, size=2, key="toy-train")
    labeler = BaseLabeler()
    labeler.requested_fraction = 0.1
    with pytest.raises(LabelFractionError, match=r"^labelers\.base: fraction=0\.1 of the 20 training "
                                                 r"images of toy-train gives 2 labelled image\(s\)"):
        labeler.check_data(dataset, None)
    labeler.requested_fraction = 0.2      # 4 images, one per class
    assert labeler.check_data(dataset, None) is None


def test_fraction_zero_is_refused_by_default():
    # a labeler that learns from its labelled subset must not run with none; only labelers that
    # set allow_zero_fraction (random labels) accept 0
    dataset = make_dataset(balanced_labels(20, 4), 4, size=2)
    labeler = BaseLabeler()
    assert labeler.allow_zero_fraction is False
    labeler.requested_fraction = 0.0
    with pytest.raises(LabelFractionError, match="gives 0 labelled image"):
        labeler.check_data(dataset, None)
    labeler.allow_zero_fraction = True
    assert labeler.check_data(dataset, None) is None
