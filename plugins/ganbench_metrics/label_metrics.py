"""Metric plugins about labels: how well a labeler labels real images (``label_accuracy``), and
whether a conditional generator draws the class it is asked for (``class_consistency``)."""
from __future__ import annotations

from typing import Any, Callable

import torch

from ganbench.components import resolve
from ganbench.interfaces import optional

from .feature_metrics import uses_extractors
from .label_accuracy import hungarian_mapping, matched_accuracy, topk_accuracy


def _predict_in_batches(labeler, images: torch.Tensor, batch_size: int) -> torch.Tensor | None:
    scores = []
    for batch in images.split(batch_size):
        out = labeler.predict(batch)
        if out is None:
            return None
        scores.append(out.detach().float().cpu())
    return torch.cat(scores)


def label_accuracy(batch_size: int = 1000) -> Callable[..., dict]:
    """Top-1/top-5 accuracy of the labeler on the reference set (``label_accuracy_top1/top5``).

    Returns {} when the labeler predicts nothing. Cluster ids (``labeler.cluster_labels``) are
    Hungarian-matched to classes before top-1, and get no top-5; top-5 needs more than 5 classes.
    """
    def metric(ctx) -> dict[str, float]:
        if ctx.labeler is None or not hasattr(ctx.labeler, "predict"):
            return {}
        scores = _predict_in_batches(ctx.labeler, ctx.reference.images, batch_size)
        if scores is None:
            return {}
        true = ctx.reference.labels
        if optional(ctx.labeler, "cluster_labels", False):
            # Cluster ids have no class meaning: top-1 after matching, and no top-5.
            top1 = matched_accuracy(scores.argmax(1), true, scores.shape[1], ctx.reference.num_classes)
            return {"label_accuracy_top1": top1}
        result = {"label_accuracy_top1": topk_accuracy(scores, true, 1)}
        if scores.shape[1] > 5:
            result["label_accuracy_top5"] = topk_accuracy(scores, true, 5)
        return result
    return metric


def class_consistency(num_samples_per_class: int = 100,
                      classifier: Any = "domain_classifier") -> Callable[..., dict]:
    """Domain-classifier accuracy on samples generated for each class (``class_consistency``).

    Returns {} for unconditional generators. When G's classes are cluster ids (or their number
    differs from the dataset's), G's classes are Hungarian-matched to true classes first.
    """
    def metric(ctx) -> dict[str, float]:
        if ctx.num_classes < 2:
            return {}
        model = resolve("feature_extractors", classifier, dataset=ctx.train)
        asked, predicted = [], []
        for c in range(ctx.num_classes):
            logits = model.extract(ctx.class_samples(c, num_samples_per_class))[1]
            predicted.append(logits.argmax(1))
            asked.append(torch.full_like(predicted[-1], c))
        asked, predicted = torch.cat(asked), torch.cat(predicted)
        same_classes = ctx.num_classes == ctx.train.num_classes
        if optional(ctx.labeler, "cluster_labels", False) or not same_classes:
            mapping = hungarian_mapping(asked, predicted, ctx.num_classes, ctx.train.num_classes)
            asked = mapping[asked]
        return {"class_consistency": (asked == predicted).double().mean().item()}
    return uses_extractors(metric, classifier)
