"""The shared dataset class and the resize helper."""
import pytest
import torch

from ganbench.interfaces import ImageDataset
from ganbench_datasets.base import InMemoryImageDataset, resize_images


def _dataset(images, labels=None):
    labels = torch.zeros(len(images), dtype=torch.int64) if labels is None else labels
    return InMemoryImageDataset("toy", "train", images, labels, ["a", "b"])


def test_implements_the_core_protocol():
    ds = _dataset(torch.zeros(4, 3, 8, 8, dtype=torch.uint8), torch.tensor([0, 1, 1, 0]))
    assert isinstance(ds, ImageDataset)
    assert (ds.num_classes, ds.resolution, len(ds)) == (2, 8, 4)


def test_cache_key_follows_the_contents():
    images = torch.randint(0, 256, (5, 3, 8, 8), dtype=torch.uint8)
    key = _dataset(images).cache_key()
    assert key.startswith("toy-train-r8-")
    assert _dataset(images.clone()).cache_key() == key
    changed = images.clone()
    changed[3, 1, 4, 4] ^= 1
    assert _dataset(changed).cache_key() != key
    assert _dataset(images, torch.tensor([0, 0, 0, 0, 1])).cache_key() != key


def test_rejects_wrong_dtype_and_label_count():
    with pytest.raises(ValueError, match="uint8"):
        _dataset(torch.zeros(2, 3, 8, 8))
    with pytest.raises(ValueError, match="3 labels for 2 images"):
        _dataset(torch.zeros(2, 3, 8, 8, dtype=torch.uint8), torch.zeros(3, dtype=torch.int64))


def test_downscaling_is_antialiased():
    # Vertical stripes with period 3 (one bright column, two dark). Shrinking 3x by point
    # sampling would hit the same phase every time (all 0 or all 255); an antialiased filter
    # averages each period to 255 / 3 = 85 (the edge columns see a truncated filter).
    stripes = torch.zeros(1, 1, 48, 48, dtype=torch.uint8)
    stripes[..., 1::3] = 255
    small = resize_images(stripes, 16)
    assert small.shape == (1, 1, 16, 16) and small.dtype == torch.uint8
    assert (small[..., 1:-1].float() - 85).abs().max() <= 1


def test_resize_preserves_a_smooth_image_and_skips_same_size():
    ramp = torch.arange(64, dtype=torch.uint8).repeat(64, 1)[None, None] * 2   # 0..126 left to right
    half = resize_images(ramp, 32)
    assert half.float().mean().item() == pytest.approx(ramp.float().mean().item(), abs=0.6)
    assert (half[0, 0, :, 1:] >= half[0, 0, :, :-1]).all()                    # still increasing
    assert resize_images(ramp, 64) is ramp
