"""Metric plugins for class-conditional generators: intra-class FID and the classification
accuracy score (CAS, Ravuri & Vinyals 2019). Both refuse unconditional generators, and
generators whose classes are not the dataset's (cluster ids, another class count), with an error
that says so: their per-class comparisons would pair unrelated classes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import torch

from ganbench.components import resolve
from ganbench.interfaces import optional

from .feature_metrics import DOMAIN, INCEPTION, inception_extractor, sample_count, uses_extractors
from .fid import fid_from_features


def check_conditional(ctx, metric: str) -> None:
    """Raise a clear error unless G's classes are the reference set's classes."""
    if ctx.num_classes < 1:
        raise ValueError(f"{metric} needs a class-conditional generator; this one is unconditional "
                         "(num_classes = 0)")
    clusters = bool(optional(ctx.labeler, "cluster_labels", False))
    if clusters or ctx.num_classes != ctx.reference.num_classes:
        raise ValueError(f"{metric} needs G's classes to be the dataset's classes; G has "
                         f"{ctx.num_classes} classes{' (cluster ids)' if clusters else ''}, "
                         f"the reference set {ctx.reference.num_classes}")
    if getattr(ctx.reference, "labels", None) is None:
        raise ValueError(f"{metric} needs labelled reference images")


def _make_intra_fid(num_samples_per_class: int | None, extractor: str, suffix: str) -> Callable[..., dict]:
    def metric(ctx) -> dict[str, float]:
        check_conditional(ctx, "intra_fid")
        model = resolve("feature_extractors", extractor, dataset=ctx.train, test_dataset=ctx.reference)
        real_all, _ = ctx.reference_features(extractor)
        labels = torch.as_tensor(ctx.reference.labels)
        results = {}
        for c in range(ctx.num_classes):
            real = real_all[labels == c]
            if len(real) < 2:
                raise ValueError(f"intra_fid: class {c} has {len(real)} reference images; it needs at least 2")
            fake, _ = model.extract(ctx.class_samples(c, num_samples_per_class or len(real)))
            results[f"fid_intra_c{c}"] = fid_from_features(real, fake)
        results["fid_intra"] = sum(results.values()) / ctx.num_classes
        return {f"{name}{suffix}": value for name, value in results.items()}
    return uses_extractors(metric, extractor)


def intra_fid(num_samples_per_class: int | None = None, extractor: str = INCEPTION,
              resize: str = "legacy") -> Callable[..., dict]:
    """Intra-class FID: per class c (``fid_intra_c<c>``) and the mean over classes (``fid_intra``).

    Class c's FID compares the real test images of class c with as many samples generated for c
    (or ``num_samples_per_class``). Results start with ``fid`` so tables treat them as distances."""
    return _make_intra_fid(num_samples_per_class, *inception_extractor(extractor, resize))


def intra_fid_domain(num_samples_per_class: int | None = None) -> Callable[..., dict]:
    """Intra-class FID on domain-classifier features (``fid_intra_domain``, ``fid_intra_c<c>_domain``)."""
    return _make_intra_fid(num_samples_per_class, DOMAIN, "_domain")


@dataclass
class LabelledImages:
    """What the domain classifier's trainer reads from a dataset."""

    images: torch.Tensor
    labels: torch.Tensor
    num_classes: int


def accuracy(model: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor, resolution: int,
             device: Any, batch_size: int = 500) -> float:
    from .extractors.domain_classifier import to_input
    correct = 0
    with torch.no_grad():
        for x, y in zip(images.split(batch_size), labels.split(batch_size)):
            logits = model(to_input(x.to(device), resolution))[1]
            correct += int((logits.argmax(1).cpu() == y).sum())
    return correct / len(images)


def classification_accuracy_score(num_samples: int | None = None, epochs: int = 10, batch_size: int = 256,
                                  lr: float = 3e-3, width: int = 32, seed: int = 0) -> Callable[..., dict]:
    """Classification accuracy score: real-test accuracy of a classifier trained on samples (``cas``).

    The classifier (the domain classifier's SmallCNN and training code) is trained only on
    ``num_samples`` generated images, ``num_samples // K`` per class with the class they were
    generated for, tested on the real test images (``cas``); the same classifier trained on as
    many real training images (``cas_real``, cached per dataset and settings) is the reference."""
    def metric(ctx) -> dict[str, float]:
        from .extractors.domain_classifier import DomainClassifier, SmallCNN, train_classifier
        check_conditional(ctx, "classification_accuracy_score")
        per_class = sample_count(num_samples, ctx) // ctx.num_classes
        if per_class < 1:
            raise ValueError(f"classification_accuracy_score needs at least one sample per class, "
                             f"got {sample_count(num_samples, ctx)} for {ctx.num_classes} classes")
        images = torch.cat([ctx.class_samples(c, per_class) for c in range(ctx.num_classes)])
        labels = torch.arange(ctx.num_classes).repeat_interleave(per_class)
        settings = {"epochs": epochs, "batch_size": batch_size, "lr": lr, "width": width,
                    "resolution": int(ctx.reference.images.shape[-1]), "max_train_images": len(images),
                    "seed": seed}
        device = torch.device(ctx.device) if ctx.device is not None else torch.device("cpu")
        trained = train_classifier(LabelledImages(images, labels, ctx.num_classes), settings, device)
        model = SmallCNN(images.shape[1], ctx.num_classes, width)
        model.load_state_dict(trained["state_dict"])
        model.to(device).eval()
        cas = accuracy(model, ctx.reference.images, torch.as_tensor(ctx.reference.labels),
                       settings["resolution"], device)
        real = DomainClassifier(ctx.train, settings, device=device, test_dataset=ctx.reference)
        return {"cas": cas, "cas_real": float(real.test_accuracy)}
    return metric
