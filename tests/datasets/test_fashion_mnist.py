"""Fashion-MNIST: the IDX parser on files written here, the loader's layout handling and
errors, and the real files when Debian's dataset-fashion-mnist package is installed."""
import gzip
import os
import struct

import numpy as np
import pytest
import torch
from torchvision.datasets.mnist import read_sn3_pascalvincent_tensor

from ganbench_datasets.fashion_mnist import DEFAULT_ROOT, fashion_mnist, read_idx


def write_idx(path, array, type_code=0x08, compress=None):
    """Write an IDX file by hand: magic (0, 0, type, ndim), big-endian int32 dims, big-endian data."""
    header = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}i", *array.shape)
    dtype = {0x08: ">u1", 0x0C: ">i4", 0x0D: ">f4"}[type_code]
    blob = header + array.astype(dtype).tobytes()
    compress = str(path).endswith(".gz") if compress is None else compress
    path.write_bytes(gzip.compress(blob) if compress else blob)
    return path


def write_fake_fashion(folder, n_train=6, n_test=4, seed=0):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    data = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, n).astype(np.uint8)
        write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", images)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", labels)
        data[prefix] = (images, labels)
    return data


def test_read_idx_matches_hand_written_values(tmp_path):
    ints = np.array([[1, -2, 70000], [2 ** 31 - 1, 0, -(2 ** 31)]])
    floats = np.array([0.5, -1.25, 3e8], dtype=np.float32)
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "i.idx", ints, 0x0C)), ints)
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "f.idx.gz", floats, 0x0D)), floats)
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    parsed = read_idx(write_idx(tmp_path / "u.idx", images))
    np.testing.assert_array_equal(parsed, images)
    # torchvision's own IDX reader agrees on the same file
    np.testing.assert_array_equal(read_sn3_pascalvincent_tensor(str(tmp_path / "u.idx")).numpy(), images)


def test_read_idx_rejects_bad_and_truncated_files(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(30))
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(tmp_path / "bad")
    good = write_idx(tmp_path / "t.idx", np.zeros((3, 28, 28), np.uint8), compress=False)
    (tmp_path / "short").write_bytes(good.read_bytes()[:-5])
    with pytest.raises(ValueError, match="truncated"):
        read_idx(tmp_path / "short")
    (tmp_path / "not.gz").write_bytes(b"plain bytes, not gzip")
    with pytest.raises(ValueError, match="cannot read IDX file"):
        read_idx(tmp_path / "not.gz")


def test_loads_images_and_labels_unchanged_at_28(tmp_path):
    data = write_fake_fashion(tmp_path)
    for split, prefix in (("train", "train"), ("test", "t10k")):
        ds = fashion_mnist(split, resolution=28, root=str(tmp_path))
        images, labels = data[prefix]
        assert ds.images.shape == (len(images), 1, 28, 28)
        np.testing.assert_array_equal(ds.images[:, 0].numpy(), images)
        np.testing.assert_array_equal(ds.labels.numpy(), labels)
        assert ds.num_classes == 10 and ds.class_names[9] == "ankle boot"


def test_channels_and_resize(tmp_path):
    write_fake_fashion(tmp_path)
    grey = fashion_mnist(resolution=32, root=str(tmp_path))
    rgb = fashion_mnist(resolution=32, root=str(tmp_path), channels=3)
    assert grey.images.shape == (6, 1, 32, 32) and rgb.images.shape == (6, 3, 32, 32)
    assert all(torch.equal(rgb.images[:, c], grey.images[:, 0]) for c in range(3))
    with pytest.raises(ValueError, match="channels must be 1 or 3"):
        fashion_mnist(root=str(tmp_path), channels=2)


def test_torchvision_layout_and_uncompressed_files(tmp_path):
    raw = tmp_path / "FashionMNIST" / "raw"
    data = write_fake_fashion(raw)
    for f in raw.glob("*.gz"):   # torchvision keeps extracted copies next to the archives
        f.with_suffix("").write_bytes(gzip.decompress(f.read_bytes()))
        f.unlink()
    ds = fashion_mnist("test", resolution=28, root=str(tmp_path))
    np.testing.assert_array_equal(ds.images[:, 0].numpy(), data["t10k"][0])


def test_missing_files_say_where_and_how(tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        fashion_mnist(root=str(tmp_path / "nowhere"))
    message = str(err.value)
    assert str(tmp_path / "nowhere") in message and "train-images-idx3-ubyte.gz" in message
    assert "apt-get install dataset-fashion-mnist" in message and "t10k-labels-idx1-ubyte.gz" in message


def test_mismatched_files_are_reported(tmp_path):
    write_fake_fashion(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.zeros(5, np.uint8))   # 6 images, 5 labels
    with pytest.raises(ValueError, match="are these Fashion-MNIST files"):
        fashion_mnist(root=str(tmp_path))


REAL = os.path.isfile(os.path.join(DEFAULT_ROOT, "t10k-images-idx3-ubyte.gz"))


@pytest.mark.skipif(not REAL, reason=f"real Fashion-MNIST not installed in {DEFAULT_ROOT} "
                    "(apt-get install dataset-fashion-mnist)")
def test_real_fashion_mnist(tmp_path):
    test = fashion_mnist("test", resolution=28)
    assert test.images.shape == (10000, 1, 28, 28)
    assert torch.bincount(test.labels).tolist() == [1000] * 10
    # torchvision's reader on the decompressed file gives the same pixels
    raw = tmp_path / "t10k-images-idx3-ubyte"
    with gzip.open(os.path.join(DEFAULT_ROOT, "t10k-images-idx3-ubyte.gz")) as f:
        raw.write_bytes(f.read())
    assert torch.equal(read_sn3_pascalvincent_tensor(str(raw)), test.images[:, 0])
    train_labels = read_idx(os.path.join(DEFAULT_ROOT, "train-labels-idx1-ubyte.gz"))
    assert len(train_labels) == 60000 and np.bincount(train_labels).tolist() == [6000] * 10
    assert train_labels[:4].tolist() == [9, 0, 0, 3]      # the well-known first labels
    resized = fashion_mnist("test")                        # default: 32x32, one channel
    assert resized.images.shape == (10000, 1, 32, 32)
    assert resized.images.float().mean().item() == pytest.approx(test.images.float().mean().item(), rel=0.02)
