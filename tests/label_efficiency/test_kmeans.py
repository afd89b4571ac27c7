"""The seeded k-means and the Hungarian-matched cluster accuracy."""
import pytest
import torch

from ganbench_label_efficiency.kmeans import kmeans, matched_accuracy


def blobs(n_per=100, k=5, dim=8, spread=0.3, seed=0):
    generator = torch.Generator().manual_seed(seed)
    centres = torch.randn(k, dim, generator=generator) * 5
    truth = torch.arange(k).repeat_interleave(n_per)
    points = centres[truth] + spread * torch.randn(k * n_per, dim, generator=generator)
    order = torch.randperm(k * n_per, generator=generator)
    return points[order], truth[order]


def test_matched_accuracy_on_a_hand_example():
    # Best matching: cluster 0 -> class 1 (2 right), cluster 1 -> class 0 (2 right); cluster 2
    # has no class left, so its one image counts as wrong: 4 / 5.
    assert matched_accuracy(torch.tensor([0, 0, 1, 1, 2]), torch.tensor([1, 1, 0, 0, 0])) == 0.8
    assert matched_accuracy(torch.tensor([2, 2, 0, 1]), torch.tensor([0, 0, 1, 2])) == 1.0


def test_kmeans_recovers_well_separated_clusters():
    points, truth = blobs()
    centres, assign = kmeans(points, 5, seed=0)
    assert matched_accuracy(assign, truth) > 0.95
    assert torch.equal(assign, torch.cdist(points, centres).argmin(1))   # assignments match centres


def test_kmeans_is_deterministic_for_a_seed():
    points, _ = blobs(spread=3.0)   # overlapping, so different seeds could disagree
    first, again = kmeans(points, 5, seed=1), kmeans(points, 5, seed=1)
    assert torch.equal(first[0], again[0]) and torch.equal(first[1], again[1])


def test_kmeans_rejects_impossible_k():
    with pytest.raises(ValueError, match="num_clusters"):
        kmeans(torch.zeros(3, 2), 5, seed=0)
