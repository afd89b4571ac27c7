"""No label leaks: a k%-labels method may use only the labels of its labelled subset.

Each test prepares a labeler twice, on the true labels and on "poisoned" ones (every label outside
the labelled subset moved to a wrong class), and requires identical labels, scores and terms. The
choice of the subset itself is stratified on all labels by design (it decides *who* is labelled,
identically for every method), so it is pinned to the true-label subset in both runs; the label
accuracy facts in ``describe()`` are evaluation-only and also read all labels.
"""
from types import SimpleNamespace

import pytest
import torch

from ganbench_label_efficiency import base
from ganbench_label_efficiency.cotraining import CoTrainingLabels
from ganbench_label_efficiency.pretrained import ClusteringLabels, S2GANLabels
from ganbench_label_efficiency.simple import LabelledSubsetOnly, RandomLabels
from ganbench_label_efficiency.subsets import labelled_subset
from le_toys import TinyProjectionD, balanced_labels, make_dataset

N, K, FRACTION, SEED = 60, 3, 0.2, 0
PRETRAIN = dict(steps=3, batch_size=8, width=4)
TRUE_LABELS = balanced_labels(N, K)
SUBSET = labelled_subset(TRUE_LABELS, FRACTION, SEED)


def poisoned(labels, keep):
    """Every label outside ``keep`` moved to the next class (a wrong but valid class)."""
    out = (labels + 1) % K
    out[keep] = labels[keep]
    return out


@pytest.fixture
def pinned_subset(monkeypatch):
    """Both runs get the subset that the true labels select."""
    monkeypatch.setattr(base, "labelled_subset", lambda labels, fraction, seed: SUBSET.clone())


def prepare_twice(make, tmp_path, labels_b):
    """The same labeler prepared on the true labels and on ``labels_b`` (same images)."""
    clean_data = make_dataset(TRUE_LABELS, K, size=8)
    other_data = make_dataset(labels_b, K, size=8, images=clean_data.images)
    runs = []
    for name, data in (("clean", clean_data), ("other", other_data)):
        labeler = make()
        labeler.prepare(data, seed=SEED, cache_dir=str(tmp_path / name), device="cpu")
        runs.append(labeler)
    return clean_data, runs


def test_poisoning_changes_labels_only_outside_the_subset():
    bad = poisoned(TRUE_LABELS, SUBSET)
    outside = torch.ones(N, dtype=torch.bool)
    outside[SUBSET] = False
    assert torch.equal(bad[SUBSET], TRUE_LABELS[SUBSET]) and torch.all(bad[outside] != TRUE_LABELS[outside])


def test_s2gan_pretraining_reads_only_the_subsets_labels(tmp_path, pinned_subset):
    """S2GAN's classifier is trained on the labelled subset only: poisoning the other labels
    changes neither its weights nor the label of any real image."""
    data, (clean, other) = prepare_twice(lambda: S2GANLabels(fraction=FRACTION, **PRETRAIN), tmp_path,
                                         poisoned(TRUE_LABELS, SUBSET))
    assert torch.equal(clean.labelled_index, SUBSET) and torch.equal(other.labelled_index, SUBSET)
    for key, value in clean.state.items():
        assert torch.equal(value, other.state[key]), key
    assert torch.equal(clean.train_scores, other.train_scores)
    index = clean.train_index()
    assert torch.equal(clean.real_labels(index, None), other.real_labels(index, None))
    assert torch.equal(clean.predict(data.images), other.predict(data.images))


def test_s2gan_pretraining_does_read_the_subsets_labels(tmp_path, pinned_subset):
    """Control for the test above: the subset's own labels do matter (the CE term is live)."""
    changed = TRUE_LABELS.clone()
    changed[SUBSET] = (changed[SUBSET] + 1) % K
    _, (clean, other) = prepare_twice(lambda: S2GANLabels(fraction=FRACTION, **PRETRAIN), tmp_path, changed)
    assert not torch.equal(clean.train_scores, other.train_scores)


def test_clustering_reads_no_labels(tmp_path):
    """Clustering uses no labels at all (only their number): all labels set to class 0 changes
    nothing but the evaluation-only pretrain_accuracy fact."""
    all_zero = torch.zeros(N, dtype=torch.long)
    _, (clean, other) = prepare_twice(lambda: ClusteringLabels(**PRETRAIN), tmp_path, all_zero)
    assert torch.equal(clean.train_scores, other.train_scores)
    index = clean.train_index()
    assert torch.equal(clean.real_labels(index, None), other.real_labels(index, None))
    assert torch.equal(clean.cluster_frequencies, other.cluster_frequencies)


@pytest.mark.parametrize("soft", [False, True])
def test_s2gan_co_labels_and_classifier_term_read_only_the_subsets_labels(tmp_path, pinned_subset, soft):
    """S2GAN-CO: unlabelled reals take c_CT's prediction and the CE term covers labelled reals
    only, so poisoning the other labels changes no label and no loss value."""
    _, (clean, other) = prepare_twice(lambda: CoTrainingLabels(fraction=FRACTION, soft=soft), tmp_path,
                                      poisoned(TRUE_LABELS, SUBSET))
    torch.manual_seed(0)
    D = TinyProjectionD(in_features=64, feature_dim=5, num_classes=K)
    clean.setup(None, D, K)
    other.setup(None, D, K)
    other.head.load_state_dict(clean.head.state_dict())
    index = torch.arange(N)
    features = torch.randn(N, 5, generator=torch.Generator().manual_seed(1))
    assert torch.equal(clean.real_labels(index, features), other.real_labels(index, features))
    batch = SimpleNamespace(real_index=index, real_features=features)
    assert clean.d_term(batch).item() == other.d_term(batch).item()


@pytest.mark.parametrize("make", [lambda: RandomLabels(fraction=FRACTION),
                                  lambda: LabelledSubsetOnly(fraction=FRACTION)], ids=["random", "subset"])
def test_simple_k_percent_labelers_read_only_the_subsets_labels(tmp_path, pinned_subset, make):
    """Random label and BigGAN-k%: ground truth only where labelled."""
    _, (clean, other) = prepare_twice(make, tmp_path, poisoned(TRUE_LABELS, SUBSET))
    assert torch.equal(clean.train_index(), other.train_index())
    index = clean.train_index()
    assert torch.equal(clean.real_labels(index, None), other.real_labels(index, None))
