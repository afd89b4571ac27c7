"""`fashion_mnist`: Zalando's Fashion-MNIST from its standard IDX files, never downloaded."""
from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import torch

from .base import InMemoryImageDataset, check_channels, check_resolution, check_split, resize_images

DEFAULT_ROOT = "/usr/share/datasets/fashion-mnist/"
CLASS_NAMES = ["t-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt",
               "sneaker", "bag", "ankle boot"]
_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
          "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
# torchvision keeps the same files under root/FashionMNIST/raw/, so accept that layout too.
_SUBDIRS = ("", "FashionMNIST/raw")
# IDX type codes (third byte of the magic number) -> big-endian numpy dtypes.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def fashion_mnist(split: str = "train", resolution: int | None = None,
                  root: str = DEFAULT_ROOT, channels: int = 1) -> InMemoryImageDataset:
    """Fashion-MNIST (10 clothing classes, 60k train / 10k test) from local gzipped IDX files.

    ``root`` holds the four standard files (``train-images-idx3-ubyte.gz``, ``train-labels-
    idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz``; uncompressed
    copies work too), directly or under ``FashionMNIST/raw/`` as torchvision stores them. The
    default is where Debian's ``dataset-fashion-mnist`` package installs them. Images (28x28
    grey) are resized to ``resolution`` (default 32) with antialiasing; ``channels=3`` repeats
    the grey channel for RGB architectures and feature extractors.
    """
    check_split("fashion_mnist", split)
    resolution = check_resolution("fashion_mnist", 32 if resolution is None else resolution)
    channels = check_channels("fashion_mnist", channels)
    image_name, label_name = _FILES[split]
    images = read_idx(_find(root, image_name))
    labels = read_idx(_find(root, label_name))
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(f"datasets.fashion_mnist: {root}: expected images [N, 28, 28] and labels [N], "
                         f"got {images.shape} and {labels.shape}; are these Fashion-MNIST files?")
    tensor = resize_images(torch.from_numpy(images.astype(np.uint8))[:, None], resolution)
    if channels == 3:
        tensor = tensor.expand(-1, 3, -1, -1).contiguous()
    return InMemoryImageDataset("fashion_mnist", split, tensor,
                                torch.from_numpy(labels.astype(np.int64)), list(CLASS_NAMES))


def _find(root: str, name: str) -> Path:
    """The file ``name`` (gzipped or not) under ``root`` or its torchvision layout."""
    base = Path(root).expanduser()
    candidates = [base / sub / (name + ext) for sub in _SUBDIRS for ext in (".gz", "")]
    for path in candidates:
        if path.is_file():
            return path
    raise FileNotFoundError(
        f"datasets.fashion_mnist: {name}.gz not found under {base} (looked for "
        f"{', '.join(str(p) for p in candidates)}). ganbench never downloads data. Either install "
        "Debian's package (`apt-get install dataset-fashion-mnist`, which puts the files in "
        f"{DEFAULT_ROOT}), or copy the four standard files train-images-idx3-ubyte.gz, "
        "train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz "
        "into a folder and set datasets.fashion_mnist.root to it.")


def read_idx(path: str | Path) -> np.ndarray:
    """Parse an IDX file (gzipped when the name ends in .gz): a 4-byte magic number (two zero
    bytes, a type code, the number of dimensions), the dimensions as big-endian int32, then data."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as err:
        raise ValueError(f"cannot read IDX file {path}: {err}") from err
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number {data[:4].hex()}); "
                         "expected e.g. 00000803 for images or 00000801 for labels")
    dtype, ndim = np.dtype(_IDX_DTYPES[data[2]]), data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{path}: IDX file ends inside its header; the file is truncated")
    shape = tuple(int(d) for d in np.frombuffer(data[4:header], dtype=">i4"))
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected:
        raise ValueError(f"{path}: IDX header says shape {shape} ({expected} bytes in all) but the "
                         f"file has {len(data)} bytes; the file is truncated or corrupt")
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))
