"""Intra-class FID, the classification accuracy score (CAS) and the memorization score."""
from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F

from ganbench.hookspecs import hookimpl
from ganbench.interfaces import EvalContext
from ganbench.plugins import get_plugins
from ganbench_metrics.class_metrics import classification_accuracy_score, intra_fid
from ganbench_metrics.memorization import closest_pairs, memorization

from .conftest import blob_dataset


class PooledPixels:
    """A test extractor: 4x4 average-pooled pixels (48-d), no logits."""

    name = "pooled_pixels_for_test"

    def cache_key(self):
        return self.name

    def extract(self, images):
        return F.avg_pool2d(images.float(), 4).flatten(1), None


class ExtractorPlugin:
    @hookimpl
    def register_feature_extractors(self, register):
        register("pooled_pixels_for_test", lambda dataset=None, test_dataset=None: PooledPixels())


@pytest.fixture
def pooled_extractor():
    plugins = get_plugins()
    plugins.register(ExtractorPlugin(), name="test_pooled_extractor")
    yield "pooled_pixels_for_test"
    plugins.unregister("test_pooled_extractor")


def class_ctx(train, reference, class_samples, num_classes=4, samples=None, labeler=None, num_samples=400):
    return EvalContext(
        samples=samples or (lambda n: (train.images[:n], train.labels[:n])),
        class_samples=class_samples, fake_features=None,
        reference_features=lambda name: PooledPixels().extract(reference.images),
        reference=reference, train=train, labeler=labeler, num_classes=num_classes,
        cache_dir="/nonexistent", device=torch.device("cpu"), seed=0, num_samples=num_samples)


def images_of(dataset, c, n, offset=0):
    return dataset.images[dataset.labels == c][offset:offset + n]


def test_intra_fid_sees_swapped_classes_that_fid_would_not(pooled_extractor):
    train, test = blob_dataset("train", 2000, seed=1), blob_dataset("test", 800, seed=2)
    right = class_ctx(train, test, lambda c, n: images_of(train, c, n))
    wrong = class_ctx(train, test, lambda c, n: images_of(train, (c + 1) % 4, n))
    metric = intra_fid(extractor=pooled_extractor)
    good, bad = metric(right), metric(wrong)
    assert set(good) == {"fid_intra", "fid_intra_c0", "fid_intra_c1", "fid_intra_c2", "fid_intra_c3"}
    assert good["fid_intra"] == pytest.approx(sum(good[f"fid_intra_c{c}"] for c in range(4)) / 4)
    assert bad["fid_intra"] > 10 * good["fid_intra"]
    assert metric.feature_extractors == (pooled_extractor,)


def test_class_metrics_refuse_unconditional_and_cluster_generators(pooled_extractor):
    train, test = blob_dataset("train", 200, seed=1), blob_dataset("test", 100, seed=2)
    unconditional = class_ctx(train, test, lambda c, n: None, num_classes=0)
    for metric in (intra_fid(extractor=pooled_extractor), classification_accuracy_score()):
        with pytest.raises(ValueError, match="class-conditional generator"):
            metric(unconditional)
    clusters = class_ctx(train, test, lambda c, n: None, labeler=SimpleNamespace(cluster_labels=True))
    with pytest.raises(ValueError, match="dataset's classes"):
        intra_fid(extractor=pooled_extractor)(clusters)


def test_cas_on_perfect_samples_reaches_the_real_trained_accuracy(private_cache):
    """Real training images given as the generated set, with their true labels: the classifier
    trained on them is as good on the test set as the one trained on real images."""
    train, test = blob_dataset("train", 2000, seed=1), blob_dataset("test", 400, seed=2)
    ctx = class_ctx(train, test, lambda c, n: images_of(train, c, n, offset=50))
    out = classification_accuracy_score(num_samples=400, epochs=15, batch_size=50, width=16)(ctx)
    assert set(out) == {"cas", "cas_real"}
    assert out["cas_real"] > 0.8 and abs(out["cas"] - out["cas_real"]) < 0.08
    noise = class_ctx(train, test, lambda c, n: torch.randint(0, 256, (n, 3, 16, 16), dtype=torch.uint8))
    assert classification_accuracy_score(num_samples=400, epochs=15, batch_size=50, width=16)(noise)["cas"] < 0.5


def test_memorization_flags_copies_and_not_held_out_images():
    train, test = blob_dataset("train", 1500, seed=1), blob_dataset("test", 600, seed=2)
    held_out = blob_dataset("test", 300, seed=3).images
    copies = train.images[torch.randperm(1500, generator=torch.Generator().manual_seed(0))[:300]]

    def ctx_for(images):
        return class_ctx(train, test, None, samples=lambda n: (images[:n], None), num_samples=300)
    copied, novel = memorization()(ctx_for(copies)), memorization()(ctx_for(held_out))
    assert copied["memorization_ratio"] == 0.0 and copied["novel_fraction"] == 0.0
    assert novel["memorization_ratio"] == pytest.approx(1.0, abs=0.15)
    assert novel["novel_fraction"] > 0.95
    pairs = closest_pairs(copies[:20], train.images, count=3)
    assert [d for _, _, d in pairs] == [0.0, 0.0, 0.0]
    assert all(torch.equal(copies[g], train.images[t]) for g, t, _ in pairs)
