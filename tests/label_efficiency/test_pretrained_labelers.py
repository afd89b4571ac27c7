"""Clustering and S2GAN: what they learn on separable toy classes, soft labels, and the shared cache."""
import json

import pytest
import torch

from ganbench_label_efficiency import pretrain
from ganbench_label_efficiency.kmeans import matched_accuracy
from ganbench_label_efficiency.pretrained import ClusteringLabels, S2GANLabels
from ganbench_label_efficiency.subsets import index_hash, labelled_subset
from le_toys import balanced_labels, make_dataset

FAST = dict(steps=2, batch_size=8, width=4)      # for behaviour that does not need learning
LEARN = dict(steps=40, batch_size=16, width=4)   # enough to separate the four toy classes


@pytest.fixture(scope="module")
def dataset():
    return make_dataset(balanced_labels(240, 4), 4, size=8, key="quadrants")


def prepared(labeler, dataset, cache_dir, seed=0):
    labeler.prepare(dataset, seed=seed, cache_dir=cache_dir, device="cpu")
    return labeler


def test_clustering_recovers_separable_classes_and_samples_cluster_frequencies(dataset, cache_dir):
    labeler = prepared(ClusteringLabels(**LEARN), dataset, cache_dir)
    assert labeler.num_classes == 4 and labeler.cluster_labels
    labels = labeler.real_labels(labeler.train_index(), None)
    assert matched_accuracy(labels, dataset.labels) > 0.95
    facts = json.loads(json.dumps(labeler.describe()))
    assert facts["pretrain_accuracy"] == pytest.approx(matched_accuracy(labels, dataset.labels))
    # predict() on the training images reproduces the cached labels from the rebuilt network.
    assert torch.equal(labeler.predict(dataset.images).argmax(1), labels)
    # Fake labels follow the empirical cluster frequencies, not the uniform prior.
    skewed = ClusteringLabels(**FAST)
    skewed.cluster_frequencies = torch.tensor([0.7, 0.1, 0.1, 0.1], dtype=torch.float64)
    fake = skewed.sample_fake_labels(4000, torch.Generator().manual_seed(0))
    assert torch.bincount(fake, minlength=4)[0].item() / 4000 == pytest.approx(0.7, abs=0.03)


def test_num_clusters_may_differ_from_the_classes(dataset, cache_dir):
    labeler = prepared(ClusteringLabels(num_clusters=6, **FAST), dataset, cache_dir)
    assert labeler.num_classes == 6
    assert labeler.real_labels(labeler.train_index(), None).max() < 6
    assert sum(labeler.describe()["cluster_sizes"]) == 240


def test_s2gan_classifier_learns_from_the_labelled_subset(dataset, cache_dir):
    labeler = prepared(S2GANLabels(fraction=0.2, **LEARN), dataset, cache_dir)
    facts = labeler.describe()
    # Chance is 0.25; only 48 labelled images carry the class information.
    assert facts["pretrain_accuracy_unlabelled"] > 0.9
    assert facts["labelled_hash"] == index_hash(labelled_subset(dataset.labels, 0.2, seed=0))
    labels = labeler.real_labels(labeler.train_index(), None)
    assert torch.equal(labels, labeler.predict(dataset.images).argmax(1))   # every real: the prediction


@pytest.mark.parametrize("cls", [ClusteringLabels, S2GANLabels])
def test_soft_labels_are_rows_summing_to_one_with_the_hard_argmax(cls, dataset, cache_dir):
    hard = prepared(cls(**FAST), dataset, cache_dir)
    soft = prepared(cls(soft=True, **FAST), dataset, cache_dir)
    index = torch.arange(0, 240, 7)
    labels = soft.real_labels(index, None)
    assert labels.shape == (len(index), 4) and labels.dtype == torch.float32
    assert torch.all(labels >= 0) and torch.allclose(labels.sum(1), torch.ones(len(index)))
    assert torch.equal(labels.argmax(1), hard.real_labels(index, None))


def test_pretraining_is_cached_and_shared(dataset, cache_dir, monkeypatch):
    calls = []
    real_trainer = pretrain.train_rotation_model

    def counting_trainer(*args, **kwargs):
        calls.append(kwargs.get("gamma", 0.0))
        return real_trainer(*args, **kwargs)

    monkeypatch.setattr(pretrain, "train_rotation_model", counting_trainer)
    first = prepared(S2GANLabels(fraction=0.2, **FAST), dataset, cache_dir)
    second = prepared(S2GANLabels(fraction=0.2, soft=True, **FAST), dataset, cache_dir)  # soft: same pre-training
    assert len(calls) == 1
    assert torch.equal(first.train_scores, second.train_scores)
    assert first.describe()["cache_keys"] == second.describe()["cache_keys"]
    prepared(S2GANLabels(fraction=0.3, **FAST), dataset, cache_dir)          # other fraction
    prepared(S2GANLabels(fraction=0.2, **FAST), dataset, cache_dir, seed=1)  # other seed
    prepared(ClusteringLabels(**FAST), dataset, cache_dir)
    prepared(ClusteringLabels(**FAST), dataset, cache_dir)
    assert len(calls) == 4


def test_bad_settings_name_the_parameter():
    with pytest.raises(ValueError, match="steps"):
        S2GANLabels(steps=0)
    with pytest.raises(ValueError, match="num_clusters"):
        ClusteringLabels(num_clusters=1)
    with pytest.raises(ValueError, match="gamma"):
        S2GANLabels(gamma=-1.0)
