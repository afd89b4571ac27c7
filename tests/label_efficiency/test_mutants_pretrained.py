"""Kills mutants of ``plugins/ganbench_label_efficiency/pretrained.py`` that the pre-trained
labeler tests let survive (`make mutation`, docs/testing.md): the published defaults and every
settings check, the principal axes, the label accuracies, and the clustering labeler's
projection, spread and cluster frequencies, with the rotation pre-training replaced by fixed
features so the test takes milliseconds."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from ganbench_label_efficiency import pretrain, pretrained as P
from le_toys import balanced_labels, make_dataset

SETTINGS = {"steps": 400, "batch_size": 32, "lr": 2e-3, "width": 16}


def test_defaults():
    c = P.ClusteringLabels()
    assert c.settings == SETTINGS and c.soft is False and c.requested_clusters is None
    assert c.cluster_settings == {"pca_dims": 32, "kmeans_restarts": 4}
    s = P.S2GANLabels()
    assert s.settings == SETTINGS and s.soft is False
    assert (s.requested_fraction, s.gamma) == (0.1, 1.0)
    assert P.CACHE_VERSION == 1   # change together with a deliberate bump of the cache version


@pytest.mark.parametrize("name", ["steps", "batch_size", "width"])
def test_positive_integer_settings(name):
    assert P.ClusteringLabels(**{name: 1}).settings[name] == 1
    for bad in (0, -1, 2.0):
        with pytest.raises(ValueError, match=name):
            P.ClusteringLabels(**{name: bad})


def test_learning_rate_must_be_positive():
    assert P.S2GANLabels(lr=1e-9).settings["lr"] == 1e-9
    for bad in (0.0, -0.5):
        with pytest.raises(ValueError, match="lr="):
            P.S2GANLabels(lr=bad)


def test_settings_are_keyword_only():
    with pytest.raises(TypeError):
        P.PretrainedLabeler(False, 1, 1, 1.0, 1)


def test_gamma_and_pca_dims_checks():
    assert P.S2GANLabels(gamma=0.5).gamma == 0.5
    for bad in (0, -1.0, "1"):
        with pytest.raises(ValueError, match="gamma"):
            P.S2GANLabels(gamma=bad)
    assert P.ClusteringLabels(pca_dims=1).cluster_settings["pca_dims"] == 1
    for bad in (0, -2, 1.5, 2.0):
        with pytest.raises(ValueError, match="pca_dims"):
            P.ClusteringLabels(pca_dims=bad)


def test_principal_axes_keep_at_most_the_feature_count_largest_first():
    g = torch.Generator().manual_seed(0)
    features = torch.randn(2, 5, generator=g, dtype=torch.float64)     # N=2 < dims=3 < F=5
    mean, basis = P.principal_axes(features, 3)
    assert basis.shape == (5, 3)
    torch.testing.assert_close(mean, features.mean(0))
    scale = torch.tensor([3.0, 1.0, 0.2], dtype=torch.float64)
    offset = torch.tensor([5.0, -3.0, 2.0], dtype=torch.float64)
    wide = torch.randn(40, 3, generator=g, dtype=torch.float64) @ torch.diag(scale) + offset
    mean, basis = P.principal_axes(wide, 10)
    assert basis.shape == (3, 3)
    # columns: eigenvectors of the centred scatter matrix, largest eigenvalue first
    centred = wide - wide.mean(0)
    values, vectors = torch.linalg.eigh(centred.T @ centred)
    torch.testing.assert_close(mean, wide.mean(0))
    torch.testing.assert_close(basis.abs(), vectors.flip(1).abs())
    projected = ((wide - mean) @ basis).var(0)
    assert projected[0] > projected[1] > projected[2]


def test_label_accuracies_on_all_and_on_unlabelled_images():
    predicted = torch.tensor([0, 1, 1, 0])
    truth = torch.tensor([0, 1, 0, 1])
    acc = P.label_accuracies(predicted, truth, torch.tensor([0, 1]))
    assert acc == {"pretrain_accuracy": 0.5, "pretrain_accuracy_unlabelled": 0.0}
    acc = P.label_accuracies(predicted, truth, torch.tensor([0, 1, 2, 3]))
    assert acc["pretrain_accuracy_unlabelled"] is None


def test_clustering_prepare_with_fixed_features(monkeypatch, tmp_path):
    labels = balanced_labels(12, 3)
    dataset = make_dataset(labels, 3, size=2)
    # three tight, well separated groups of feature directions, scaled to check normalise()
    centres = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    g = torch.Generator().manual_seed(1)
    features = (centres[labels] + 0.05 * torch.randn(12, 3, generator=g)) * 7.0
    monkeypatch.setattr(pretrain, "train_rotation_model",
                        lambda images, **kw: {"state": {}, "final_rotation_loss": 0.25})
    monkeypatch.setattr(pretrain, "load_networks", lambda *a, **kw: {"encoder": nn.Identity()})
    monkeypatch.setattr(pretrain, "apply_in_chunks", lambda net, images, device: features)
    labeler = P.ClusteringLabels(pca_dims=2, num_clusters=3)
    labeler.prepare(dataset, seed=0, cache_dir=str(tmp_path), device="cpu")

    unit = torch.nn.functional.normalize(features, dim=1)
    mean, basis = P.principal_axes(unit, 2)
    reduced = (unit - mean) @ basis
    p = labeler.projection
    torch.testing.assert_close(p["mean"], mean)
    torch.testing.assert_close(p["basis"].abs(), basis.abs())
    assign = labeler.train_scores.argmax(1)
    spread = ((reduced - p["centres"][assign]) ** 2).sum(1).mean()
    assert float(spread) < 0.1
    torch.testing.assert_close(p["spread"], spread)
    torch.testing.assert_close(labeler.train_scores, -torch.cdist(reduced, p["centres"]) ** 2 / spread,
                               rtol=1e-4, atol=1e-4)
    sizes = torch.bincount(assign, minlength=3)
    torch.testing.assert_close(labeler.cluster_frequencies, sizes.double() / 12)
    assert labeler.cluster_frequencies.sum().item() == pytest.approx(1.0)
    assert labeler.describe()["cluster_sizes"] == sizes.tolist()
    assert labeler.describe()["pretrain_accuracy"] == 1.0


def test_spread_has_a_floor(monkeypatch, tmp_path):
    # every feature identical: zero within-cluster spread is floored at 1e-8
    dataset = make_dataset(balanced_labels(6, 2), 2, size=2)
    features = torch.ones(6, 3)
    monkeypatch.setattr(pretrain, "train_rotation_model",
                        lambda images, **kw: {"state": {}, "final_rotation_loss": 0.25})
    monkeypatch.setattr(pretrain, "load_networks", lambda *a, **kw: {"encoder": nn.Identity()})
    monkeypatch.setattr(pretrain, "apply_in_chunks", lambda net, images, device: features)
    labeler = P.ClusteringLabels(pca_dims=2, num_clusters=2)
    labeler.prepare(dataset, seed=0, cache_dir=str(tmp_path), device="cpu")
    assert float(labeler.projection["spread"]) == pytest.approx(1e-8)
