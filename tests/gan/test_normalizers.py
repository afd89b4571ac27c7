"""Normalizers: spectral norm's sigma, weight norm, (conditional) batch norm, layer norm."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from ganbench.components import resolve
from ganbench_gan.conditioning import NoFeatureNorm, NormalizedLayers
from ganbench_gan.normalizers import BatchNormLayer, ConditionalBatchNormLayer
from ganbench_gan.reparam import SpectralNormalized


def _layers():
    torch.manual_seed(0)
    return [nn.Linear(20, 12), nn.Conv2d(4, 6, 3, padding=1), nn.ConvTranspose2d(6, 5, 4, 2, 1)]


def _inputs(layer):
    if isinstance(layer, nn.Linear):
        return torch.randn(3, 20)
    return torch.randn(3, layer.in_channels, 5, 5)


def _matrix(layer):
    w = layer.weight.detach()
    if isinstance(layer, nn.ConvTranspose2d):   # output channels are dim 1
        w = w.transpose(0, 1)
    return w.reshape(w.shape[0], -1)


@pytest.mark.parametrize("layer", _layers(), ids=lambda m: type(m).__name__)
def test_spectral_norm_sigma_matches_svd(layer):
    wrapped = resolve("normalizers", "spectral_norm").wrap(layer)
    x = _inputs(layer)
    for _ in range(30):               # one power iteration per training forward
        wrapped(x)
    true_sigma = torch.linalg.svdvals(_matrix(layer))[0]
    wrapped.eval()
    assert wrapped.sigma().item() == pytest.approx(true_sigma.item(), rel=0.02)
    normalized = _matrix(layer) / wrapped.sigma().detach()
    assert torch.linalg.svdvals(normalized)[0].item() == pytest.approx(1.0, rel=0.02)


def test_spectral_norm_output_uses_normalized_weight_and_eval_freezes_u():
    layer = nn.Linear(8, 4)
    wrapped = SpectralNormalized(layer)
    x = torch.randn(2, 8)
    wrapped(x)
    u_before = wrapped.u.clone()
    wrapped.eval()
    out = wrapped(x)
    torch.testing.assert_close(wrapped.u, u_before)  # eval never updates the estimate
    v = F.normalize(layer.weight.t() @ wrapped.u, dim=0)      # sigma = ||W v||, v = W^T u / ||W^T u||
    sigma = (layer.weight @ v).norm()
    torch.testing.assert_close(out, F.linear(x, layer.weight / sigma, layer.bias))
    assert {"u", "layer.weight", "layer.bias"} <= set(wrapped.state_dict())


def test_spectral_norm_gradient_reaches_the_raw_weight():
    wrapped = SpectralNormalized(nn.Conv2d(2, 3, 3))
    wrapped(torch.randn(2, 2, 6, 6)).sum().backward()
    assert wrapped.layer.weight.grad is not None and wrapped.layer.weight.grad.abs().sum() > 0


def test_spectral_norm_rejects_unsupported_layers():
    with pytest.raises(ValueError, match="spectral_norm can wrap"):
        resolve("normalizers", "spectral_norm").wrap(nn.Embedding(3, 4))


@pytest.mark.parametrize("layer", _layers(), ids=lambda m: type(m).__name__)
def test_weight_norm_preserves_function_at_init_and_sets_row_norms(layer):
    x = _inputs(layer)
    expected = layer(x)
    wrapped = resolve("normalizers", "weight_norm").wrap(layer)
    torch.testing.assert_close(wrapped(x), expected)
    with torch.no_grad():
        wrapped.gain.fill_(3.0)
    w = wrapped.normalized_weight()
    rows = (w.transpose(0, 1) if isinstance(layer, nn.ConvTranspose2d) else w).flatten(1)
    torch.testing.assert_close(rows.norm(dim=1), torch.full((rows.shape[0],), 3.0))


def test_conditional_batch_norm_is_batch_norm_at_init():
    torch.manual_seed(0)
    x = torch.randn(6, 4, 3, 3) * 2 + 1
    cbn = resolve("normalizers", "conditional_batch_norm").feature_layer(4, 3)
    reference = nn.BatchNorm2d(4)
    torch.testing.assert_close(cbn(x, torch.tensor([0, 1, 2, 0, 1, 2])), reference(x))
    torch.testing.assert_close(cbn.bn.running_mean, reference.running_mean)


def test_conditional_batch_norm_soft_labels_use_weighted_embedding():
    cbn = ConditionalBatchNormLayer(2, num_classes=2)
    with torch.no_grad():                 # Linear weights are [channels, classes]
        cbn.gamma.weight.copy_(torch.tensor([[1.0, 3.0], [0.0, -1.0]]))
        cbn.beta.weight.copy_(torch.tensor([[2.0, 0.0], [0.5, 0.5]]))
    x = torch.randn(4, 2, 2, 2)
    normalized = F.batch_norm(x, None, None, training=True)
    soft = torch.tensor([[0.25, 0.75]] * 4)
    # gain = 1 + .25 * gamma[class 0] + .75 * gamma[class 1]; bias likewise from beta
    gain = torch.tensor([1 + 0.25 * 1 + 0.75 * 3, 1 + 0.25 * 0 + 0.75 * -1]).view(1, 2, 1, 1)
    bias = torch.tensor([0.25 * 2, 0.5]).view(1, 2, 1, 1)
    torch.testing.assert_close(cbn(x, soft), normalized * gain + bias)
    # int ids are the one-hot special case
    ids = torch.tensor([1, 1, 1, 1])
    torch.testing.assert_close(cbn(x, ids), cbn(x, F.one_hot(ids, 2).float()))
    gain1 = torch.tensor([4.0, 0.0]).view(1, 2, 1, 1)
    torch.testing.assert_close(cbn(x, ids), normalized * gain1 + torch.tensor([0.0, 0.5]).view(1, 2, 1, 1))


def test_conditional_batch_norm_errors_and_unconditional_fallback():
    normalizer = resolve("normalizers", "conditional_batch_norm")
    assert isinstance(normalizer.feature_layer(4, 0), BatchNormLayer)
    cbn = normalizer.feature_layer(4, 3)
    with pytest.raises(ValueError, match="y=None"):
        cbn(torch.randn(2, 4, 2, 2), None)
    with pytest.raises(ValueError, match=r"shape \[B, 3\]"):
        cbn(torch.randn(2, 4, 2, 2), torch.rand(2, 5))


def test_batch_norm_accepts_vectors_and_layer_norm_normalizes_per_sample():
    x2 = torch.randn(8, 5)
    bn = resolve("normalizers", "batch_norm").feature_layer(5, 0)
    torch.testing.assert_close(bn(x2, None), F.batch_norm(x2, None, None, training=True))
    x4 = torch.randn(3, 4, 5, 5) * 3 + 2
    ln = resolve("normalizers", "layer_norm").feature_layer(4, 0)
    torch.testing.assert_close(ln(x4, None), F.layer_norm(x4, x4.shape[1:]))


def test_none_changes_nothing():
    none = resolve("normalizers", "none")
    layer = nn.Linear(3, 3)
    assert none.wrap(layer) is layer and none.feature_layer(3, 2) is None


def test_normalized_layers_combines_and_validates():
    layers = NormalizedLayers("spectral_norm", where="test")       # a single name is accepted
    assert isinstance(layers.linear(3, 2), SpectralNormalized)
    assert isinstance(layers.feature_norm(3), NoFeatureNorm)
    both = NormalizedLayers(["spectral_norm", "batch_norm"], where="test")
    assert isinstance(both.conv(2, 3), SpectralNormalized) and isinstance(both.feature_norm(3), BatchNormLayer)
    with pytest.raises(ValueError, match="several activation normalizers"):
        NormalizedLayers(["batch_norm", "layer_norm"], where="architectures.x.g_normalizers")


def test_spectral_norm_power_iteration_stays_fp32_under_bf16_autocast():
    torch.manual_seed(0)
    layer = nn.Linear(16, 8)
    wrapped = SpectralNormalized(layer)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        for _ in range(30):
            out = wrapped(torch.randn(4, 16))
    assert out.dtype == torch.bfloat16 and wrapped.u.dtype == torch.float32
    true_sigma = torch.linalg.svdvals(layer.weight.detach())[0].item()
    assert wrapped.sigma().item() == pytest.approx(true_sigma, rel=1e-3)


def test_spectral_norm_allows_several_training_forwards_before_backward():
    # The training loop scores reals and fakes with the same D, then calls backward once.
    wrapped = SpectralNormalized(nn.Linear(6, 3))
    first, second = wrapped(torch.randn(2, 6)), wrapped(torch.randn(2, 6))
    (first.sum() + second.sum()).backward()
    assert wrapped.layer.weight.grad is not None


def test_two_weight_normalizers_are_a_clear_error():
    with pytest.raises(ValueError, match="at most one of spectral_norm / weight_norm"):
        NormalizedLayers(["weight_norm", "spectral_norm"], where="test").linear(3, 2)
