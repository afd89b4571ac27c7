"""Kills mutants of ``plugins/ganbench_metrics/label_metrics.py`` and ``label_accuracy.py`` that
tests/metrics/test_metric_plugins.py and test_metric_directions.py let survive
(`make mutation`, docs/testing.md): the label-accuracy metric's early exits, batching and top-5
rule, class consistency with two classes and unequal class counts, and the accuracy helpers."""
from __future__ import annotations

import inspect
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from ganbench_metrics import label_metrics
from ganbench_metrics.label_accuracy import (
    confusion_matrix,
    hungarian_mapping,
    matched_accuracy,
    topk_accuracy,
)

from .test_metric_plugins import PixelClassifier, make_ctx


def _reference(labels, num_classes):
    labels = torch.tensor(labels)
    images = torch.zeros(len(labels), 1, 4, 4, dtype=torch.uint8)
    images[:, 0, 0, 0] = torch.arange(len(labels), dtype=torch.uint8)   # the image's index
    return SimpleNamespace(images=images, labels=labels, num_classes=num_classes,
                           cache_key=lambda: "ref")


def _labeler(scores, cluster_labels=False):
    calls = []

    def predict(batch):
        calls.append(len(batch))
        return scores[batch[:, 0, 0, 0].long()]
    return SimpleNamespace(predict=predict, cluster_labels=cluster_labels), calls


def test_label_accuracy_defaults_and_early_exits():
    assert inspect.signature(label_metrics.label_accuracy).parameters["batch_size"].default == 1000
    ref = _reference([0, 1], 2)
    metric = label_metrics.label_accuracy()
    for labeler in (None, SimpleNamespace(cluster_labels=False), SimpleNamespace(predict=lambda b: None)):
        ctx, _ = make_ctx(reference=ref, labeler=labeler)
        assert metric(ctx) == {}


def test_label_accuracy_in_batches_and_top5_only_above_five_classes():
    labels = [0, 1, 2, 3, 4, 5, 0]
    scores = torch.eye(7)[[0, 1, 2, 3, 4, 5, 1]][:, :6] * 10 - torch.arange(6) * 0.1
    ref = _reference(labels, 6)
    labeler, calls = _labeler(scores)
    ctx, _ = make_ctx(reference=ref, labeler=labeler)
    got = label_metrics.label_accuracy(batch_size=3)(ctx)
    assert calls == [3, 3, 1]
    assert got == {"label_accuracy_top1": pytest.approx(6 / 7), "label_accuracy_top5": pytest.approx(7 / 7)}
    five = _reference([0, 1, 2, 3, 4, 0, 1], 5)            # more images than classes
    labeler, _ = _labeler(torch.eye(5)[[0, 1, 2, 3, 4, 0, 1]])
    ctx, _ = make_ctx(reference=five, labeler=labeler)
    assert label_metrics.label_accuracy()(ctx) == {"label_accuracy_top1": 1.0}


def test_top5_counts_ranks_one_to_five_exactly():
    ranks = torch.tensor([5.0, 4.0, 3.0, 2.0, 1.0, 0.0])     # class c has rank c + 1
    labels = [0, 4, 5]                                      # ranks 1, 5 and 6
    ref = _reference(labels, 6)
    labeler = SimpleNamespace(predict=lambda batch: ranks.expand(len(batch), 6))   # no cluster_labels
    ctx, _ = make_ctx(reference=ref, labeler=labeler)
    assert label_metrics.label_accuracy()(ctx) == {"label_accuracy_top1": pytest.approx(1 / 3),
                                                   "label_accuracy_top5": pytest.approx(2 / 3)}


def test_cluster_ids_may_outnumber_the_images():
    ref = _reference([0, 1, 1], 2)
    labeler, _ = _labeler(torch.eye(6)[[4, 2, 2]], cluster_labels=True)
    ctx, _ = make_ctx(reference=ref, labeler=labeler)
    assert label_metrics.label_accuracy()(ctx) == {"label_accuracy_top1": 1.0}


def test_label_accuracy_of_cluster_ids_is_matched_and_has_no_top5():
    labels = [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    clusters = [1, 1, 0, 0, 2, 2, 3, 3, 4, 4, 5, 4]        # 0 and 1 swapped; one error
    ref = _reference(labels, 6)
    labeler, _ = _labeler(torch.eye(6)[clusters], cluster_labels=True)
    ctx, _ = make_ctx(reference=ref, labeler=labeler)
    assert label_metrics.label_accuracy()(ctx) == {"label_accuracy_top1": pytest.approx(11 / 12)}


def _class_samples(drawn):
    def class_samples(c, n):
        images = torch.zeros(n, 1, 16, 16, dtype=torch.uint8)
        images[:, 0, 0, 0] = torch.tensor(drawn[c][:n], dtype=torch.uint8)
        return images
    return class_samples


def test_class_consistency_with_two_classes_and_with_fewer_than_the_dataset():
    train = _reference([0, 1, 2], 3)
    ctx, _ = make_ctx(reference=train, labeler=SimpleNamespace(cluster_labels=False), num_classes=2,
                      class_samples=_class_samples({0: [2, 2, 2, 0], 1: [1, 1, 1, 2]}))
    metric = label_metrics.class_consistency(num_samples_per_class=4, classifier=PixelClassifier)
    # G has 2 classes, the dataset 3: G's class 0 is matched to class 2
    assert metric(ctx) == {"class_consistency": pytest.approx(6 / 8)}
    ctx.num_classes = 1
    assert metric(ctx) == {}
    # same number of classes and a labeler that does not say cluster_labels: no matching
    ctx.num_classes = 3
    ctx.labeler = None
    ctx.class_samples = _class_samples({0: [1, 1, 1, 1], 1: [0, 0, 0, 0], 2: [2, 2, 2, 2]})
    assert metric(ctx) == {"class_consistency": pytest.approx(4 / 12)}
    assert inspect.signature(label_metrics.class_consistency).parameters["num_samples_per_class"].default == 100


def test_accuracy_helpers():
    predicted = torch.tensor([0, 0, 1, 2, 2, 2])
    true = torch.tensor([1, 1, 0, 0, 1, 0])
    np.testing.assert_array_equal(confusion_matrix(predicted, true, 4, 2),
                                  [[0, 2], [1, 0], [2, 1], [0, 0]])
    assert hungarian_mapping(predicted, true, 4, 2).tolist() == [1, -1, 0, -1]
    assert matched_accuracy(predicted, true, 4, 2) == pytest.approx(4 / 6)
    scores = torch.tensor([[0.1, 0.5, 0.4], [0.6, 0.3, 0.1], [0.2, 0.3, 0.5]])
    labels = torch.tensor([2, 0, 0])
    assert topk_accuracy(scores, labels, 1) == pytest.approx(1 / 3)
    assert topk_accuracy(scores, labels, 2) == pytest.approx(2 / 3)
