"""The shared labelled subset and the labelers that infer nothing (full, subset, single, random)."""
import json

import pytest
import torch
from scipy.stats import chisquare

from ganbench_label_efficiency.cotraining import CoTrainingLabels
from ganbench_label_efficiency.simple import FullLabels, LabelledSubsetOnly, RandomLabels, SingleLabel
from ganbench_label_efficiency.subsets import index_hash, labelled_subset
from le_toys import balanced_labels, make_dataset


def prepared(labeler, dataset, seed=0, cache_dir=None):
    labeler.prepare(dataset, seed=seed, cache_dir=cache_dir, device="cpu")
    return labeler


@pytest.mark.parametrize("n,fraction", [(1000, 0.1), (997, 0.025), (1234, 0.2), (50, 0.5), (7, 1.0)])
def test_subset_has_exactly_round_k_n_images_stratified(n, fraction):
    # Uneven classes (sizes 1:2:3:4 roughly) so per-class rounding really has to balance out.
    labels = torch.tensor([c for c in range(4) for _ in range(c + 1)] * (n // 10 + 1))[:n]
    index = labelled_subset(labels, fraction, seed=3)
    assert len(index) == round(fraction * n)
    assert len(torch.unique(index)) == len(index)
    for c in range(4):
        size = int((labels == c).sum())
        got = int((labels[index] == c).sum())
        assert abs(got - fraction * size) < 1, (c, got, fraction * size)


def test_subset_depends_on_seed_and_nests_across_fractions():
    labels = balanced_labels(1000, 10)
    a, b = labelled_subset(labels, 0.1, seed=0), labelled_subset(labels, 0.1, seed=1)
    assert not torch.equal(a, b)
    assert torch.equal(a, labelled_subset(labels, 0.1, seed=0))
    # With equal classes the rounding is exact, so the 10% subset lies inside the 20% one.
    assert set(a.tolist()) <= set(labelled_subset(labels, 0.2, seed=0).tolist())


def test_all_methods_share_the_labelled_subset():
    dataset = make_dataset(balanced_labels(300, 3), 3)
    chosen = [prepared(cls(fraction=0.1), dataset, seed=5).labelled_index
              for cls in (LabelledSubsetOnly, RandomLabels, CoTrainingLabels)]
    assert all(torch.equal(chosen[0], other) for other in chosen[1:])
    assert torch.equal(chosen[0], labelled_subset(dataset.labels, 0.1, seed=5))


def test_index_hash_ignores_order_but_not_content():
    assert index_hash(torch.tensor([3, 1, 2])) == index_hash(torch.tensor([1, 2, 3]))
    assert index_hash(torch.tensor([1, 2, 3])) != index_hash(torch.tensor([1, 2, 4]))


@pytest.mark.parametrize("fraction", [0, -0.1, 1.5, "10%"])
def test_bad_fraction_is_a_clear_error(fraction):
    with pytest.raises(ValueError, match="labelers.subset.fraction"):
        prepared(LabelledSubsetOnly(fraction=fraction), make_dataset(balanced_labels(30, 3), 3))


def test_full_uses_ground_truth_and_uniform_fake_labels():
    dataset = make_dataset(balanced_labels(90, 3), 3)
    labeler = prepared(FullLabels(), dataset)
    assert torch.equal(labeler.train_index(), torch.arange(90))
    index = torch.tensor([4, 0, 89])
    assert torch.equal(labeler.real_labels(index, None), dataset.labels[index])
    fake = labeler.sample_fake_labels(3000, torch.Generator().manual_seed(0))
    assert chisquare(torch.bincount(fake, minlength=3).numpy()).pvalue > 1e-3
    assert labeler.predict(dataset.images) is None


def test_subset_trains_only_on_labelled_images_with_ground_truth():
    dataset = make_dataset(balanced_labels(200, 4), 4)
    labeler = prepared(LabelledSubsetOnly(fraction=0.25), dataset, seed=2)
    index = labeler.train_index()
    assert torch.equal(index, labelled_subset(dataset.labels, 0.25, seed=2))
    assert torch.equal(labeler.real_labels(index, None), dataset.labels[index])
    facts = json.loads(json.dumps(labeler.describe()))
    assert facts["labelled_count"] == 50 and facts["labelled_hash"] == index_hash(index)


def test_single_label_is_unconditional():
    labeler = prepared(SingleLabel(), make_dataset(balanced_labels(30, 3), 3))
    assert labeler.num_classes == 0
    assert labeler.real_labels(torch.arange(5), None) is None
    assert labeler.sample_fake_labels(5, torch.Generator()) is None
    assert len(labeler.train_index()) == 30


def test_random_labels_are_uniform_fixed_and_keep_labelled_truth():
    dataset = make_dataset(balanced_labels(6000, 10), 10)
    labeler = prepared(RandomLabels(fraction=0.1), dataset, seed=7)
    everything = labeler.train_index()
    labels = labeler.real_labels(everything, None)
    labelled = labeler.labelled_index
    assert torch.equal(labels[labelled], dataset.labels[labelled])
    unlabelled = torch.ones(6000, dtype=torch.bool)
    unlabelled[labelled] = False
    counts = torch.bincount(labels[unlabelled], minlength=10).numpy()
    assert chisquare(counts).pvalue > 1e-3, counts
    # Random, not ground truth: agreement with the truth is about 1/K on the unlabelled images.
    agreement = float((labels[unlabelled] == dataset.labels[unlabelled]).float().mean())
    assert 0.07 < agreement < 0.13
    # Fixed per image: the same on a second call, and for a fresh labeler with the same seed.
    assert torch.equal(labeler.real_labels(everything, None), labels)
    again = prepared(RandomLabels(fraction=0.1), dataset, seed=7)
    assert torch.equal(again.real_labels(everything, None), labels)
    other_seed = prepared(RandomLabels(fraction=0.1), dataset, seed=8)
    assert not torch.equal(other_seed.real_labels(everything, None), labels)


def test_prepare_rejects_something_that_is_not_a_dataset():
    with pytest.raises(ValueError, match="lacks .*labels"):
        FullLabels().prepare(object(), seed=0, cache_dir=None, device="cpu")
