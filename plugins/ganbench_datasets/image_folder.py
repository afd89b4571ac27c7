"""`image_folder`: any folder of images, one subfolder per class (or flat = one class)."""
from __future__ import annotations

import hashlib
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch

from ganbench.storage import cached

from .base import InMemoryImageDataset, check_channels, check_resolution, check_split

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm", ".pgm")


def image_folder(split: str = "train", resolution: int | None = None, root: str | None = None,
                 channels: int = 3, test_fraction: float = 0.1, split_seed: int = 0,
                 cache: bool = True, fingerprint: str = "stat") -> InMemoryImageDataset:
    """Images from a local folder: one subfolder per class (or a flat folder = one class).

    Images are decoded with Pillow, converted to RGB (``channels=3``) or grey (``channels=1``),
    centre-cropped to a square and resized to ``resolution`` (required; bicubic, antialiased).
    Splits: when ``root`` has ``train/`` and ``test/`` subfolders, each split reads its own;
    otherwise a stable hash of each file's path (with ``split_seed``) sends a ``test_fraction``
    of the files to the test split, so adding files never moves existing ones between splits.
    Decoded arrays are cached under the ganbench cache (``ganbench cache list``), keyed by a
    fingerprint of the files (``folder_fingerprint``): with ``fingerprint='stat'`` (default) each
    file's path, size, modification time, inode change time (ctime) and inode, and the content of
    files changed in the last few seconds; with ``'content'`` a hash of every file's bytes.
    ``cache=False`` decodes every time.
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
    if fingerprint not in FINGERPRINTS:
        raise ValueError(f"datasets.image_folder: fingerprint must be one of {FINGERPRINTS}, got "
                         f"{fingerprint!r}")
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
    if split == "test":
        _warn_thin_classes(folder, class_names, files, test_fraction if not presplit else None)

    def compute() -> dict:
        images = _decode_all([p for p, _ in files], resolution, channels)
        return {"images": torch.from_numpy(images), "labels": torch.tensor([y for _, y in files])}

    if not cache:
        arrays = compute()
        return InMemoryImageDataset("image_folder", split, arrays["images"], arrays["labels"], class_names)
    parts = {"folder": str(folder), "split": split, "resolution": resolution, "channels": channels,
             "classes": class_names, "labels": hashlib.sha256(repr([y for _, y in files]).encode()).hexdigest(),
             "fingerprint": fingerprint, "files": folder_fingerprint([p for p, _ in files], folder, fingerprint)}
    arrays = cached("datasets/image_folder", parts, compute)
    return InMemoryImageDataset("image_folder", split, arrays["images"], arrays["labels"], class_names)


FINGERPRINTS = ("stat", "content")
# Files whose inode changed this recently (seconds) are content-hashed even in "stat" mode: a
# file rewritten again within the filesystem's timestamp granularity (a jiffy, or 1-2 s on some
# network and FAT filesystems) could otherwise keep its ctime (git's "racy clean" problem).
RACY_SECONDS = 3.0


def folder_fingerprint(paths: list[Path], folder: Path, mode: str = "stat") -> str:
    """A hash that changes whenever any file's bytes change, even when a copy keeps the size and
    modification time (``cp -p``, ``rsync -a``, ``tar x``).

    ``"stat"``: per file its path (relative to ``folder``), size, mtime, ctime and inode. Writing a
    file, renaming one over it, or setting its mtime back (as those tools do) all set ctime to
    the current time, which no user tool can set back; so a changed file changes the hash. Files
    whose ctime is within ``RACY_SECONDS`` of now are also hashed by content, so a rewrite
    inside one timestamp tick is still noticed. Cost: one ``stat`` per file (1.2-4 s per 100k
    files on the 2-core dev VM under load, less than listing the folder; docs/datasets.md). False alarms (``touch``, ``chmod``, a fresh copy
    of identical files) only cost a re-decode: everything downstream is keyed by the decoded
    pixels (``InMemoryImageDataset.cache_key``), which do not change.

    ``"content"``: a blake2b hash of every file's bytes (reads the whole folder each time; use
    it where ctime cannot be trusted, e.g. some network filesystems).
    """
    now = time.time_ns()
    h = hashlib.blake2b(digest_size=16)
    for path in paths:
        rel = path.relative_to(folder).as_posix()
        if mode == "content":
            h.update(repr((rel, _content_hash(path))).encode())
            continue
        st = os.stat(path)
        racy = now - st.st_ctime_ns < RACY_SECONDS * 1e9 or now - st.st_mtime_ns < RACY_SECONDS * 1e9
        h.update(repr((rel, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino,
                       _content_hash(path) if racy else None)).encode())
    return h.hexdigest()


def _content_hash(path: Path) -> str:
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


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


FEW_TEST_IMAGES = 5     # below this many test images, a class's test accuracy means little
_warned: set[tuple] = set()


def _warn_thin_classes(folder: Path, class_names: list[str], files: list[tuple[Path, int]],
                       test_fraction: float | None) -> None:
    """Warn (stderr, once per process and folder) about classes with fewer than
    ``FEW_TEST_IMAGES`` test images: the domain classifier's test accuracy, ``*_domain``
    reference statistics and per-class metrics say little about such a class."""
    counts = [0] * len(class_names)
    for _, label in files:
        counts[label] += 1
    thin = [f"{name!r} ({n})" for name, n in zip(class_names, counts) if n < FEW_TEST_IMAGES]
    key = (str(folder), tuple(thin))
    if not thin or key in _warned:
        return
    _warned.add(key)
    how = (f"the hashed split sends test_fraction={test_fraction} of each class's files to the test "
           "split, so raise test_fraction, add images, or give train/ and test/ subfolders"
           if test_fraction is not None else "add images to those classes under test/")
    print(f"ganbench: warning: datasets.image_folder: in {folder}, {len(thin)} class(es) have fewer "
          f"than {FEW_TEST_IMAGES} test images: {', '.join(thin[:8])}{' ...' if len(thin) > 8 else ''}; "
          f"test accuracy and test statistics of those classes mean little ({how})",
          file=sys.stderr)


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
