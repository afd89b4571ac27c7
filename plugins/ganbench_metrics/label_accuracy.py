"""Accuracy of predicted labels against true labels, with cluster-to-class matching.

Cluster ids (from k-means labelers) carry no class meaning, so they are first matched one-to-one
to classes by the Hungarian assignment that maximises agreement on the confusion matrix
(scipy.optimize.linear_sum_assignment); clusters left without a class count as wrong.
"""
from __future__ import annotations

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment


def confusion_matrix(predicted: torch.Tensor, true: torch.Tensor, num_predicted: int,
                     num_true: int) -> np.ndarray:
    """counts[p, t] = number of items predicted p whose true label is t."""
    flat = predicted.long().cpu() * num_true + true.long().cpu()
    counts = torch.bincount(flat, minlength=num_predicted * num_true)
    return counts.reshape(num_predicted, num_true).numpy()


def hungarian_mapping(predicted: torch.Tensor, true: torch.Tensor, num_predicted: int,
                      num_true: int) -> torch.Tensor:
    """Map each predicted id to a class (-1 when unmatched), maximising matches."""
    counts = confusion_matrix(predicted, true, num_predicted, num_true)
    rows, cols = linear_sum_assignment(counts, maximize=True)
    mapping = torch.full((num_predicted,), -1, dtype=torch.long)
    mapping[torch.as_tensor(rows)] = torch.as_tensor(cols)
    return mapping


def matched_accuracy(predicted: torch.Tensor, true: torch.Tensor, num_predicted: int,
                     num_true: int) -> float:
    """Top-1 accuracy of cluster ids after the best one-to-one cluster-to-class matching."""
    mapping = hungarian_mapping(predicted, true, num_predicted, num_true)
    return (mapping[predicted.long().cpu()] == true.long().cpu()).double().mean().item()


def topk_accuracy(scores: torch.Tensor, true: torch.Tensor, k: int) -> float:
    """Fraction of rows whose true class is among the k highest scores."""
    top = scores.topk(k, dim=1).indices.cpu()
    return (top == true.long().cpu().unsqueeze(1)).any(dim=1).double().mean().item()
