"""Toy datasets and a tiny projection discriminator shared by the label-efficiency tests."""
from __future__ import annotations

from types import SimpleNamespace

import torch
from torch import nn


def make_dataset(labels: torch.Tensor, num_classes: int, size: int = 8, channels: int = 1,
                 key: str = "toy", images: torch.Tensor | None = None) -> SimpleNamespace:
    """An ImageDataset stand-in; by default each class is a distinct blocky pattern plus noise."""
    if images is None:
        images = class_patterns(labels, num_classes, size, channels)
    return SimpleNamespace(name=key, split="train", images=images, labels=labels.long(),
                           num_classes=num_classes, class_names=[str(c) for c in range(num_classes)],
                           cache_key=lambda: key)


def class_patterns(labels: torch.Tensor, num_classes: int, size: int, channels: int) -> torch.Tensor:
    """Class c lights quadrant c % 4 (brightness rising with c // 4); noise keeps images distinct."""
    generator = torch.Generator().manual_seed(0)
    images = torch.randint(0, 40, (len(labels), channels, size, size), generator=generator)
    half = size // 2
    for c in range(num_classes):
        rows, cols = divmod(c % 4, 2)
        block = images[labels == c]
        block[:, :, rows * half:(rows + 1) * half, cols * half:(cols + 1) * half] += 150 + 30 * (c // 4)
        images[labels == c] = block
    return images.clamp(0, 255).to(torch.uint8)


def balanced_labels(n: int, num_classes: int) -> torch.Tensor:
    return torch.arange(n) % num_classes


class TinyProjectionD(nn.Module):
    """D(x, y) = c(D~(x)) + <embed(y), D~(x)>, with a one-layer trunk D~."""

    def __init__(self, in_features: int, feature_dim: int = 6, num_classes: int = 3) -> None:
        super().__init__()
        self.feature_dim = feature_dim
        self.num_classes = num_classes
        self.trunk = nn.Linear(in_features, feature_dim)
        self.c = nn.Linear(feature_dim, 1)
        self.embed = nn.Embedding(num_classes, feature_dim)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.trunk(x.flatten(1)))

    def logits(self, h: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        out = self.c(h).squeeze(1)
        return out if y is None else out + (self.embed(y) * h).sum(1)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.logits(self.features(x), y)

