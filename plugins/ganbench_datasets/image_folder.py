"""`image_folder`: any folder of images, one subfolder per class (or flat = one class)."""
from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch

from ganbench.storage import cached

from .base import InMemoryImageDataset, check_channels, check_resolution, check_split

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm", ".pgm")


def image_folder(split: str = "train", resolution: int | None = None, root: str | None = None,
                 channels: int = 3, test_fraction: float = 0.1, split_seed: int = 0,
                 cache: bool = True) -> InMemoryImageDataset:
    """Images from a local folder: one subfolder per class (or a flat folder = one class).

    Images are decoded with Pillow, converted to RGB (``channels=3``) or grey (``channels=1``),
    centre-cropped to a square and resized to ``resolution`` (required; bicubic, antialiased).
    Splits: when ``root`` has ``train/`` and ``test/`` subfolders, each split reads its own;
    otherwise a stable hash of each file's path (with ``split_seed``) sends a ``test_fraction``
    of the files to the test split, so adding files never moves existing ones between splits.
    Decoded arrays are cached under the ganbench cache, keyed by the file list, sizes and
    modification times (``cache=False`` to turn off).
    """
    check_split("image_folder", split)
    if root is None:
        raise ValueError("datasets.image_folder needs a folder: set "
                         "datasets.image_folder.root = '/path/to/images' in your gin file")
    if resolution is None:
        raise ValueError("datasets.image_folder needs a resolution: set "
                         "datasets.image_folder.resolution = 128 (for example) in your gin file")
    resolution = check_resolution("image_folder", resolution)
    channels = check_channels("image_folder", channels)
    if not 0 <= test_fraction < 1:
        raise ValueError(f"datasets.image_folder: test_fraction must be in [0, 1), got {test_fraction!r}")
    base = Path(root).expanduser().resolve()
    if not base.is_dir():
        raise FileNotFoundError(f"datasets.image_folder: folder {base} does not exist (root={root!r}); "
                                "set datasets.image_folder.root to a folder of images")
    presplit = (base / "train").is_dir() and (base / "test").is_dir()
    folder = base / split if presplit else base
    # With train/ and test/ folders, the train folder defines the classes, so that a class
    # missing from test/ cannot shift the label ids.
    classes = list_images(base / "train")[0] if presplit else None
    class_names, files = list_images(folder, classes)
    if not presplit:
        files = _hashed_split(files, folder, split, split_seed, test_fraction)

    def compute() -> dict:
        images = _decode_all([p for p, _ in files], resolution, channels)
        return {"images": torch.from_numpy(images), "labels": torch.tensor([y for _, y in files])}

    listing = [(str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns) for p, _ in files]
    parts = {"folder": str(folder), "resolution": resolution, "channels": channels,
             "classes": class_names, "files": hashlib.sha256(repr(listing).encode()).hexdigest()}
    arrays = cached("datasets/image_folder", parts, compute) if cache else compute()
    return InMemoryImageDataset("image_folder", split, arrays["images"], arrays["labels"], class_names)


def list_images(folder: Path, classes: list[str] | None = None) -> tuple[list[str], list[tuple[Path, int]]]:
    """(class names, [(file, label)]) with classes = subfolders holding images, sorted by name
    (or ``classes`` when given); a folder with only loose images is one class named after it."""
    is_image = lambda p: p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES  # noqa: E731
    loose = sorted(p for p in folder.iterdir() if is_image(p))
    class_dirs = {d.name: sorted(p for p in d.rglob("*") if is_image(p))
                  for d in sorted(folder.iterdir()) if d.is_dir() and not d.name.startswith(".")}
    class_dirs = {name: paths for name, paths in class_dirs.items() if paths}
    if loose and class_dirs:
        raise ValueError(f"datasets.image_folder: {folder} holds both loose images (e.g. {loose[0].name}) "
                         f"and class subfolders ({', '.join(class_dirs)}); move the loose images "
                         "into a class subfolder, or point root at a folder with only one kind")
    if not loose and not class_dirs:
        raise ValueError(f"datasets.image_folder: no image files in {folder} or its subfolders "
                         f"(looked for {', '.join(IMAGE_SUFFIXES)})")
    if loose:
        return classes or [folder.name], [(p, 0) for p in loose]
    names = classes or list(class_dirs)
    unknown = sorted(set(class_dirs) - set(names))
    if unknown:
        raise ValueError(f"datasets.image_folder: {folder} has class folders {unknown} that the "
                         f"train folder does not have (classes: {names}); make both splits agree")
    return names, [(p, names.index(name)) for name, paths in class_dirs.items() for p in paths]


def _hashed_split(files: list[tuple[Path, int]], folder: Path, split: str, seed: int,
                  test_fraction: float) -> list[tuple[Path, int]]:
    """The files of ``split``: a file is in the test split when the hash of its path (relative
    to ``folder``) falls below ``test_fraction``, which depends on nothing but that file."""
    def in_test(path: Path) -> bool:
        key = f"{seed}:{path.relative_to(folder).as_posix()}".encode()
        return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big") / 2 ** 64 < test_fraction

    chosen = [(p, y) for p, y in files if in_test(p) == (split == "test")]
    if not chosen:
        raise ValueError(f"datasets.image_folder: the {split} split of {folder} is empty "
                         f"(test_fraction={test_fraction}); raise test_fraction, or add "
                         "train/ and test/ subfolders")
    return chosen


def _decode_all(paths: list[Path], resolution: int, channels: int) -> np.ndarray:
    # Pillow releases the GIL while decoding, so threads give a real speed-up on big folders.
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        arrays = list(pool.map(lambda p: load_image(p, resolution, channels), paths))
    return np.stack(arrays)


def load_image(path: Path, resolution: int, channels: int) -> np.ndarray:
    """Decode one file, centre-crop to a square, resize: uint8 [channels, resolution, resolution]."""
    from PIL import Image

    try:
        with Image.open(path) as img:
            img = img.convert("RGB" if channels == 3 else "L")
    except (OSError, ValueError, Image.DecompressionBombError) as err:
        raise ValueError(f"datasets.image_folder: cannot decode image file {path}: {err}. "
                         "Delete or replace the file (or move it out of the folder).") from err
    side = min(img.size)
    left, top = (img.width - side) // 2, (img.height - side) // 2
    img = img.crop((left, top, left + side, top + side))
    img = img.resize((resolution, resolution), Image.Resampling.BICUBIC)
    array = np.asarray(img, dtype=np.uint8)
    return array[None] if channels == 1 else array.transpose(2, 0, 1)
