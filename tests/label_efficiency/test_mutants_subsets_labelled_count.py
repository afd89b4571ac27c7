"""Kills mutants of ``plugins/ganbench_label_efficiency/subsets.py`` left by the third mutation run
(docs/testing.md): ``check_labelled_count``, the guard that a label fraction leaves at least one
labelled image per class (the stratified subset needs it, S2GAN learns a classifier from it):
the count it returns, fraction 0 only where no labels is the method, and the error messages with
the smallest usable fraction, worked out by hand."""
from __future__ import annotations

import pytest
import torch

from ganbench_label_efficiency.subsets import LabelFractionError, check_labelled_count

TAIL = ("; every class needs at least one labelled image (the labelled subset is stratified by "
        "class). Use {where}.fraction >= {smallest} ({classes} images), or a dataset with more "
        "training images")


def test_enough_labels_return_round_fraction_times_n():
    # exactly one labelled image per class is enough (2 of 4 images, 2 classes), and a single
    # class needs one image, not two
    two_classes = torch.arange(4) % 2
    assert check_labelled_count(two_classes, 0.5, where="w") == 2
    assert check_labelled_count(two_classes, 1.0, where="w") == 4
    assert check_labelled_count(torch.zeros(10, dtype=torch.long), 0.1, where="w") == 1


def test_fraction_zero_means_no_labels_only_when_allowed():
    # the random-label method at fraction 0 has no labelled image by design (0 returned, exactly);
    # allow_zero changes nothing for positive fractions; without it, fraction 0 is refused
    two_classes = torch.arange(4) % 2
    assert check_labelled_count(two_classes, 0, where="w", allow_zero=True) == 0
    assert check_labelled_count(two_classes, 0.0, where="w", allow_zero=True) == 0
    assert check_labelled_count(two_classes, 0.5, where="w", allow_zero=True) == 2
    assert check_labelled_count(two_classes, 1.0, where="w", allow_zero=True) == 4
    with pytest.raises(LabelFractionError, match="gives 0 labelled image"):
        check_labelled_count(two_classes, 0, where="w")
    with pytest.raises(LabelFractionError, match="gives 0 labelled image"):
        check_labelled_count(two_classes, 0, where="w", allow_zero=False)


def test_fewer_labels_than_classes_names_the_smallest_usable_fraction():
    # 5 classes in 6 images, fraction 0.5 gives round(3.0) = 3 < 5. Smallest usable fraction:
    # ceil(5 / 6 * 1e4) / 1e4 = ceil(8333.33) / 1e4 = 0.8334 (0.8334 * 6 = 5.0004 -> 5 images)
    labels = torch.tensor([0, 0, 1, 2, 3, 4])
    with pytest.raises(LabelFractionError) as err:
        check_labelled_count(labels, 0.5, where="labelers.x", dataset="toy")
    assert str(err.value) == (
        "labelers.x: fraction=0.5 of the 6 training images of toy gives 3 labelled image(s), "
        "fewer than its 5 classes" + TAIL.format(where="labelers.x", smallest=0.8334, classes=5))
    assert check_labelled_count(labels, 0.8334, where="labelers.x") == 5


def test_no_labelled_image_is_named_and_no_dataset_name_is_left_out():
    # 2 classes in 40 images, fraction 0.01 gives round(0.4) = 0; smallest 2 / 40 = 0.05
    with pytest.raises(LabelFractionError) as err:
        check_labelled_count(torch.arange(40) % 2, 0.01, where="w")
    assert str(err.value) == (
        "w: fraction=0.01 of the 40 training images gives 0 labelled image(s), "
        "not one labelled image" + TAIL.format(where="w", smallest=0.05, classes=2))


def test_an_empty_training_set_is_refused_by_name():
    # no image at all: nothing to label, and no "use fraction >= None" advice (no division by zero)
    with pytest.raises(LabelFractionError) as err:
        check_labelled_count(torch.zeros(0, dtype=torch.long), 0.5, where="w", dataset="toy")
    assert str(err.value) == ("w: the training set of toy has no images, so there is nothing to label; "
                              "check the dataset's path and split")
    with pytest.raises(LabelFractionError, match="^w: the training set has no images"):
        check_labelled_count(torch.zeros(0, dtype=torch.long), 0.5, where="w")
    assert check_labelled_count(torch.zeros(0, dtype=torch.long), 0.0, where="w", allow_zero=True) == 0


def test_where_and_dataset_are_keyword_only():
    # a positional third argument must not silently become the labeler's name
    with pytest.raises(TypeError):
        check_labelled_count(torch.arange(4) % 2, 0.5, "w")
