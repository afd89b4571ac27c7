"""Mutation survivors of ganbench/run/overfitting.py (docs/testing.md): which images the probe
scores (its own pinned stream, scaled to [-1, 1] as training sees them) and when it passes labels
(only when D is conditioned on the dataset's own classes)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from ganbench.run.overfitting import PROBE_STREAM, probe_for


def data(n, classes):
    return SimpleNamespace(images=torch.randint(0, 256, (n, 3, 4, 4), dtype=torch.uint8),
                           labels=torch.arange(n) % max(classes, 1), num_classes=classes)


def run(num_classes=3, dataset_classes=3, count=5, labeler=None, seed=7):
    train, test = data(12, dataset_classes), data(9, dataset_classes)
    return SimpleNamespace(exp=SimpleNamespace(overfit_images=count), seed=seed, device=torch.device("cpu"),
                           labeler=labeler or SimpleNamespace(), num_classes=num_classes,
                           train_set=train, train_pool=train, test_set=test)


def test_the_probe_scores_a_seeded_choice_of_images_as_training_sees_them():
    r = run()
    probe = probe_for(r)
    chooser = torch.Generator().manual_seed(7 + 0x0F17)
    assert PROBE_STREAM == 0x0F17
    for name, source in (("train", r.train_pool), ("heldout", r.test_set)):
        pick = torch.randperm(len(source.labels), generator=chooser)[:5]
        images, labels = probe.sets[name]
        assert torch.equal(images, source.images[pick].float() / 127.5 - 1.0)
        assert torch.equal(labels, source.labels[pick])
    assert probe_for(run(count=0)) is None


@pytest.mark.parametrize("num_classes, dataset_classes, cluster, labelled", [
    (3, 3, False, True),      # conditioned on the dataset's classes
    (3, 3, True, False),      # classes a clustering labeler inferred: not the dataset's
    (1, 3, False, False),     # one label for everything
    (0, 0, False, False),     # unconditional data and model
    (1, 1, False, True),      # a one-class dataset, conditioned on it
    (4, 3, False, False),
])
def test_labels_only_when_d_is_conditioned_on_the_dataset_classes(num_classes, dataset_classes, cluster,
                                                                  labelled):
    labeler = SimpleNamespace(cluster_labels=True) if cluster else SimpleNamespace()
    probe = probe_for(run(num_classes, dataset_classes, labeler=labeler))
    assert (probe.sets["train"][1] is not None) == labelled
    assert (probe.sets["heldout"][1] is not None) == labelled
