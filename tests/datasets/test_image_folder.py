"""`image_folder` on small folders of PNGs written here, including broken ones."""
import os
import time

import numpy as np
import pytest
import torch
from PIL import Image

from ganbench_datasets import image_folder as image_folder_module
from ganbench_datasets.image_folder import image_folder

RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)


def save(path, pixels):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(pixels, dtype=np.uint8)).save(path)
    return path


def solid(colour, width=12, height=12):
    return np.broadcast_to(np.array(colour, np.uint8), (height, width, 3))


def three_bands(width=30, height=10):
    """Red | green | blue vertical bands: a centre crop keeps only the green one."""
    pixels = np.zeros((height, width, 3), np.uint8)
    third = width // 3
    pixels[:, :third], pixels[:, third:2 * third], pixels[:, 2 * third:] = RED, GREEN, BLUE
    return pixels


def make_classes(root):
    save(root / "cats" / "a.png", solid(RED))
    save(root / "cats" / "nested" / "b.png", solid(RED, 20, 16))
    save(root / "dogs" / "c.png", three_bands())
    save(root / "dogs" / "d.jpg", solid(BLUE, 8, 8))
    (root / "dogs" / "notes.txt").write_text("not an image")


def test_class_subfolders_crop_and_resize(tmp_path):
    make_classes(tmp_path)
    ds = image_folder(root=str(tmp_path), resolution=8, test_fraction=0, cache=False)
    assert ds.class_names == ["cats", "dogs"] and ds.labels.tolist() == [0, 0, 1, 1]
    assert ds.images.shape == (4, 3, 8, 8) and ds.images.dtype == torch.uint8
    assert (ds.images[:2, 0] == 255).all() and (ds.images[:2, 1:] == 0).all()      # red
    centre = ds.images[2].float()                                                 # banded -> green
    assert centre[1].min() >= 250 and centre[[0, 2]].max() <= 5
    assert ds.images[3, 2].float().mean() > 240                                   # blue JPEG


def test_flat_folder_is_one_class_and_grey_mode(tmp_path):
    folder = tmp_path / "flowers"
    save(folder / "x.png", solid((200, 100, 50)))
    save(folder / "y.png", solid(GREEN))
    ds = image_folder(root=str(folder), resolution=4, channels=1, test_fraction=0, cache=False)
    assert ds.class_names == ["flowers"] and ds.labels.tolist() == [0, 0]
    assert ds.images.shape == (2, 1, 4, 4)
    # Pillow's L conversion: L = (299 R + 587 G + 114 B) / 1000
    assert ds.images[0].float().mean().item() == pytest.approx((299 * 200 + 587 * 100 + 114 * 50) / 1000, abs=1)


def test_hashed_split_is_disjoint_complete_and_stable(tmp_path):
    for i in range(40):
        save(tmp_path / "k" / f"{i:02d}.png", solid((i * 6, 0, 0), 4, 4))
    kwargs = dict(root=str(tmp_path), resolution=4, test_fraction=0.25, cache=False)
    train, test = image_folder("train", **kwargs), image_folder("test", **kwargs)
    reds = lambda ds: set(ds.images[:, 0, 0, 0].tolist())  # noqa: E731  (each file has its own red)
    assert len(train) + len(test) == 40 and not reds(train) & reds(test)
    assert 3 <= len(test) <= 20
    for i in range(40, 60):
        save(tmp_path / "k" / f"{i:02d}.png", solid((i * 4 + 1, 0, 0), 4, 4))
    assert reds(test) <= reds(image_folder("test", **kwargs))   # old files keep their split


def test_train_and_test_subfolders(tmp_path):
    save(tmp_path / "train" / "a" / "1.png", solid(RED))
    save(tmp_path / "train" / "b" / "2.png", solid(GREEN))
    save(tmp_path / "test" / "a" / "3.png", solid(BLUE))
    save(tmp_path / "test" / "b" / "4.png", solid(GREEN))
    train = image_folder("train", root=str(tmp_path), resolution=4, cache=False)
    test = image_folder("test", root=str(tmp_path), resolution=4, cache=False)
    assert (len(train), len(test)) == (2, 2) and test.class_names == ["a", "b"]
    assert test.images[0, 2].float().mean() > 250


def test_test_folder_missing_a_class_keeps_the_train_label_ids(tmp_path):
    save(tmp_path / "train" / "a" / "1.png", solid(RED))
    save(tmp_path / "train" / "b" / "2.png", solid(GREEN))
    save(tmp_path / "test" / "b" / "3.png", solid(GREEN))
    test = image_folder("test", root=str(tmp_path), resolution=4, cache=False)
    assert test.class_names == ["a", "b"] and test.labels.tolist() == [1]
    save(tmp_path / "test" / "c" / "4.png", solid(BLUE))
    with pytest.raises(ValueError, match=r"class folders \['c'\] that the train folder does not have"):
        image_folder("test", root=str(tmp_path), resolution=4, cache=False)


def test_cache_is_reused_and_invalidated_by_changed_files(tmp_path, monkeypatch):
    monkeypatch.setenv("GANBENCH_CACHE", str(tmp_path / "cache"))
    data = tmp_path / "data"
    save(data / "a.png", solid(RED))
    first = image_folder(root=str(data), resolution=4, test_fraction=0)
    calls = []
    real = image_folder_module._decode_all
    monkeypatch.setattr(image_folder_module, "_decode_all", lambda *a: calls.append(1) or real(*a))
    assert torch.equal(image_folder(root=str(data), resolution=4, test_fraction=0).images, first.images)
    assert calls == []
    save(data / "a.png", solid(BLUE, 14, 14))
    changed = image_folder(root=str(data), resolution=4, test_fraction=0)
    assert calls == [1] and changed.images[0, 2].float().mean() > 250


def test_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist") as err:
        image_folder(root=str(tmp_path / "absent"), resolution=8)
    assert str(tmp_path / "absent") in str(err.value)


@pytest.mark.parametrize("contents", [[], ["README.txt"]])
def test_folder_without_images(tmp_path, contents):
    for name in contents:
        (tmp_path / name).write_text("hello")
    (tmp_path / "empty_class").mkdir()
    with pytest.raises(ValueError, match="no image files") as err:
        image_folder(root=str(tmp_path), resolution=8, cache=False)
    assert str(tmp_path) in str(err.value)


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_corrupt_image_is_named(tmp_path, damage):
    save(tmp_path / "ok" / "fine.png", solid(RED))
    bad = tmp_path / "ok" / "broken.png"
    if damage == "garbage":
        bad.write_bytes(b"\x00\x01 this is not a picture " * 10)
    else:
        good = save(tmp_path / "full.png", np.random.default_rng(0).integers(0, 255, (64, 64, 3)))
        bad.write_bytes(good.read_bytes()[:300])
        good.unlink()
    with pytest.raises(ValueError, match="cannot decode image file") as err:
        image_folder(root=str(tmp_path), resolution=8, test_fraction=0, cache=False)
    assert str(bad) in str(err.value)


def test_configuration_mistakes(tmp_path):
    save(tmp_path / "loose.png", solid(RED))
    save(tmp_path / "cls" / "x.png", solid(RED))
    with pytest.raises(ValueError, match="both loose images"):
        image_folder(root=str(tmp_path), resolution=8, cache=False)
    with pytest.raises(ValueError, match="needs a resolution"):
        image_folder(root=str(tmp_path))
    with pytest.raises(ValueError, match="needs a folder"):
        image_folder(resolution=8)
    with pytest.raises(ValueError, match="split of .* is empty"):
        image_folder("test", root=str(tmp_path / "cls"), resolution=8, test_fraction=0, cache=False)


def _swap_keeping_size_and_mtime(path, pixels):
    """Replace a PNG's bytes with another image of the same byte size, then set its mtime back,
    as `cp -p`, `rsync -a` and `tar x` do."""
    before = path.stat()
    old = path.read_bytes()
    save(path, pixels)
    new = path.read_bytes()
    assert new != old
    new = (new + b"\0" * len(old))[:len(old)] if len(new) <= len(old) else None
    if new is None:   # the new PNG is longer: pad the old one instead (PNG ignores trailing bytes)
        raise AssertionError("pick a replacement image that encodes smaller")
    path.write_bytes(new)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


@pytest.mark.parametrize("racy_seconds", [3.0, 0.0])
def test_content_swap_with_preserved_size_and_mtime_is_noticed(tmp_path, monkeypatch, racy_seconds):
    """racy_seconds=0: only the stat fields (ctime, inode) can tell; 3: the fresh file is hashed."""
    monkeypatch.setenv("GANBENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(image_folder_module, "RACY_SECONDS", racy_seconds)
    data = tmp_path / "data"
    noisy = np.random.default_rng(1).integers(0, 255, (12, 12, 3))
    path = save(data / "a" / "x.png", noisy)
    save(data / "b" / "y.png", solid(GREEN))
    first = image_folder(root=str(data), resolution=4, test_fraction=0)
    time.sleep(0.05)   # past the filesystem's timestamp tick, as any real copy is
    _swap_keeping_size_and_mtime(path, solid(BLUE))
    second = image_folder(root=str(data), resolution=4, test_fraction=0)
    assert first.cache_key() != second.cache_key()
    assert second.images[0, 2].float().mean() > 250      # the new, blue image


def test_content_fingerprint_mode(tmp_path, monkeypatch):
    monkeypatch.setenv("GANBENCH_CACHE", str(tmp_path / "cache"))
    data = tmp_path / "data"
    save(data / "x.png", solid(RED))
    key = lambda: image_folder_module.folder_fingerprint([data / "x.png"], data, "content")  # noqa: E731
    before = key()
    os.utime(data / "x.png", ns=(0, 0))      # touching alone changes nothing in content mode
    assert key() == before
    save(data / "x.png", solid(BLUE))
    assert key() != before
    assert image_folder(root=str(data), resolution=4, test_fraction=0, fingerprint="content").images[0, 2].min() > 250
    with pytest.raises(ValueError, match="fingerprint must be one of"):
        image_folder(root=str(data), resolution=4, fingerprint="mtime")


def test_class_with_too_few_test_images_warns(tmp_path, capsys):
    for i in range(30):
        save(tmp_path / "many" / f"{i}.png", solid((i, 0, 0), 4, 4))
    save(tmp_path / "single" / "only.png", solid(GREEN, 4, 4))
    image_folder("test", root=str(tmp_path), resolution=4, test_fraction=0.5, cache=False)
    err = capsys.readouterr().err
    assert "fewer than 5 test images" in err and "'single' (0)" in err and "test_fraction=0.5" in err
