"""The procedural `shapes` dataset: determinism, splits, balance, and that its labels mean something."""
import hashlib

import numpy as np
import pytest
import torch

from ganbench_datasets import shapes as shapes_module
from ganbench_datasets.base import resize_images
from ganbench_datasets.shapes import generate_shapes, shapes


def test_default_format():
    ds = shapes(num_train=50, cache=False)
    assert ds.images.shape == (50, 3, 32, 32) and ds.images.dtype == torch.uint8
    assert ds.labels.dtype == torch.int64 and ds.num_classes == len(ds.class_names) >= 10
    assert ds.name == "shapes" and ds.split == "train"


@pytest.mark.parametrize("resolution", [16, 64])
def test_resolution(resolution):
    assert shapes(num_train=20, resolution=resolution, cache=False).images.shape == (20, 3, resolution, resolution)


def test_same_seed_same_bytes_other_seed_other_images():
    a = shapes(num_train=300, resolution=16, seed=3, cache=False)
    b = shapes(num_train=300, resolution=16, seed=3, cache=False)
    c = shapes(num_train=300, resolution=16, seed=4, cache=False)
    assert torch.equal(a.images, b.images) and torch.equal(a.labels, b.labels)
    assert a.cache_key() == b.cache_key() != c.cache_key()
    assert (a.images != c.images).float().mean() > 0.5


def _row_hashes(images):
    return {hashlib.sha1(row.tobytes()).hexdigest() for row in images.numpy()}


def test_splits_are_disjoint_and_independent():
    train = shapes("train", num_train=600, num_test=200, resolution=16, cache=False)
    test = shapes("test", num_train=600, num_test=200, resolution=16, cache=False)
    assert len(_row_hashes(train.images)) == 600
    assert not _row_hashes(train.images) & _row_hashes(test.images)
    # the train split does not depend on how many test images are asked for
    other = shapes("train", num_train=600, num_test=999, resolution=16, cache=False)
    assert torch.equal(train.images, other.images)


@pytest.mark.parametrize("count", [1000, 1003])
def test_classes_are_balanced(count):
    _, labels = generate_shapes(count, 8, seed=0)
    counts = np.bincount(labels, minlength=10)
    assert counts.min() == count // 10 and counts.max() == -(-count // 10)
    assert not np.array_equal(labels[:20], np.arange(20) % 10)        # shuffled, not cyclic


def test_resolutions_render_the_same_shapes():
    big, labels_big = generate_shapes(200, 64, seed=1)
    small, labels_small = generate_shapes(200, 16, seed=1)
    other, _ = generate_shapes(200, 16, seed=2)
    assert np.array_equal(labels_big, labels_small)
    shrunk = resize_images(torch.from_numpy(big), 16).float()
    same = (shrunk - torch.from_numpy(small).float()).abs().mean()
    different = (shrunk - torch.from_numpy(other).float()).abs().mean()
    assert same < 8 and different > 5 * same


def _fft_features(images):
    """Magnitude spectrum of the per-image standardised grey image: blind to position and
    colour polarity, so it sees the shapes' outlines rather than where or what colour they are."""
    grey = torch.from_numpy(images).float().mean(1)
    grey = (grey - grey.mean((1, 2), keepdim=True)) / (grey.std((1, 2), keepdim=True) + 1e-6)
    return torch.log1p(torch.fft.rfft2(grey).abs().flatten(1))


def _nearest_centroid_accuracy(train_x, train_y, test_x, test_y):
    mean, std = train_x.mean(0), train_x.std(0) + 1e-6
    train_x, test_x = (train_x - mean) / std, (test_x - mean) / std
    labels = torch.from_numpy(train_y)
    centroids = torch.stack([train_x[labels == k].mean(0) for k in range(10)])
    predicted = torch.cdist(test_x, centroids).argmin(1).numpy()
    return float((predicted == test_y).mean())


@pytest.fixture(scope="module")
def small_benchmark():
    return generate_shapes(3000, 16, seed=0, split="train"), generate_shapes(1000, 16, seed=0, split="test")


def test_shape_features_predict_labels_but_not_perfectly(small_benchmark):
    (x_train, y_train), (x_test, y_test) = small_benchmark
    accuracy = _nearest_centroid_accuracy(_fft_features(x_train), y_train, _fft_features(x_test), y_test)
    # chance is 0.10 (sd 0.01 over 1000 test images); a simple classifier on simple features
    # must do clearly better, and must stay far from perfect (the close pairs, random pose).
    assert 0.2 < accuracy < 0.7


def test_colour_carries_no_label_information(small_benchmark):
    (x_train, y_train), (x_test, y_test) = small_benchmark
    colour = lambda x: torch.from_numpy(x).float().mean((2, 3))  # noqa: E731
    accuracy = _nearest_centroid_accuracy(colour(x_train), y_train, colour(x_test), y_test)
    assert accuracy < 0.16


def test_shape_stands_out_from_background():
    images, _ = generate_shapes(200, 32, seed=0)
    # the background at the four corners vs the brightest/darkest deviation from it: every
    # image has pixels far (in RGB) from its corner colour, i.e. a visible shape
    corners = images[:, :, [0, 0, -1, -1], [0, -1, 0, -1]].astype(float).mean(-1)
    spread = np.linalg.norm(images.astype(float) - corners[:, :, None, None], axis=1).max((1, 2))
    assert np.percentile(spread, 5) > 60


def test_cache_round_trip(tmp_path, monkeypatch):
    monkeypatch.setenv("GANBENCH_CACHE", str(tmp_path))
    uncached = shapes(num_train=40, resolution=16, seed=7, cache=False)
    first = shapes(num_train=40, resolution=16, seed=7)
    assert list((tmp_path / "datasets" / "shapes").glob("*.pt"))

    def fail(*args, **kwargs):
        raise AssertionError("generated again although cached")
    monkeypatch.setattr(shapes_module, "generate_shapes", fail)
    again = shapes(num_train=40, resolution=16, seed=7)
    for ds in (first, again):
        assert torch.equal(ds.images, uncached.images) and torch.equal(ds.labels, uncached.labels)


@pytest.mark.parametrize("kwargs,message", [
    ({"split": "validation"}, "split must be one of"),
    ({"resolution": 4}, "resolution must be an integer >= 8"),
    ({"num_train": 0}, "num_train must be a positive integer"),
    ({"seed": -1}, "seed must be a non-negative integer"),
])
def test_bad_arguments_are_explained(kwargs, message):
    with pytest.raises(ValueError, match=message):
        shapes(cache=False, **kwargs)


def test_max_rotation_bounds_the_orientation_and_keeps_everything_else(monkeypatch):
    seen = []
    real_render = shapes_module.render_coverage

    def recording_render(label, a, b, cx, cy, scale, angle, *rest):
        seen.append((np.array(label), np.array(cx), np.array(angle)))
        return real_render(label, a, b, cx, cy, scale, angle, *rest)

    monkeypatch.setattr(shapes_module, "render_coverage", recording_render)
    _, labels_free = generate_shapes(200, 16, seed=3)
    _, labels_upright = generate_shapes(200, 16, seed=3, max_rotation_degrees=20.0)
    free, upright = seen[0], seen[1]
    assert (labels_free == labels_upright).all() and (free[1] == upright[1]).all()  # same poses
    limit = np.deg2rad(20.0) + 1e-6
    assert np.abs(upright[2]).max() <= limit and np.abs(upright[2]).max() > 0.8 * limit
    assert np.ptp(free[2]) > 5.0            # unrestricted angles span most of [0, 2pi)
    with pytest.raises(ValueError, match="max_rotation_degrees"):
        shapes("train", num_train=10, num_test=10, max_rotation_degrees=200, cache=False)


def test_plain_background_is_flat_and_keeps_the_poses(monkeypatch):
    seen = []
    real_render = shapes_module.render_coverage

    def recording_render(*args):
        coverage = real_render(*args)
        seen.append(coverage.reshape(coverage.shape[0], -1))
        return coverage

    monkeypatch.setattr(shapes_module, "render_coverage", recording_render)
    textured, labels_textured = generate_shapes(40, 16, seed=5)
    plain, labels_plain = generate_shapes(40, 16, seed=5, background="plain")
    assert (labels_textured == labels_plain).all() and np.array_equal(seen[0], seen[1])
    pixels = plain.reshape(40, 3, -1).astype(int)
    for image, coverage in zip(pixels, seen[1]):
        outside, inside = image[:, coverage == 0], image[:, coverage == 1]
        assert (outside == outside[:, :1]).all() and (inside == inside[:, :1]).all()   # two flat colours
        assert np.abs(outside[:, 0] - inside[:, 0]).sum() > 0
    # the textured version of the same images is not flat outside the shape
    assert any(len(np.unique(img[:, cov == 0], axis=1)) > 1
               for img, cov in zip(textured.reshape(40, 3, -1), seen[0]))


def test_unknown_background_is_a_clear_error():
    with pytest.raises(ValueError, match="background must be one of textured, gradient, plain"):
        shapes(background="stripes", cache=False)
