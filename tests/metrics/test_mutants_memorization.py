"""Kills the survivors of `make mutation --module memorization` (docs/testing.md): pixels as
uint8 / 255, the 0.01-quantile default and the ">= threshold" rule of novel_fraction, the
one-image minimum, the exact-copy refusal at median distance 0 (and only there), the gallery's
8 pairs, the distance blocks of 512 rows, the open (0, 1) quantile range, a reference set that
shares the training images, max_train_images, the shape error's text, and extractor features."""
from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
import torch

from ganbench.hookspecs import hookimpl
from ganbench.plugins import get_plugins
from ganbench_metrics import memorization as memo
from ganbench_metrics.memorization import closest_pairs, flat_pixels, memorization, memorization_scores, nearest


def constant_images(values, shape=(1, 2, 2)):
    """One uint8 image per value, every pixel equal to it."""
    return torch.tensor(values, dtype=torch.uint8).reshape(-1, 1, 1, 1).expand(-1, *shape).contiguous()


def column(values):
    """1-d features [N, 1] (float64), so that every distance is an exact difference."""
    return torch.as_tensor(values, dtype=torch.float64).reshape(-1, 1)


def mem_ctx(generated, train, reference, num_samples=None):
    return SimpleNamespace(samples=lambda n: (generated[:n], None), train=SimpleNamespace(images=train),
                           reference=SimpleNamespace(images=reference),
                           num_samples=num_samples if num_samples is not None else len(generated))


def test_pixels_are_uint8_over_255():
    """Pixel distances are in [0, 1] units per pixel (uint8 / 255), as docs/metrics.md says."""
    images = torch.tensor([0, 51, 255], dtype=torch.uint8).reshape(1, 1, 1, 3)
    assert flat_pixels(images).tolist() == [[0.0, 0.2, 1.0]]
    # a white 2x2 image is sqrt(4 * 1^2) = 2 from a black one
    assert closest_pairs(constant_images([255]), constant_images([0])) == [(0, 0, 2.0)]


def test_gallery_shows_the_eight_closest_pairs_closest_first():
    """The report's gallery: by default the 8 generated images nearest a training image, sorted."""
    values = [90, 0, 50, 20, 70, 10, 80, 30, 60, 40]          # distance to black: 2 v / 255
    pairs = closest_pairs(constant_images(values), constant_images([0]))
    assert [g for g, _, _ in pairs] == [1, 5, 3, 7, 9, 2, 8, 4]
    assert [t for _, t, _ in pairs] == [0] * 8
    assert [d for _, _, d in pairs] == pytest.approx([2 * v / 255 for v in (0, 10, 20, 30, 40, 50, 60, 70)])


def test_default_quantile_is_one_percent_and_novel_means_at_least_the_threshold():
    """Held-out distances 1..101 to the one training point: median 51, 0.01-quantile 2.0 (linear
    interpolation at rank 1). Generated distances 1.5, 2, 3, 4, 51: median 3, so the ratio is
    3 / 51; 4 of 5 are >= 2 (the one exactly at the threshold counts as novel)."""
    scores = memorization_scores(column([1.5, 2.0, 3.0, -4.0, 51.0]), column([0.0]),
                                 column(range(1, 102)))
    assert scores == {"memorization_ratio": pytest.approx(3 / 51), "novel_fraction": 0.8}


def test_one_image_in_each_set_is_enough_and_none_is_refused():
    """Generated 3, held-out 2, training 0: ratio 3 / 2, the one sample is novel."""
    assert memorization_scores(column([3.0]), column([0.0]), column([2.0])) == {
        "memorization_ratio": 1.5, "novel_fraction": 1.0}
    empty = torch.zeros(0, 1, dtype=torch.float64)
    for sets in ((empty, column([0.0]), column([2.0])), (column([3.0]), empty, column([2.0])),
                 (column([3.0]), column([0.0]), empty)):
        with pytest.raises(ValueError, match="needs generated, training and held-out images"):
            memorization_scores(*sets)


def test_refuses_a_held_out_set_copied_from_training_only_at_median_distance_zero():
    """Median held-out distance 0 means the 'held-out' images are training images: refused.
    A small positive median (0.5) is a valid reference: generated at 0.25 gives ratio 0.5."""
    with pytest.raises(ValueError, match="not held out"):
        memorization_scores(column([0.25]), column([0.0]), column([0.0, 0.0, 5.0]))
    assert memorization_scores(column([0.25]), column([0.0]), column([0.5]))["memorization_ratio"] == 0.5


def test_distances_are_computed_in_blocks_of_512_rows(monkeypatch):
    """The distance matrix is built 512 query rows at a time (memory bounded by 512 x pool),
    with the same nearest neighbours as one unblocked search."""
    blocks = []
    real_cdist = torch.cdist

    def spy(a, b, *args, **kwargs):
        blocks.append(len(a))
        return real_cdist(a, b, *args, **kwargs)
    queries = column(torch.arange(1025) * 0.01)
    pool = column([0.0, 3.0, 7.5])
    monkeypatch.setattr(memo.torch, "cdist", spy)
    dist, index = nearest(queries, pool)
    assert blocks == [512, 512, 1]
    expected_index = (queries - pool.T).abs().argmin(1)
    assert torch.equal(index, expected_index)
    assert torch.allclose(dist, (queries[:, 0] - pool[expected_index, 0]).abs(), atol=1e-12)


@pytest.mark.parametrize("quantile", [0.0, 1.0, -0.5, 1.5, -1.0, 2.0])
def test_quantile_must_be_strictly_between_0_and_1(quantile):
    """q = 0 or 1 makes the threshold the smallest or largest held-out distance, not a quantile
    of a tail; outside [0, 1] it is no quantile at all."""
    with pytest.raises(ValueError, match=re.escape(f"must be in (0, 1), got {quantile}")):
        memorization(quantile=quantile)


def test_refuses_a_reference_set_that_shares_the_training_images():
    """Two dataset objects over the same image tensor are the same images: nothing is held out."""
    images = constant_images([0, 100])
    ctx = SimpleNamespace(samples=lambda n: (images[:n], None), train=SimpleNamespace(images=images),
                          reference=SimpleNamespace(images=images), num_samples=2)
    with pytest.raises(ValueError, match="same images"):
        memorization()(ctx)


def test_max_train_images_limits_the_training_pool():
    """The generated image copies training image 2; with max_train_images = 2 the pool is images
    0 and 1 (values 200, 100): d(g) = 2 * 100 / 255, d(t) for held-out value 50 is 2 * 50 / 255,
    so the ratio is 2 and the sample counts as novel. With the whole pool it is an exact copy."""
    ctx = mem_ctx(constant_images([0]), constant_images([200, 100, 0]), constant_images([50, 255]),
                  num_samples=1)
    assert memorization(max_train_images=2)(ctx) == {"memorization_ratio": pytest.approx(2.0),
                                                     "novel_fraction": 1.0}
    assert memorization()(ctx) == {"memorization_ratio": 0.0, "novel_fraction": 0.0}


def test_shape_mismatch_names_both_image_shapes():
    """The error gives the per-image shapes (C, H, W) of both sets, not the batch sizes."""
    ctx = mem_ctx(torch.zeros(1, 3, 4, 4, dtype=torch.uint8), torch.zeros(2, 1, 4, 4, dtype=torch.uint8),
                  torch.zeros(1, 3, 4, 4, dtype=torch.uint8))
    with pytest.raises(ValueError, match=re.escape(
            "memorization: generated images (3, 4, 4) and training images (1, 4, 4) differ in shape")):
        memorization()(ctx)


class MeanBrightness:
    """A test extractor: the mean pixel value as a 1-d feature, and constant 2-class logits."""

    name = "memo_brightness_for_test"

    def cache_key(self):
        return self.name

    def extract(self, images):
        return images.float().flatten(1).mean(1, keepdim=True), torch.full((len(images), 2), 7.0)


class ExtractorPlugin:
    @hookimpl
    def register_feature_extractors(self, register):
        register("memo_brightness_for_test", lambda dataset=None, test_dataset=None: MeanBrightness())


@pytest.fixture
def brightness_extractor():
    plugins = get_plugins()
    plugins.register(ExtractorPlugin(), name="test_memo_brightness_extractor")
    yield "memo_brightness_for_test"
    plugins.unregister("test_memo_brightness_extractor")


def test_extractor_features_replace_pixels_and_are_declared(brightness_extractor):
    """On the extractor's features (not its logits) a generated image with the training image's
    mean brightness is a copy: ratio 0, novel 0; in pixels it is 10x farther than the held-out
    image (200 / 255 vs 20 / 255). The metric declares the extractor name for study checks."""
    generated = torch.tensor([0, 0, 200, 200], dtype=torch.uint8).reshape(1, 1, 2, 2)
    ctx = mem_ctx(generated, constant_images([100]), constant_images([110]))
    metric = memorization(extractor=brightness_extractor)
    assert metric.feature_extractors == (brightness_extractor,)
    assert metric(ctx) == {"memorization_ratio": 0.0, "novel_fraction": 0.0}
    assert memorization()(ctx) == {"memorization_ratio": pytest.approx(10.0), "novel_fraction": 1.0}
