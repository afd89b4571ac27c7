"""Shared fixtures for the metrics tests: a tiny in-memory dataset and a private cache folder."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest
import torch


@dataclass
class TinyDataset:
    """Just enough of interfaces.ImageDataset for the metrics."""

    name: str
    split: str
    images: torch.Tensor
    labels: torch.Tensor
    num_classes: int
    class_names: list = field(default_factory=list)

    def cache_key(self) -> str:
        return f"{self.name}-{self.split}-{len(self.images)}-{int(self.images.sum())}"


def blob_dataset(split: str, n: int, seed: int, resolution: int = 16) -> TinyDataset:
    """4 classes: a bright square in one of four quadrants, random colour tint and noise."""
    gen = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, 4, (n,), generator=gen)
    images = torch.rand(n, 3, resolution, resolution, generator=gen) * 60
    half = resolution // 2
    for i, label in enumerate(labels.tolist()):
        y0, x0 = (label // 2) * half, (label % 2) * half
        jitter = torch.randint(0, 3, (2,), generator=gen).tolist()
        tint = 120 + torch.rand(3, 1, 1, generator=gen) * 135
        images[i, :, y0 + jitter[0]:y0 + jitter[0] + half - 2, x0 + jitter[1]:x0 + jitter[1] + half - 2] = tint
    return TinyDataset("blobs", split, images.clamp(0, 255).to(torch.uint8), labels, 4)


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    """Point ganbench's shared cache at a fresh folder for this test."""
    monkeypatch.setenv("GANBENCH_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"
