"""Labelers whose labels come from a pre-trained feature extractor: Clustering and S2GAN.

Pre-training runs once per (dataset, settings, fraction, seed) and is cached with
``ganbench.storage.cached``: every grid cell needing the same one loads it. The cache holds the
networks' weights and the scores of every training image, so labels need no second pass.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ganbench.storage import cached, key_hash

from . import pretrain
from .base import BaseLabeler, hold_unregistered
from .kmeans import kmeans, matched_accuracy
from .subsets import check_fraction

CACHE_NAMESPACE = "label_efficiency"
CACHE_VERSION = 1   # bump when pre-training changes, so stale caches are not reused


class PretrainedLabeler(BaseLabeler):
    """Shared machinery: settings validation, the cached pre-training, hard or soft labels."""

    def __init__(self, *, soft: bool, steps: int, batch_size: int, lr: float, width: int) -> None:
        super().__init__()
        for name, value in (("steps", steps), ("batch_size", batch_size), ("width", width)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"labelers.{self.name}: {name}={value!r} must be a positive integer")
        if not lr > 0:
            raise ValueError(f"labelers.{self.name}: lr={lr!r} must be > 0")
        self.soft = bool(soft)
        self.settings = {"steps": steps, "batch_size": batch_size, "lr": lr, "width": width}
        self.train_scores: torch.Tensor | None = None
        self.cache_key: str | None = None
        self.facts: dict[str, Any] = {}
        hold_unregistered(self, "networks", None)

    def run_cached(self, dataset: Any, parts: dict[str, Any], compute) -> dict[str, Any]:
        """Fetch the pre-training for ``parts`` from the cache, or compute and store it."""
        parts = {"method": self.name, "version": CACHE_VERSION, "dataset": self.dataset_key,
                 "seed": self.seed, **self.settings, **parts}
        self.cache_key = key_hash(parts)
        self.channels = dataset.images.shape[1]
        return cached(CACHE_NAMESPACE, parts, compute, root=self.cache_dir)

    def pretrain(self, dataset: Any, **extra: Any) -> dict[str, Any]:
        return pretrain.train_rotation_model(dataset.images, seed=self.seed, device=self.device,
                                             **self.settings, **extra)

    def labels_from_scores(self, scores: torch.Tensor) -> torch.Tensor:
        """Hard labels (argmax, int64) or soft labels (softmax rows) from class scores."""
        return torch.softmax(scores, dim=1) if self.soft else scores.argmax(1)

    def real_labels(self, index: torch.Tensor, features: torch.Tensor | None) -> torch.Tensor:
        self._require_prepared()
        return self.labels_from_scores(self.train_scores[index])

    def networks_for_predict(self, num_heads: int) -> nn.ModuleDict:
        if self.networks is None:
            nets = pretrain.load_networks(self.state, self.channels, self.settings["width"],
                                          num_heads, self.device)
            hold_unregistered(self, "networks", nets)
        return self.networks

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "soft": self.soft, "pretrain_settings": self.settings,
                "cache_keys": {"pretraining": self.cache_key}, **self.facts}


class ClusteringLabels(PretrainedLabeler):
    """Clustering: k-means on rotation-pre-trained features; cluster ids label reals and fakes.

    F is trained with rotation prediction on all training images (no labels); its features are
    L2-normalised, projected on their top ``pca_dims`` principal axes and clustered with a seeded
    k-means (``num_clusters``, default the dataset's number of classes). Fake labels follow the
    empirical cluster frequencies. Soft labels are the softmax of ``-squared distance / mean
    within-cluster squared distance`` to the centres.
    """

    name = "clustering"
    cluster_labels = True

    def __init__(self, num_clusters: int | None = None, soft: bool = False, steps: int = 400,
                 batch_size: int = 32, lr: float = 2e-3, width: int = 16,
                 pca_dims: int = 32, kmeans_restarts: int = 4) -> None:
        super().__init__(soft=soft, steps=steps, batch_size=batch_size, lr=lr, width=width)
        if num_clusters is not None and (not isinstance(num_clusters, int) or num_clusters < 2):
            raise ValueError(f"labelers.clustering: num_clusters={num_clusters!r} must be an integer "
                             ">= 2, or None for the dataset's number of classes")
        if not isinstance(pca_dims, int) or pca_dims < 1:
            raise ValueError(f"labelers.clustering: pca_dims={pca_dims!r} must be a positive integer")
        self.requested_clusters = num_clusters
        self.cluster_settings = {"pca_dims": pca_dims, "kmeans_restarts": kmeans_restarts}

    def prepare(self, dataset: Any, **kwargs: Any) -> None:
        super().prepare(dataset, **kwargs)
        k = self.requested_clusters or int(dataset.num_classes)

        def compute() -> dict[str, Any]:
            trained = self.pretrain(dataset)
            nets = pretrain.load_networks(trained["state"], dataset.images.shape[1],
                                          self.settings["width"], 0, self.device)
            features = normalise(pretrain.apply_in_chunks(nets["encoder"], dataset.images, self.device))
            mean, basis = principal_axes(features, self.cluster_settings["pca_dims"])
            reduced = (features - mean) @ basis
            centres, assign = kmeans(reduced, k, seed=self.seed,
                                     restarts=self.cluster_settings["kmeans_restarts"])
            spread = ((reduced - centres[assign]) ** 2).sum(1).mean().clamp(min=1e-8)
            return {**trained, "mean": mean, "basis": basis, "centres": centres, "spread": spread,
                    "assignments": assign, "train_scores": -torch.cdist(reduced, centres) ** 2 / spread}

        result = self.run_cached(dataset, {"num_clusters": k, **self.cluster_settings}, compute)
        self.num_classes = k
        self.state = result["state"]
        self.projection = {name: result[name] for name in ("mean", "basis", "centres", "spread")}
        self.train_scores = result["train_scores"].to(self.device)
        assign = result["assignments"]
        self.cluster_frequencies = torch.bincount(assign, minlength=k).double() / len(assign)
        self.facts = {"num_clusters": k, **self.cluster_settings,
                      "final_rotation_loss": result["final_rotation_loss"],
                      "cluster_sizes": torch.bincount(assign, minlength=k).tolist(),
                      "pretrain_accuracy": matched_accuracy(assign, dataset.labels)}

    def sample_fake_labels(self, n: int, generator: torch.Generator) -> torch.Tensor:
        prior = self.cluster_frequencies.to(generator.device)
        return torch.multinomial(prior, n, replacement=True, generator=generator)

    def predict(self, images: torch.Tensor) -> torch.Tensor:
        """Scores [N, num_clusters] (negative scaled squared distance to each cluster centre)."""
        encoder = self.networks_for_predict(0)["encoder"]
        features = normalise(pretrain.apply_in_chunks(encoder, images, self.device))
        p = self.projection
        return -torch.cdist((features - p["mean"]) @ p["basis"], p["centres"]) ** 2 / p["spread"]


class S2GANLabels(PretrainedLabeler):
    """S2GAN: a classifier pre-trained with rotation loss + gamma * CE on the labelled subset labels every real.

    Every real image, labelled ones included, carries the classifier's prediction (METHODS.md:
    "label every real image with the classifier's hard prediction"); ``soft=True`` uses its
    softmax instead. The labelled subset is the shared one for (fraction, seed). Fake-label prior
    uniform.
    """

    name = "s2gan"

    def __init__(self, fraction: float = 0.1, gamma: float = 1.0, soft: bool = False,
                 steps: int = 400, batch_size: int = 32, lr: float = 2e-3, width: int = 16) -> None:
        super().__init__(soft=soft, steps=steps, batch_size=batch_size, lr=lr, width=width)
        if not isinstance(gamma, (int, float)) or gamma <= 0:
            raise ValueError(f"labelers.s2gan: gamma={gamma!r} must be > 0 (weight of the classifier loss)")
        self.requested_fraction = check_fraction(fraction, where="labelers.s2gan")
        self.gamma = float(gamma)

    def prepare(self, dataset: Any, **kwargs: Any) -> None:
        super().prepare(dataset, **kwargs)
        self.choose_labelled(dataset, self.requested_fraction)
        labelled = self.labelled_index.cpu()

        def compute() -> dict[str, Any]:
            trained = self.pretrain(dataset, labelled=labelled, labels=dataset.labels,
                                    num_classes=self.num_classes, gamma=self.gamma)
            nets = pretrain.load_networks(trained["state"], dataset.images.shape[1],
                                          self.settings["width"], self.num_classes, self.device)
            classifier = nn.Sequential(nets["encoder"], nets["classifier"])
            return {**trained, "train_scores": pretrain.apply_in_chunks(classifier, dataset.images, self.device)}

        result = self.run_cached(dataset, {"fraction": self.fraction, "gamma": self.gamma}, compute)
        self.state = result["state"]
        self.train_scores = result["train_scores"].to(self.device)
        self.facts = {"gamma": self.gamma, "final_rotation_loss": result["final_rotation_loss"],
                      **label_accuracies(result["train_scores"].argmax(1), dataset.labels, labelled)}

    def predict(self, images: torch.Tensor) -> torch.Tensor:
        """Class logits [N, num_classes] of the pre-trained classifier c_S2L(F(x))."""
        nets = self.networks_for_predict(self.num_classes)
        return pretrain.apply_in_chunks(nn.Sequential(nets["encoder"], nets["classifier"]), images,
                                        self.device)


def normalise(features: torch.Tensor) -> torch.Tensor:
    """Unit-length rows, so k-means compares directions of F's features, not their scale."""
    return torch.nn.functional.normalize(features, dim=1)


def principal_axes(features: torch.Tensor, dims: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean [D] and the top ``dims`` principal directions [D, dims] (exact, so deterministic).

    k-means runs in this subspace: on Fashion-MNIST it is as accurate as the full 1024-d features
    (57% vs 57%) at a twentieth of the cost.
    """
    mean = features.mean(0)
    centred = features - mean
    _, vectors = torch.linalg.eigh(centred.T @ centred)   # ascending eigenvalues
    return mean, vectors[:, -min(dims, features.shape[1]):].flip(1).contiguous()


def label_accuracies(predicted: torch.Tensor, truth: torch.Tensor, labelled: torch.Tensor) -> dict[str, float]:
    """Accuracy of inferred labels on all training images and on the unlabelled ones."""
    correct = (predicted.cpu() == truth.cpu()).float()
    unlabelled = torch.ones(len(truth), dtype=torch.bool)
    unlabelled[labelled] = False
    rest = correct[unlabelled]
    return {"pretrain_accuracy": float(correct.mean()),
            "pretrain_accuracy_unlabelled": float(rest.mean()) if len(rest) else None}
