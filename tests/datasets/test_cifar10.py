"""CIFAR-10 from python-version batches written here (same layout and pickling as the real ones)."""
import io
import pickle
import tarfile

import numpy as np
import pytest

from ganbench_datasets.cifar10 import cifar10

SIZES = {"data_batch_1": 2, "data_batch_2": 1, "data_batch_3": 2, "data_batch_4": 1, "data_batch_5": 1,
         "test_batch": 3}


def fake_batches(folder):
    """Write batches whose pixel (c, y, x) of image k is (k * 7 + c * 50 + y + x) % 256, stored
    the CIFAR way: rows of 3072 bytes = the R plane, then G, then B, each row-major."""
    folder.mkdir(parents=True, exist_ok=True)
    expected, first = {}, 0
    c, y, x = np.indices((3, 32, 32))
    for name, n in SIZES.items():
        images = np.stack([(k * 7 + c * 50 + y + x) % 256 for k in range(first, first + n)]).astype(np.uint8)
        labels = [(k * 3) % 10 for k in range(first, first + n)]
        batch = {b"batch_label": b"fake", b"labels": labels, b"data": images.reshape(n, 3072)}
        (folder / name).write_bytes(pickle.dumps(batch, protocol=2))
        expected[name] = (images, labels)
        first += n
    return expected


def _concat(expected, names):
    return (np.concatenate([expected[n][0] for n in names]), sum((expected[n][1] for n in names), []))


def test_reads_train_and_test_in_channel_first_layout(tmp_path):
    expected = fake_batches(tmp_path / "cifar-10-batches-py")
    for split, names in (("train", [f"data_batch_{i}" for i in range(1, 6)]), ("test", ["test_batch"])):
        for root in (tmp_path, tmp_path / "cifar-10-batches-py"):      # parent or the folder itself
            ds = cifar10(split, root=str(root))
            images, labels = _concat(expected, names)
            np.testing.assert_array_equal(ds.images.numpy(), images)
            assert ds.labels.tolist() == labels
    assert ds.num_classes == 10 and ds.class_names[0] == "airplane"


def test_pixel_layout_by_hand(tmp_path):
    fake_batches(tmp_path)
    ds = cifar10("test", root=str(tmp_path))
    # test_batch holds images 7, 8, 9: pixel (c=2, y=5, x=9) of image 8 is (56 + 100 + 14) % 256
    assert ds.images[1, 2, 5, 9].item() == 170


def test_reads_the_original_tarball(tmp_path):
    expected = fake_batches(tmp_path / "src" / "cifar-10-batches-py")
    with tarfile.open(tmp_path / "cifar-10-python.tar.gz", "w:gz") as tar:
        tar.add(tmp_path / "src" / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    ds = cifar10("test", root=str(tmp_path), resolution=16)
    assert ds.images.shape == (3, 3, 16, 16)
    assert ds.labels.tolist() == expected["test_batch"][1]


def test_missing_data_and_root(tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        cifar10(root=str(tmp_path))
    assert str(tmp_path) in str(err.value) and "cifar-10-python.tar.gz" in str(err.value)
    with pytest.raises(ValueError, match="datasets.cifar10.root"):
        cifar10()


def test_refuses_pickles_that_would_run_code(tmp_path):
    fake_batches(tmp_path)
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (open, (str(marker), "w"))
    (tmp_path / "test_batch").write_bytes(pickle.dumps({b"data": Exploit()}, protocol=2))
    with pytest.raises(ValueError, match="refusing to load"):
        cifar10("test", root=str(tmp_path))
    assert not marker.exists()


def test_wrong_contents_are_reported(tmp_path):
    fake_batches(tmp_path)
    buf = io.BytesIO()
    pickle.dump({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}, buf, protocol=2)
    (tmp_path / "test_batch").write_bytes(buf.getvalue())
    with pytest.raises(ValueError, match=r"uint8 \[N, 3072\]"):
        cifar10("test", root=str(tmp_path))
