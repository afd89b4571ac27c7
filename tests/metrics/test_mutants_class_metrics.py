"""Kills the survivors of `make mutation --module class_metrics` (docs/testing.md): a one-class
conditional generator is conditional, the cluster-id wording of the refusal, the two-image
minimum of a class's FID, CAS's documented settings (epochs 10, batch 256, lr 3e-3, width 32,
seed 0, resolution = image width) and sample split (num_samples // K per class, at least one),
the device it trains on, and the accuracy count and its batches of 500."""
from __future__ import annotations

import inspect
from types import SimpleNamespace

import pytest
import torch

from ganbench.interfaces import EvalContext
from ganbench_metrics import class_metrics
from ganbench_metrics.class_metrics import accuracy, check_conditional, classification_accuracy_score, intra_fid
from ganbench_metrics.extractors import domain_classifier as dc

from .conftest import TinyDataset


class MeanPixel:
    """A test extractor: the mean pixel value of each image as a 1-d feature."""

    name = "mean_pixel_for_test"

    def cache_key(self):
        return self.name

    def extract(self, images):
        return images.double().flatten(1).mean(1, keepdim=True), None


def constant_images(values, shape=(1, 2, 2)):
    """One uint8 image per value, every pixel equal to it."""
    return torch.tensor(values, dtype=torch.uint8).reshape(-1, 1, 1, 1).expand(-1, *shape).contiguous()


def dataset(values, labels, num_classes, shape=(1, 2, 2), split="test"):
    return TinyDataset("toy", split, constant_images(values, shape), torch.tensor(labels), num_classes)


def ctx_for(reference, class_samples, num_classes, train=None, labeler=None, num_samples=8,
            device=torch.device("cpu")):
    return EvalContext(samples=None, class_samples=class_samples, fake_features=None,
                       reference_features=lambda name: MeanPixel().extract(reference.images),
                       reference=reference, train=train if train is not None else reference,
                       labeler=labeler, num_classes=num_classes, cache_dir="/nonexistent",
                       device=device, seed=0, num_samples=num_samples)


def test_a_one_class_conditional_generator_is_scored():
    """K = 1 is still class-conditional (only K = 0 is not): intra-FID is then class 0's FID.
    1-d features: real 0, 2 (mean 1, var 2), fake 1, 5 (mean 3, var 8):
    FID = (1 - 3)^2 + 2 + 8 - 2 sqrt(2 * 8) = 6."""
    reference = dataset([0, 2], [0, 0], 1)
    ctx = ctx_for(reference, lambda c, n: constant_images([1, 5][:n]), num_classes=1)
    check_conditional(ctx, "intra_fid")
    out = intra_fid(extractor=lambda dataset=None, test_dataset=None: MeanPixel())(ctx)
    assert out == {"fid_intra_c0": pytest.approx(6.0), "fid_intra": pytest.approx(6.0)}


def test_the_refusal_says_cluster_ids_only_for_cluster_labels():
    """The error names the cause: cluster ids (a labeler's clusters are not the dataset's
    classes) or a different class count, and only the true one."""
    reference = dataset([0, 1, 2, 3], [0, 1, 2, 3], 4)
    clusters = ctx_for(reference, None, 4, labeler=SimpleNamespace(cluster_labels=True))
    with pytest.raises(ValueError, match=r"G has 4 classes \(cluster ids\), the reference set 4$"):
        check_conditional(clusters, "cas")
    other_count = ctx_for(reference, None, 3, labeler=SimpleNamespace(cluster_labels=False))
    with pytest.raises(ValueError, match=r"G has 3 classes, the reference set 4$"):
        check_conditional(other_count, "cas")


def test_a_class_with_one_reference_image_is_refused_with_its_count():
    """A class's FID needs a covariance, so at least 2 real images of the class; 2 are enough."""
    reference = dataset([0, 2, 7], [0, 0, 1], 2)
    ctx = ctx_for(reference, lambda c, n: constant_images([1, 5][:n]), num_classes=2)
    metric = intra_fid(extractor=lambda dataset=None, test_dataset=None: MeanPixel())
    with pytest.raises(ValueError, match="class 1 has 1 reference images; it needs at least 2"):
        metric(ctx)


class RecordingTraining:
    """Stands in for train_classifier and DomainClassifier: records what CAS trains on and with
    which settings and device, and returns an (untrained, seeded) SmallCNN of the right shape."""

    def __init__(self, monkeypatch, stop=False):
        self.calls, self.real, self.stop = [], [], stop
        monkeypatch.setattr(dc, "train_classifier", self.train)
        monkeypatch.setattr(dc, "DomainClassifier", self.domain_classifier)

    def train(self, data, settings, device):
        self.calls.append((data, dict(settings), device))
        if self.stop:
            raise RuntimeError("stopped after recording")
        torch.manual_seed(0)
        model = dc.SmallCNN(data.images.shape[1], data.num_classes, settings["width"])
        return {"state_dict": model.state_dict()}

    def domain_classifier(self, dataset, settings, device=None, test_dataset=None):
        self.real.append((dataset, dict(settings), device, test_dataset))
        return SimpleNamespace(test_accuracy=0.625)


def cas_context(num_samples, device=torch.device("cpu")):
    """4 classes; non-square 6x10 reference images (width 10)."""
    reference = dataset(list(range(8)), [0, 1, 2, 3] * 2, 4, shape=(3, 6, 10))
    train = dataset(list(range(8)), [0, 1, 2, 3] * 2, 4, shape=(3, 6, 10), split="train")
    return ctx_for(reference, lambda c, n: constant_images([10 * c + i for i in range(n)], (3, 6, 10)),
                   num_classes=4, train=train, num_samples=num_samples, device=device)


def test_cas_trains_with_the_documented_settings_on_num_samples_over_k_per_class(monkeypatch):
    """docs/metrics.md: epochs 10, batch 256, lr 3e-3, width 32, seed 0 (the domain classifier's
    defaults), resolution = the image width (as domain_classifier's resolution=None), and
    num_samples // K generated images per class labelled with their class; cas_real is the same
    classifier on as many real training images, tested on the reference set."""
    rec = RecordingTraining(monkeypatch)
    ctx = cas_context(num_samples=9)      # 9 // 4 = 2 per class
    out = classification_accuracy_score()(ctx)
    expected = {"epochs": 10, "batch_size": 256, "lr": 3e-3, "width": 32, "resolution": 10,
                "max_train_images": 8, "seed": 0}
    (data, settings, device), = rec.calls
    assert settings == expected
    assert torch.equal(data.labels, torch.tensor([0, 0, 1, 1, 2, 2, 3, 3])) and data.num_classes == 4
    assert data.images[:, 0, 0, 0].tolist() == [0, 1, 10, 11, 20, 21, 30, 31]
    assert device == torch.device("cpu")
    (real_data, real_settings, real_device, test), = rec.real
    assert real_data is ctx.train and test is ctx.reference and real_settings == expected
    assert real_device == torch.device("cpu")
    assert out["cas_real"] == 0.625 and 0.0 <= out["cas"] <= 1.0
    params = inspect.signature(dc.domain_classifier).parameters
    assert {k: params[k].default for k in ("epochs", "batch_size", "lr", "width", "seed")} == {
        k: expected[k] for k in ("epochs", "batch_size", "lr", "width", "seed")}


def test_cas_needs_one_sample_per_class_and_one_is_enough(monkeypatch):
    """num_samples // K = 0 images per class cannot train anything: refused; 1 per class runs."""
    rec = RecordingTraining(monkeypatch)
    with pytest.raises(ValueError, match="at least one sample per class, got 3 for 4 classes"):
        classification_accuracy_score()(cas_context(num_samples=3))
    assert rec.calls == []
    classification_accuracy_score()(cas_context(num_samples=7))       # 7 // 4 = 1
    (data, settings, _), = rec.calls
    assert data.labels.tolist() == [0, 1, 2, 3] and settings["max_train_images"] == 4


def test_cas_trains_on_the_context_device(monkeypatch):
    """The classifier trains on ctx.device when one is given (a GPU run), else on the CPU."""
    rec = RecordingTraining(monkeypatch, stop=True)
    with pytest.raises(RuntimeError, match="stopped after recording"):
        classification_accuracy_score()(cas_context(num_samples=8, device=torch.device("meta")))
    with pytest.raises(RuntimeError, match="stopped after recording"):
        classification_accuracy_score()(cas_context(num_samples=8, device=None))
    assert [device for _, _, device in rec.calls] == [torch.device("meta"), torch.device("cpu")]


class SignOfFirstPixel(torch.nn.Module):
    """Predicts class 1 for an image whose first pixel is bright, 0 otherwise; records batches."""

    def __init__(self):
        super().__init__()
        self.batches = []

    def forward(self, x):
        self.batches.append(len(x))
        s = x[:, 0, 0, 0]
        return None, torch.stack([-s, s], dim=1)


def test_accuracy_counts_correct_predictions_in_batches_of_500():
    """Top-1 accuracy = correct / all, from zero: 1001 images alternating dark/bright, all
    labelled 0, so the 501 dark ones are right: 501 / 1001; scored 500 images at a time."""
    values = [0 if i % 2 == 0 else 255 for i in range(1001)]
    model = SignOfFirstPixel()
    got = accuracy(model, constant_images(values), torch.zeros(1001, dtype=torch.long), 2, torch.device("cpu"))
    assert got == 501 / 1001
    assert model.batches == [500, 500, 1]
    assert class_metrics.accuracy(SignOfFirstPixel(), constant_images([255, 0]), torch.tensor([1, 1]), 2,
                                  "cpu", batch_size=1) == 0.5
