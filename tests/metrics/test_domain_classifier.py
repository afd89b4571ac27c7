"""The domain classifier learns a simple synthetic dataset and is trained only once (cached)."""
import pytest
import torch

from ganbench_metrics.extractors import domain_classifier as dc_module
from ganbench_metrics.extractors.domain_classifier import domain_classifier

from .conftest import blob_dataset

SETTINGS = dict(epochs=3, batch_size=64, width=8, resolution=16, lr=1e-2)


def test_learns_blobs_and_loads_from_cache_the_second_time(private_cache, monkeypatch):
    train, test = blob_dataset("train", 600, seed=0), blob_dataset("test", 300, seed=1)
    first = domain_classifier(dataset=train, test_dataset=test, device="cpu", **SETTINGS)
    assert first.trained_now
    assert first.test_accuracy > 0.9

    def no_training(*args, **kwargs):
        raise AssertionError("the domain classifier was retrained instead of loaded from cache")

    monkeypatch.setattr(dc_module, "train_classifier", no_training)
    second = domain_classifier(dataset=train, test_dataset=test, device="cpu", **SETTINGS)
    assert not second.trained_now
    assert second.test_accuracy == first.test_accuracy
    assert second.cache_key() == first.cache_key()
    images = test.images[:10]
    torch.testing.assert_close(second.extract(images), first.extract(images))
    features, logits = second.extract(images)
    assert features.shape == (10, 4 * SETTINGS["width"]) and logits.shape == (10, 4)


def test_cache_key_depends_on_settings_and_dataset(private_cache):
    train = blob_dataset("train", 64, seed=0)
    small = dict(SETTINGS, epochs=1)
    a = domain_classifier(dataset=train, device="cpu", **small)
    b = domain_classifier(dataset=train, device="cpu", **dict(small, seed=1))
    c = domain_classifier(dataset=blob_dataset("train", 64, seed=5), device="cpu", **small)
    assert len({a.cache_key(), b.cache_key(), c.cache_key()}) == 3
    assert a.test_accuracy is None


def test_wrong_images_are_a_clear_error(private_cache):
    model = domain_classifier(dataset=blob_dataset("train", 32, seed=0), device="cpu",
                              **dict(SETTINGS, epochs=1))
    with pytest.raises(ValueError, match="uint8 images"):
        model.extract(torch.zeros(2, 1, 16, 16, dtype=torch.uint8))
    with pytest.raises(ValueError, match="needs the training dataset"):
        domain_classifier(device="cpu")
