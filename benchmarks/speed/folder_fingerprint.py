"""What it costs `datasets.image_folder` to notice changed images: the folder listing, the
``stat`` fingerprint (size, mtime, ctime, inode per file; the default), the ``content``
fingerprint (a hash of every file's bytes), and for scale the decoding that a cache hit saves.

    python benchmarks/speed/folder_fingerprint.py --files 100000 --size 32

Writes N random PNGs (10 class folders) into a temporary folder (or --folder, reused if it
already holds them), then times each step a few times on warm page cache (the usual case:
a study builds its datasets again and again) and prints one line per step with the per-file
cost and the extrapolation to 100k files. Decoding is timed on the first --decode files only.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np


def make_folder(folder: Path, files: int, size: int) -> None:
    from PIL import Image
    rng = np.random.default_rng(0)
    existing = sum(1 for _ in folder.rglob("*.png")) if folder.exists() else 0
    if existing == files:
        return
    for i in range(files):
        path = folder / f"class{i % 10}" / f"{i:07d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(path)


def timed(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--size", type=int, default=32, help="side of each random PNG (pixels)")
    parser.add_argument("--folder", help="where to write the images (default: a temporary folder)")
    parser.add_argument("--decode", type=int, default=5000, help="files to decode for the comparison")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from ganbench_datasets import image_folder as m

    tmp = None if args.folder else tempfile.TemporaryDirectory()
    folder = Path(args.folder or tmp.name) / "images"
    start = time.perf_counter()
    make_folder(folder, args.files, args.size)
    written = time.perf_counter() - start
    total_bytes = sum(p.stat().st_size for p in folder.rglob("*.png"))
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}; python {platform.python_version()}")
    print(f"folder: {args.files} PNGs of {args.size}x{args.size}, {total_bytes / 1e6:.0f} MB "
          f"(written in {written:.1f} s)")
    time.sleep(m.RACY_SECONDS + 0.5)   # past the racy window: "stat" hashes no content
    paths = [p for p, _ in m.list_images(folder)[1]]
    steps = {
        "list files (list_images)": lambda: m.list_images(folder),
        "fingerprint='stat' (default)": lambda: m.folder_fingerprint(paths, folder, "stat"),
        "fingerprint='content'": lambda: m.folder_fingerprint(paths, folder, "content"),
        f"decode + resize (first {min(args.decode, len(paths))} files)":
            lambda: m._decode_all(paths[:args.decode], 32, 3),
    }
    for name, fn in steps.items():
        seconds = timed(fn, args.repeats)
        n = min(args.decode, len(paths)) if name.startswith("decode") else len(paths)
        print(f"{name:<44} {seconds:8.3f} s  {seconds / n * 1e6:7.1f} us/file  "
              f"-> {seconds / n * 100_000:6.1f} s per 100k files")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
