"""Kills mutants of ``plugins/ganbench_label_efficiency/cotraining.py`` that
tests/label_efficiency/test_cotraining.py lets survive (`make mutation`, docs/testing.md):
defaults, the ce_weight check, real_labels' preconditions, predict over several chunks and
describe()."""
from __future__ import annotations

import pytest
import torch

from ganbench_label_efficiency.cotraining import CoTrainingLabels
from le_toys import TinyProjectionD, balanced_labels, make_dataset


def test_defaults():
    labeler = CoTrainingLabels()
    assert (labeler.requested_fraction, labeler.ce_weight, labeler.soft) == (0.1, 1.0, False)


@pytest.mark.parametrize("bad", [0, 0.0, -1, -0.5, "1", None])
def test_ce_weight_must_be_a_positive_number(bad):
    with pytest.raises(ValueError, match="ce_weight"):
        CoTrainingLabels(ce_weight=bad)


def test_small_positive_ce_weight_is_accepted():
    assert CoTrainingLabels(ce_weight=0.5).ce_weight == 0.5


def _prepared(n=30, setup=True):
    dataset = make_dataset(balanced_labels(n, 3), 3, size=2)
    labeler = CoTrainingLabels(fraction=0.2)
    labeler.prepare(dataset, seed=0, cache_dir=None, device="cpu")
    torch.manual_seed(0)
    D = TinyProjectionD(in_features=4, feature_dim=3, num_classes=3)
    if setup:
        labeler.setup(None, D, num_classes=3)
    return dataset, labeler, D


def test_real_labels_need_setup_and_features():
    dataset, labeler, D = _prepared(setup=False)
    features = D.features(dataset.images[:2].float())
    with pytest.raises(RuntimeError, match="call setup"):
        labeler.real_labels(torch.arange(2), features)
    labeler.setup(None, D, num_classes=3)
    with pytest.raises(RuntimeError, match="call setup"):
        labeler.real_labels(torch.arange(2), None)
    assert labeler.real_labels(torch.arange(2), features).shape == (2,)


def test_predict_covers_every_image_across_chunks():
    dataset, labeler, D = _prepared()
    images = torch.randint(0, 256, (1100, 1, 2, 2), dtype=torch.uint8)
    logits = labeler.predict(images)
    assert logits.shape == (1100, 3)
    with torch.no_grad():
        expected = labeler.head(D.features(images.float() / 127.5 - 1.0)).float()
    torch.testing.assert_close(logits, expected)


def test_describe():
    _, labeler, _ = _prepared()
    facts = labeler.describe()
    assert facts["ce_weight"] == 1.0 and facts["soft"] is False
    assert facts["labeler"] == "s2gan_co" and facts["fraction"] == 0.2 and facts["labelled_count"] == 6
