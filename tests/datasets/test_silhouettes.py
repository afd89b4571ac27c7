"""The procedural `silhouettes` dataset: its geometry, and that its classes explain much more of
each image than the classes of `shapes` do (the reason it exists)."""
import numpy as np
import pytest
import torch

from ganbench_datasets import shape_geometry, shapes as shapes_module, silhouette_geometry as sg
from ganbench_datasets.shapes import SHAPES, generate_shapes
from ganbench_datasets.silhouettes import SILHOUETTES, silhouettes

NAMES = sg.CLASS_NAMES


def _mask(name, a=0.5, b=0.5, res=64, angle=0.0, scale=0.9):
    arr = lambda v: np.array([v], np.float32)  # noqa: E731
    return shape_geometry.render_coverage(np.array([NAMES.index(name)]), arr(a), arr(b), arr(0.0),
                                          arr(0.0), arr(scale), arr(angle), res, sg.CLASSES)[0]


def test_format_names_and_balance():
    ds = silhouettes(num_train=100, resolution=16, cache=False)
    assert ds.images.shape == (100, 3, 16, 16) and ds.images.dtype == torch.uint8
    assert ds.name == "silhouettes" and ds.class_names == NAMES and len(NAMES) == 10
    assert np.bincount(ds.labels.numpy(), minlength=10).tolist() == [10] * 10


@pytest.mark.parametrize("name", ["tshirt", "trouser", "pullover", "dress", "coat", "shirt", "bag"])
def test_garments_are_mirror_symmetric_and_seamless(name):
    mask = _mask(name)
    np.testing.assert_allclose(mask, mask[:, ::-1], atol=1e-5)
    # no seam down the middle: the central columns are as covered as their neighbours
    middle, beside = mask[:, 31:33].sum(), mask[:, 28:30].sum()
    if name not in ("trouser", "coat"):     # gap between the legs, the coat's front opening
        assert middle >= 0.9 * beside - 1


def test_shoes_point_one_way():
    for name in ("sneaker", "ankle_boot", "sandal"):
        mask = _mask(name)
        assert np.abs(mask - mask[:, ::-1]).sum() > 0.1 * mask.sum()


def test_class_specific_structure():
    trouser = _mask("trouser", a=1.0)
    assert trouser[50:56, 30:34].max() < 0.05 < trouser[50:56, 22:27].min()   # two legs, a gap
    bag = _mask("bag")
    handle_row = bag[21]            # y = -0.39 in the bag's frame: through the arch's hole
    assert handle_row[32] < 0.05 and handle_row.sum() > 2                    # hole inside the handle
    boot, sneaker = _mask("ankle_boot", a=0.0), _mask("sneaker")
    top_left = lambda m: m[:24, :28].sum()  # noqa: E731
    assert top_left(boot) > 5 * (top_left(sneaker) + 1)                      # the boot has a shaft
    pullover, tshirt = _mask("pullover"), _mask("tshirt")
    low_sides = lambda m: m[40:, :10].sum() + m[40:, -10:].sum()  # noqa: E731
    assert low_sides(pullover) > 20 and low_sides(tshirt) < 1               # long vs short sleeves


def test_objects_fill_much_of_the_frame():
    labels = np.arange(10)
    half, zero = np.full(10, 0.5, np.float32), np.zeros(10, np.float32)
    coverage = shape_geometry.render_coverage(labels, half, half, zero, zero, zero + 0.9, zero, 32,
                                              sg.CLASSES)
    assert coverage.mean((1, 2)).min() > 0.1 and coverage.mean() > 0.3


def _between_class_share(images, labels):
    """The share of the variance of a colour-blind foreground map explained by the class means.
    The map is each pixel's RGB distance from the image's corner colour (the background there),
    scaled to [0, 1] per image: it shows where the object is, whatever its colours."""
    x = images.astype(np.float32)
    corners = x[:, :, [0, 0, -1, -1], [0, -1, 0, -1]].mean(-1)
    foreground = np.linalg.norm(x - corners[:, :, None, None], axis=1)
    foreground = (foreground / foreground.max((1, 2), keepdims=True)).reshape(len(x), -1)
    means = np.stack([foreground[labels == k].mean(0) for k in range(10)])
    weights = np.bincount(labels, minlength=10) / len(labels)
    between = (weights[:, None] * (means - foreground.mean(0)) ** 2).sum()
    return between / foreground.var(0).sum()


def test_labels_explain_more_of_the_image_than_in_shapes():
    args = dict(count=2000, resolution=16, seed=0, max_rotation_degrees=10.0, background="gradient")
    share_silhouettes = _between_class_share(*generate_shapes(**args, shape_set=SILHOUETTES))
    share_shapes = _between_class_share(*generate_shapes(**args, shape_set=SHAPES))
    # measured 0.41 vs 0.06: where the object is depends on the class for the silhouettes, and
    # hardly at all for a shape's outline under the same poses and colours
    assert share_silhouettes > 0.3 and share_silhouettes > 4 * share_shapes


def _background_residual(background):
    """Per image, the RMS residual of a least-squares plane fitted to each channel over the
    pixels that no object covers."""
    seen = []
    real_render = shapes_module.render_coverage

    def recording_render(*args):
        seen.append(real_render(*args))
        return seen[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(shapes_module, "render_coverage", recording_render)
        images, _ = generate_shapes(40, 32, 0, "train", 10.0, background, SILHOUETTES)
    rows, cols = np.indices((32, 32))
    residuals = []
    for image, coverage in zip(images.astype(np.float64), np.concatenate(seen)):
        outside = coverage.ravel() == 0
        design = np.stack([np.ones(outside.sum()), rows.ravel()[outside], cols.ravel()[outside]], 1)
        values = image.reshape(3, -1)[:, outside].T
        fit = np.linalg.lstsq(design, values, rcond=None)[0]
        residuals.append(np.sqrt(((values - design @ fit) ** 2).mean()))
    return np.array(residuals)


def test_gradient_background_is_a_plane_plus_faint_noise():
    gradient, textured = _background_residual("gradient"), _background_residual("textured")
    # pixel noise is uniform with amplitude <= 0.08 * 255, i.e. an RMS of at most 5.9
    assert gradient.max() < 6.5
    assert textured.max() > 2 * 6.5      # the same check sees stripes and smooth noise


def test_cache_and_errors_name_the_dataset(tmp_path, monkeypatch):
    monkeypatch.setenv("GANBENCH_CACHE", str(tmp_path))
    first = silhouettes(num_train=30, resolution=16)
    assert list((tmp_path / "datasets" / "silhouettes").glob("*.pt"))
    assert torch.equal(silhouettes(num_train=30, resolution=16).images, first.images)
    with pytest.raises(ValueError, match="datasets.silhouettes: num_train must be a positive"):
        silhouettes(num_train=0, cache=False)
