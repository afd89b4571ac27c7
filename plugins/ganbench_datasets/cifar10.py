"""`cifar10`: CIFAR-10 from the standard "python version" batches on local disk."""
from __future__ import annotations

import io
import pickle
import tarfile
from pathlib import Path

import numpy as np
import torch

from .base import InMemoryImageDataset, check_resolution, check_split, resize_images

CLASS_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
_BATCHES = {"train": [f"data_batch_{i}" for i in range(1, 6)], "test": ["test_batch"]}
_FOLDER = "cifar-10-batches-py"
_TARBALL = "cifar-10-python.tar.gz"


def cifar10(split: str = "train", resolution: int | None = None,
            root: str | None = None) -> InMemoryImageDataset:
    """CIFAR-10 (10 classes, 50k train / 10k test, 32x32 RGB) from the local python-version batches.

    ``root`` is the ``cifar-10-batches-py`` folder (``data_batch_1`` .. ``data_batch_5``,
    ``test_batch``), a folder containing it, or a folder holding the original
    ``cifar-10-python.tar.gz`` (read without extracting). Nothing is downloaded.
    ``resolution`` (default 32, native) resizes with antialiasing.
    """
    check_split("cifar10", split)
    resolution = check_resolution("cifar10", 32 if resolution is None else resolution)
    if root is None:
        raise ValueError("datasets.cifar10 needs the folder of the CIFAR-10 python batches: set "
                         "datasets.cifar10.root = '/path/to/cifar-10-batches-py' in your gin file")
    images, labels = [], []
    for name, blob in _batches(Path(root).expanduser(), _BATCHES[split]):
        batch = _load_batch(blob, name)
        images.append(batch["data"].reshape(-1, 3, 32, 32))   # rows are R plane, G plane, B plane
        labels.append(np.asarray(batch["labels"], dtype=np.int64))
    tensor = resize_images(torch.from_numpy(np.concatenate(images)), resolution)
    return InMemoryImageDataset("cifar10", split, tensor, torch.from_numpy(np.concatenate(labels)),
                                list(CLASS_NAMES))


def _batches(root: Path, names: list[str]):
    """Yield (name, bytes) of the batch files, from a folder or from the original tarball."""
    for folder in (root, root / _FOLDER):
        if all((folder / n).is_file() for n in names):
            for n in names:
                yield n, (folder / n).read_bytes()
            return
    tarball = root / _TARBALL
    if tarball.is_file():
        with tarfile.open(tarball, "r:gz") as tar:
            for n in names:
                member = tar.extractfile(f"{_FOLDER}/{n}")
                if member is None:
                    raise ValueError(f"datasets.cifar10: {tarball} has no {_FOLDER}/{n}")
                yield n, member.read()
        return
    raise FileNotFoundError(
        f"datasets.cifar10: no CIFAR-10 batches under {root}: looked for {', '.join(names)} in "
        f"{root} and {root / _FOLDER}, and for {tarball}. ganbench never downloads data: get "
        "cifar-10-python.tar.gz (the 'CIFAR-10 python version' from the CIFAR website) onto this "
        "machine, put it (or its extracted cifar-10-batches-py folder) in a folder, and set "
        "datasets.cifar10.root to that folder.")


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """The batches are pickles of dicts holding numpy arrays; refuse any other global so that a
    tampered file cannot run code when loaded. (``_codecs.encode`` is how Python 3 writes bytes
    into protocol-2 pickles, as re-pickled copies of the batches have.)"""

    _ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
                ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode")}

    def find_class(self, module: str, name: str):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")


def _load_batch(blob: bytes, name: str) -> dict:
    """The batch's ``data`` (uint8 [N, 3072]) and ``labels``; keys are bytes in the original
    Python 2 pickles and str in re-pickled copies, so both are accepted."""
    try:
        batch = _NumpyOnlyUnpickler(io.BytesIO(blob), encoding="bytes").load()
    except Exception as err:
        raise ValueError(f"datasets.cifar10: {name} is not a CIFAR-10 python batch ({err})") from err
    if isinstance(batch, dict):
        batch = {k.decode() if isinstance(k, bytes) else k: v for k, v in batch.items()}
    if not isinstance(batch, dict) or "data" not in batch or "labels" not in batch:
        raise ValueError(f"datasets.cifar10: {name} is not a CIFAR-10 python batch "
                         "(expected a dict with 'data' and 'labels')")
    data = np.asarray(batch["data"])
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise ValueError(f"datasets.cifar10: {name}: data should be uint8 [N, 3072], got "
                         f"{data.dtype} {data.shape}")
    return {"data": data, "labels": batch["labels"]}
