"""The one in-memory dataset class every built-in dataset returns, and the helpers they share."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

SPLITS = ("train", "test")


@dataclass
class InMemoryImageDataset:
    """Implements ``ganbench.interfaces.ImageDataset``: uint8 images [N, C, H, W] and int64 labels."""

    name: str
    split: str
    images: torch.Tensor
    labels: torch.Tensor
    class_names: list[str]
    _digest: str | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.images.dtype != torch.uint8 or self.images.ndim != 4:
            raise ValueError(f"{self.name}: images must be uint8 [N, C, H, W], got "
                             f"{self.images.dtype} {tuple(self.images.shape)}")
        if self.labels.shape != (len(self.images),):
            raise ValueError(f"{self.name}: {len(self.labels)} labels for {len(self.images)} images")
        self.labels = self.labels.to(torch.int64)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def resolution(self) -> int:
        return int(self.images.shape[-1])

    def __len__(self) -> int:
        return len(self.images)

    def cache_key(self) -> str:
        """``name-split-rRES-<hash of the pixels and labels>``: equal keys mean equal contents,
        whatever produced them (generator version, files on disk, resize settings)."""
        if self._digest is None:
            h = hashlib.blake2b(digest_size=8)
            h.update(repr((tuple(self.images.shape), self.class_names)).encode())
            h.update(self.images.contiguous().numpy().tobytes())
            h.update(self.labels.contiguous().numpy().tobytes())
            self._digest = h.hexdigest()
        return f"{self.name}-{self.split}-r{self.resolution}-{self._digest}"


def check_split(dataset: str, split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"datasets.{dataset}: split must be one of {SPLITS}, got {split!r}")


def check_resolution(dataset: str, resolution: object, minimum: int = 4) -> int:
    if not isinstance(resolution, int) or isinstance(resolution, bool) or resolution < minimum:
        raise ValueError(f"datasets.{dataset}: resolution must be an integer >= {minimum}, got "
                         f"{resolution!r} (set it in gin, e.g. datasets.{dataset}.resolution = 32)")
    return resolution


def check_channels(dataset: str, channels: object) -> int:
    if channels not in (1, 3):
        raise ValueError(f"datasets.{dataset}: channels must be 1 or 3, got {channels!r}")
    return int(channels)


def resize_images(images: torch.Tensor, resolution: int, chunk: int = 4096) -> torch.Tensor:
    """Resize uint8 [N, C, H, W] square images to ``resolution`` (bilinear, antialiased when
    shrinking so fine detail averages out instead of aliasing). Works in chunks to bound memory."""
    if images.shape[-2:] == (resolution, resolution):
        return images
    out = torch.empty((*images.shape[:2], resolution, resolution), dtype=torch.uint8)
    for start in range(0, len(images), chunk):
        block = images[start:start + chunk].float()
        block = F.interpolate(block, size=(resolution, resolution), mode="bilinear",
                              align_corners=False, antialias=True)
        out[start:start + chunk] = block.round_().clamp_(0, 255).to(torch.uint8)
    return out
