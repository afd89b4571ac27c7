"""Every cache keyed on data follows the images' content: after a swap that keeps each file's size
and mtime, the domain classifier is trained again, reference features are recomputed and the
pre-trained labeler's cache key changes (all derive their keys from ``dataset.cache_key()``)."""
import ast
import os
import time
from pathlib import Path

import numpy as np
from PIL import Image

from ganbench_datasets.image_folder import image_folder

REPO = Path(__file__).resolve().parents[2]


def write(root, seed):
    rng = np.random.default_rng(seed)
    for c in ("a", "b"):
        for i in range(12):
            path = root / c / f"{i}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)).save(path)


def swap_all_keeping_size_and_mtime(root):
    """Every file gets another file's bytes of the same length (random 8x8 PNGs all have one
    size), with its own mtime set back: what `rsync -a` from a changed copy leaves."""
    files = sorted(root.rglob("*.png"))
    stats = {p: p.stat() for p in files}
    blobs = {p: p.read_bytes() for p in files}
    for p, q in zip(files, files[1:] + files[:1]):
        if len(blobs[q]) == stats[p].st_size:
            p.write_bytes(blobs[q])
        os.utime(p, ns=(stats[p].st_atime_ns, stats[p].st_mtime_ns))
        assert (p.stat().st_size, p.stat().st_mtime_ns) == (stats[p].st_size, stats[p].st_mtime_ns)


def test_domain_classifier_and_labeler_keys_follow_a_content_swap(tmp_path, monkeypatch):
    monkeypatch.setenv("GANBENCH_CACHE", str(tmp_path / "cache"))
    from ganbench_metrics.extractors.domain_classifier import domain_classifier
    from ganbench_label_efficiency.pretrained import S2GANLabels
    root = tmp_path / "data"
    write(root, 0)
    kwargs = dict(root=str(root), resolution=8, test_fraction=0.25)
    train, test = image_folder("train", **kwargs), image_folder("test", **kwargs)
    first = domain_classifier(dataset=train, test_dataset=test, epochs=1, device="cpu")
    assert first.trained_now
    again = domain_classifier(dataset=image_folder("train", **kwargs), test_dataset=test, epochs=1, device="cpu")
    assert not again.trained_now                     # same content: loaded from the cache
    time.sleep(0.05)
    swap_all_keeping_size_and_mtime(root)
    train2 = image_folder("train", **kwargs)
    assert train2.cache_key() != train.cache_key()
    second = domain_classifier(dataset=train2, test_dataset=image_folder("test", **kwargs), epochs=1, device="cpu")
    assert second.trained_now and second.cache_key() != first.cache_key()
    keys = []
    for data in (train, train2):     # pre-training is keyed on dataset.cache_key()
        labeler = S2GANLabels(fraction=0.5, steps=1, batch_size=4, width=4)
        labeler.prepare(data, seed=0, cache_dir=str(tmp_path / "cache"))
        keys.append(labeler.cache_key)
    assert keys[0] != keys[1]


def test_every_cache_of_data_is_keyed_by_cache_key():
    """Each module that calls storage.cached() outside the datasets themselves puts a
    cache_key() of its data into the key parts."""
    offenders = []
    for path in [*REPO.joinpath("plugins").rglob("*.py"), *REPO.joinpath("ganbench").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        if "cached(" not in text or path.name == "storage.py" or "ganbench_datasets" in path.parts:
            continue
        calls = [n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Call)
                 and getattr(n.func, "id", getattr(n.func, "attr", None)) == "cached"]
        if calls and "cache_key()" not in text and "dataset_key" not in text:
            offenders.append(str(path.relative_to(REPO)))
    assert not offenders, f"caches not keyed on the data's cache_key(): {offenders}"
