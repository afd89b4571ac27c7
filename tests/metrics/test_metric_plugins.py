"""The metric plugins, driven through hand-built EvalContexts (lambdas instead of a generator)."""
from types import SimpleNamespace

import pytest
import torch

from ganbench.interfaces import EvalContext
from ganbench.plugins import get_registry
from ganbench_metrics import feature_metrics, image_metrics, label_metrics
from ganbench_metrics.fid import fid_from_features
from ganbench_metrics.plugin import FEATURE_EXTRACTORS, METRICS

from .conftest import TinyDataset


def make_ctx(features=None, logits=None, samples=None, reference=None, labeler=None,
             num_classes=0, class_samples=None, train=None):
    asked = []

    def fake_features(extractor, n):
        asked.append(extractor)
        return features["fake"][:n], None if logits is None else logits[:n]

    ctx = EvalContext(
        samples=lambda n: (samples[:n], None),
        class_samples=class_samples or (lambda c, n: None),
        fake_features=fake_features,
        reference_features=lambda extractor: (features["real"], None),
        reference=reference, train=train or reference, labeler=labeler, num_classes=num_classes,
        cache_dir="/nonexistent", device=torch.device("cpu"), seed=0, num_samples=2000)
    return ctx, asked


def test_every_component_is_registered_with_a_summary():
    registry = get_registry()
    for kind, table in (("metrics", METRICS), ("feature_extractors", FEATURE_EXTRACTORS)):
        for name in table:
            factory = registry.get(kind, name).load()
            assert factory.__doc__.strip().splitlines()[0].endswith((".", ")"))


def test_fid_and_its_domain_variant_use_the_right_extractor_and_names():
    gen = torch.Generator().manual_seed(0)
    feats = {"fake": torch.randn(60, 4, generator=gen) + 1, "real": torch.randn(80, 4, generator=gen)}
    ctx, asked = make_ctx(features=feats)
    expected = fid_from_features(feats["real"], feats["fake"][:50])
    assert feature_metrics.fid(num_samples=50)(ctx) == {"fid": pytest.approx(expected)}
    assert feature_metrics.fid_domain(num_samples=50)(ctx) == {"fid_domain": pytest.approx(expected)}
    assert asked == ["inception_v3", "domain_classifier"]
    ctx.num_samples = 50    # unbound num_samples follows the run's eval_samples
    assert feature_metrics.fid()(ctx) == {"fid": pytest.approx(expected)}
    kid = feature_metrics.kid_domain(num_samples=60, num_subsets=5, subset_size=30)(ctx)
    assert set(kid) == {"kid_domain", "kid_std_domain"} and kid["kid_domain"] > 0
    pr = feature_metrics.precision_recall_domain(num_samples=60)(ctx)
    assert set(pr) == {"precision_domain", "recall_domain"}


def test_inception_score_without_logits_says_how_to_get_them():
    ctx, _ = make_ctx(features={"fake": torch.zeros(20, 3), "real": torch.zeros(20, 3)})
    with pytest.raises(ValueError, match="GANBENCH_INCEPTION_WEIGHTS"):
        feature_metrics.inception_score(num_samples=20)(ctx)
    confident = torch.eye(4).repeat(5, 1) * 60
    ctx, _ = make_ctx(features={"fake": torch.zeros(20, 3), "real": None}, logits=confident)
    result = feature_metrics.is_domain(num_samples=20, splits=1)(ctx)
    assert result["is_domain"] == pytest.approx(4.0, rel=1e-6) and "is_std_domain" in result


def test_swd_and_ms_ssim_plugins_on_identical_images():
    images = (torch.rand(12, 3, 32, 32) * 255).to(torch.uint8)
    reference = TinyDataset("r", "test", images, torch.zeros(12, dtype=torch.long), 1)
    ctx, _ = make_ctx(samples=images, reference=reference)
    result = image_metrics.swd()(ctx)
    assert result == {"swd_32": 0.0, "swd_16": 0.0, "swd_avg": 0.0}
    twice = torch.cat([images[:4], images[:4]])
    ctx, _ = make_ctx(samples=twice, reference=reference)
    ctx.num_samples = 8
    assert image_metrics.ms_ssim()(ctx) == {"ms_ssim": pytest.approx(1.0)}


def test_swd_plugin_builds_the_real_side_once_per_reference_and_seed(monkeypatch):
    from ganbench_metrics import swd as swd_module
    built = []

    class CountingReference(swd_module.SWDReference):
        def __init__(self, real, seed=0):
            built.append(seed)
            super().__init__(real, seed)

    monkeypatch.setattr(image_metrics, "SWDReference", CountingReference)
    monkeypatch.setattr(image_metrics, "_swd_reference", {})
    real, fake = (torch.rand(2, 12, 3, 32, 32) * 255).to(torch.uint8)
    reference = TinyDataset("r", "test", real, torch.zeros(12, dtype=torch.long), 1)
    ctx, _ = make_ctx(samples=fake, reference=reference)
    expected = swd_module.sliced_wasserstein_distance(real, fake, seed=0)
    assert image_metrics.swd()(ctx) == expected and image_metrics.swd()(ctx) == expected
    assert built == [0]                                  # the second evaluation reused it
    ctx.seed = 1                                         # another seed: other positions/directions
    assert image_metrics.swd()(ctx) == swd_module.sliced_wasserstein_distance(real, fake, seed=1)
    other = TinyDataset("r", "test", 255 - real, torch.zeros(12, dtype=torch.long), 1)
    ctx.reference = other                                # another real set
    assert image_metrics.swd()(ctx) == swd_module.sliced_wasserstein_distance(255 - real, fake, seed=1)
    assert built == [0, 1, 1]
    monkeypatch.setattr(image_metrics, "SWD_REFERENCE_CACHE_BYTES", 0)   # over budget: not kept
    ctx.seed = 2
    image_metrics.swd()(ctx)
    image_metrics.swd()(ctx)
    assert built == [0, 1, 1, 2, 2]


def _reference_with_labels(labels, num_classes):
    images = torch.zeros(len(labels), 1, 16, 16, dtype=torch.uint8)
    return TinyDataset("r", "test", images, torch.tensor(labels), num_classes)


def test_label_accuracy_for_true_classes_reports_top1_and_top5():
    true = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    scores = torch.zeros(10, 10)
    scores[torch.arange(10), torch.tensor(true)] = 1.0       # right class second-best except ...
    scores[torch.arange(10), (torch.tensor(true) + 1) % 10] = 2.0   # ... a wrong class is best
    scores[:3, :] = torch.nn.functional.one_hot(torch.tensor(true[:3]), 10).float() * 5  # 3 right
    labeler = SimpleNamespace(predict=lambda images: scores[:len(images)], cluster_labels=False)
    ctx, _ = make_ctx(reference=_reference_with_labels(true, 10), labeler=labeler)
    result = label_metrics.label_accuracy()(ctx)
    assert result == {"label_accuracy_top1": pytest.approx(0.3), "label_accuracy_top5": pytest.approx(1.0)}


def test_label_accuracy_matches_clusters_to_classes():
    true = [0, 0, 1, 1, 2, 2]
    clusters = [2, 2, 0, 0, 1, 0]          # a relabelling of the classes with one mistake
    scores = torch.nn.functional.one_hot(torch.tensor(clusters), 3).float()
    labeler = SimpleNamespace(predict=lambda images: scores[:len(images)], cluster_labels=True)
    ctx, _ = make_ctx(reference=_reference_with_labels(true, 3), labeler=labeler)
    assert label_metrics.label_accuracy()(ctx) == {"label_accuracy_top1": pytest.approx(5 / 6)}
    silent = SimpleNamespace(predict=lambda images: None)
    ctx, _ = make_ctx(reference=_reference_with_labels(true, 3), labeler=silent)
    assert label_metrics.label_accuracy()(ctx) == {}


class PixelClassifier:
    """A stand-in domain classifier: the class is the image's first pixel value."""

    name = "pixel"

    def __init__(self, dataset=None, num_classes=3):
        self.num_classes = num_classes

    def extract(self, images):
        cls = images[:, 0, 0, 0].long()
        return torch.zeros(len(images), 1), torch.nn.functional.one_hot(cls, self.num_classes).float()


def test_class_consistency_scores_and_matches_clusters():
    train = _reference_with_labels([0, 1, 2], 3)
    drawn = {0: [0, 0, 0, 1], 1: [1, 1, 1, 1], 2: [2, 2, 0, 2]}      # 10 of 12 as asked

    def class_samples(c, n):
        images = torch.zeros(n, 1, 16, 16, dtype=torch.uint8)
        images[:, 0, 0, 0] = torch.tensor(drawn[c][:n], dtype=torch.uint8)
        return images

    labeler = SimpleNamespace(cluster_labels=False)
    ctx, _ = make_ctx(reference=train, labeler=labeler, num_classes=3, class_samples=class_samples)
    metric = label_metrics.class_consistency(num_samples_per_class=4, classifier=PixelClassifier)
    assert metric(ctx) == {"class_consistency": pytest.approx(10 / 12)}
    # The same generator with its classes known only as cluster ids (0 and 2 swapped).
    ctx.class_samples = lambda c, n: class_samples({0: 2, 1: 1, 2: 0}[c], n)
    ctx.labeler = SimpleNamespace(cluster_labels=True)
    assert metric(ctx) == {"class_consistency": pytest.approx(10 / 12)}
    ctx.num_classes = 0
    assert metric(ctx) == {}
