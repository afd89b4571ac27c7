"""Clustering's soft labels against a hand computation of their temperature.

ClusteringLabels documents its soft labels as softmax(-||f - c_j||^2 / T) over the cluster
centres c_j, with the temperature T = the mean within-cluster squared distance (each point to
its nearest centre). T is well below 1 for tight clusters, so dropping it (T = 1) or taking
another spread changes the labels. The encoder's features are replaced by hand-placed unit
vectors in 2-D (the real pre-training still runs, on 8 tiny images), so the distances are known:
with pca_dims=2 the projection is a rotation + shift, which keeps them.
"""
import math

import pytest
import torch

from ganbench_label_efficiency import pretrain
from ganbench_label_efficiency.pretrained import ClusteringLabels
from le_toys import balanced_labels, make_dataset

FAST = dict(steps=2, batch_size=8, width=4)


def unit_vectors(degrees):
    angles = torch.tensor(degrees, dtype=torch.float64) * math.pi / 180
    return torch.stack([angles.cos(), angles.sin()], dim=1).float()


CONFIGS = {
    # two tight-ish groups in a quarter circle: small temperature
    "quarter_circle": unit_vectors([0, 10, 20, 30, 40, 50, 60, 70]),
    # spread round the whole circle: large temperature
    "whole_circle": unit_vectors([0, 40, 95, 130, 185, 220, 280, 330]),
}


def soft_clustering(features, tmp_path, monkeypatch):
    """A prepared soft ClusteringLabels (2 clusters) whose encoder 'outputs' ``features``."""
    monkeypatch.setattr(pretrain, "apply_in_chunks",
                        lambda net, images, device, chunk=1024: features[:len(images)].clone())
    dataset = make_dataset(balanced_labels(len(features), 2), 2, size=8)
    labeler = ClusteringLabels(num_clusters=2, soft=True, pca_dims=2, **FAST)
    labeler.prepare(dataset, seed=0, cache_dir=str(tmp_path / "cache"), device="cpu")
    return labeler, dataset


def hand_soft_labels(features, labeler):
    """softmax(-d^2 / T) with T = mean squared distance of each point to its nearest centre.

    Only the centres are taken from the labeler (k-means is tested elsewhere), mapped back from
    the PCA coordinates to feature space; distances and T are computed here."""
    p = labeler.projection
    centres = p["centres"].double() @ p["basis"].double().T + p["mean"].double()
    d2 = torch.cdist(features.double(), centres) ** 2
    temperature = d2.min(dim=1).values.mean()
    return torch.softmax(-d2 / temperature, dim=1), temperature


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_soft_labels_are_softmax_of_negative_squared_distance_over_the_temperature(config, tmp_path,
                                                                                   monkeypatch):
    features = CONFIGS[config]
    labeler, dataset = soft_clustering(features, tmp_path, monkeypatch)
    expected, temperature = hand_soft_labels(features, labeler)
    assert not math.isclose(temperature, 1.0, rel_tol=0.3)          # so T = 1 would show
    labels = labeler.real_labels(labeler.train_index(), None)
    torch.testing.assert_close(labels.double(), expected, atol=1e-5, rtol=1e-4)
    assert ((labels > 0.01) & (labels < 0.99)).any()                  # not all (near) one-hot
    # predict() scores new images the same way (same encoder 'output' here).
    torch.testing.assert_close(torch.softmax(labeler.predict(dataset.images), 1).double(), expected,
                               atol=1e-5, rtol=1e-4)


def test_the_two_configurations_have_different_temperatures(tmp_path, monkeypatch):
    """Guards the test above: a temperature-free formula cannot fit both by luck."""
    temperatures = []
    for i, config in enumerate(sorted(CONFIGS)):
        labeler, _ = soft_clustering(CONFIGS[config], tmp_path / str(i), monkeypatch)
        temperatures.append(float(hand_soft_labels(CONFIGS[config], labeler)[1]))
    small, large = sorted(temperatures)
    assert large > 3 * small and large < 1
