"""Which way is better, for every result name a registered metric can emit.

Tables bold the best median per column with ``ganbench.report.tables.higher_is_better``; a
distance missing from its lower-is-better list (say ``kid``) silently bolds the *worst* method.
The names are not typed in by hand: every registered metric is run on a tiny hand-built
EvalContext and the names it returns are collected, so a new metric (or a new result name of an
old one) fails ``test_every_emitted_name_has_a_declared_direction`` until its direction is
written down below.
"""
from types import SimpleNamespace

import pytest
import torch

from ganbench.components import resolve
from ganbench.interfaces import EvalContext
from ganbench.plugins import get_registry
from ganbench.report.tables import higher_is_better
from ganbench_metrics import image_metrics

from .conftest import TinyDataset

LOWER, HIGHER = "lower", "higher"
DIRECTION = {
    # Distances between generated and real distributions: lower is better.
    "fid": LOWER, "fid_domain": LOWER,
    "kid": LOWER, "kid_domain": LOWER,
    "swd_32": LOWER, "swd_16": LOWER, "swd_avg": LOWER,          # swd_<level>, x1e3
    # MS-SSIM between pairs of generated images: lower = more diverse samples (docs/metrics.md).
    "ms_ssim": LOWER,
    # Scores: higher is better.
    "is": HIGHER, "is_domain": HIGHER,
    "precision": HIGHER, "recall": HIGHER, "precision_domain": HIGHER, "recall_domain": HIGHER,
    "label_accuracy_top1": HIGHER, "label_accuracy_top5": HIGHER,
    "class_consistency": HIGHER,
    # Spreads over subsets/splits have no better side; pinned to what tables do today (the
    # prefix rule: kid_std* follows kid, is_std* follows is) so a change is a decision.
    "kid_std": LOWER, "kid_std_domain": LOWER,
    "is_std": HIGHER, "is_std_domain": HIGHER,
    # Wave two: density/coverage and PRD summaries are scores; intra-class FID is a distance (its
    # names start with "fid" so tables know); CAS is an accuracy; memorization_ratio (about 1 =
    # as novel as held-out images, 0 = copies) and novel_fraction are higher-is-better.
    "density": HIGHER, "coverage": HIGHER, "density_domain": HIGHER, "coverage_domain": HIGHER,
    "prd_f8": HIGHER, "prd_f1_8": HIGHER, "prd_f8_domain": HIGHER, "prd_f1_8_domain": HIGHER,
    "fid_intra": LOWER, "fid_intra_domain": LOWER,
    **{f"fid_intra_c{c}{suffix}": LOWER for c in range(10) for suffix in ("", "_domain")},
    "cas": HIGHER, "cas_real": HIGHER,
    "memorization_ratio": HIGHER, "novel_fraction": HIGHER,
}

NUM_CLASSES = 10      # > 5, so label_accuracy also reports top-5


class PixelClassifier:
    """A stand-in domain classifier for class_consistency: the class is the first pixel's value."""

    name = "pixel"

    def __init__(self, dataset=None):
        pass

    def extract(self, images):
        cls = images[:, 0, 0, 0].long()
        return torch.zeros(len(images), 1), torch.nn.functional.one_hot(cls, NUM_CLASSES).float()


# Per metric: small settings so it runs in milliseconds (the metric's gin surface).
SETTINGS = {
    "kid": dict(num_subsets=3, subset_size=10),
    "kid_domain": dict(num_subsets=3, subset_size=10),
    "inception_score": dict(splits=2),
    "is_domain": dict(splits=2),
    "class_consistency": dict(num_samples_per_class=2, classifier=PixelClassifier),
    "prd": dict(num_clusters=2, num_runs=1, num_angles=11),
    "prd_domain": dict(num_clusters=2, num_runs=1, num_angles=11),
    "intra_fid": dict(extractor=lambda dataset=None, test_dataset=None: MeanPixel()),
    "classification_accuracy_score": dict(num_samples=20, epochs=1, batch_size=10, width=4),
}


class MeanPixel:
    """A stand-in extractor for intra_fid: one feature, the image's mean pixel."""

    name = "mean_pixel"

    def cache_key(self):
        return self.name

    def extract(self, images):
        return images.float().mean(dim=(1, 2, 3)).unsqueeze(1), None


def class_context():
    """Two reference and three training images per class, 16x16, for the conditional metrics
    (intra-class FID, CAS) and memorization (a training set distinct from the reference)."""
    gen = torch.Generator().manual_seed(1)

    def make(split, per_class):
        labels = torch.arange(NUM_CLASSES).repeat_interleave(per_class)
        images = (torch.rand(len(labels), 3, 16, 16, generator=gen) * 255).to(torch.uint8)
        return TinyDataset("tiny_classes", split, images, labels, NUM_CLASSES)
    reference, train = make("test", 2), make("train", 3)

    def reference_features(extractor):
        if extractor == "domain_classifier":     # intra_fid_domain: the real (tiny) classifier
            return resolve("feature_extractors", extractor, dataset=train).extract(reference.images)
        return MeanPixel().extract(reference.images)

    def class_samples(c, n):
        return train.images[train.labels == c][:n]

    return EvalContext(
        samples=lambda n: (train.images[:n], train.labels[:n]), class_samples=class_samples,
        fake_features=lambda extractor, n: (MeanPixel().extract(train.images[:n])[0], None),
        reference_features=reference_features, reference=reference, train=train,
        labeler=None, num_classes=NUM_CLASSES, cache_dir="/nonexistent", device=torch.device("cpu"),
        seed=0, num_samples=8)


CONTEXTS = {"intra_fid": class_context, "intra_fid_domain": class_context,
            "classification_accuracy_score": class_context, "memorization": class_context}


def tiny_context():
    gen = torch.Generator().manual_seed(0)
    features = {"fake": torch.randn(20, 4, generator=gen), "real": torch.randn(20, 4, generator=gen) + 0.5}
    logits = torch.randn(20, NUM_CLASSES, generator=gen) * 3
    images = (torch.rand(8, 3, 32, 32, generator=gen) * 255).to(torch.uint8)
    labels = torch.arange(8) % NUM_CLASSES
    reference = TinyDataset("tiny", "test", images, labels, NUM_CLASSES)
    scores = torch.randn(8, NUM_CLASSES, generator=gen)

    def class_samples(c, n):
        out = torch.zeros(n, 3, 32, 32, dtype=torch.uint8)
        out[:, 0, 0, 0] = c
        return out

    return EvalContext(
        samples=lambda n: ((255 - images)[:n], None),
        class_samples=class_samples,
        fake_features=lambda extractor, n: (features["fake"][:n], logits[:n]),
        reference_features=lambda extractor: (features["real"], None),
        reference=reference, train=reference,
        labeler=SimpleNamespace(predict=lambda x: scores[:len(x)], cluster_labels=False),
        num_classes=NUM_CLASSES, cache_dir="/nonexistent", device=torch.device("cpu"), seed=0,
        num_samples=8)


@pytest.fixture(scope="module")
def emitted_names():
    """{result name: metric that emitted it} over every registered metric."""
    saved = dict(image_metrics._swd_reference)
    names = {}
    try:
        for metric in get_registry().names("metrics"):
            context = CONTEXTS.get(metric, tiny_context)()
            result = resolve("metrics", metric, **SETTINGS.get(metric, {}))(context)
            assert result, f"metrics.{metric} returned nothing on the tiny context; give it settings"
            names.update({name: metric for name in result})
    finally:
        image_metrics._swd_reference.clear()
        image_metrics._swd_reference.update(saved)
    return names


def test_every_emitted_name_has_a_declared_direction(emitted_names):
    """Adding a metric or a result name means deciding its direction here (and in tables.py)."""
    undeclared = sorted(set(emitted_names) - set(DIRECTION))
    sources = [emitted_names[n] for n in undeclared]
    assert not undeclared, f"declare the better direction of {undeclared} (from metrics {sources})"
    assert set(DIRECTION) == set(emitted_names), "DIRECTION lists names no metric emits any more"


@pytest.mark.parametrize("name", sorted(DIRECTION))
def test_table_direction_of_each_result_name(name):
    """Distances lower, scores higher: the bold best of every table depends on this."""
    assert higher_is_better(name) == (DIRECTION[name] == HIGHER)
