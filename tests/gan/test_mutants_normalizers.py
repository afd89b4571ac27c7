"""Kills mutants of ``plugins/ganbench_gan/normalizers.py`` that tests/gan/test_normalizers.py
lets survive (`make mutation`, docs/testing.md): the cross-rank batch-norm path (run here on one
process that pretends to be one of two ranks holding identical data, so the global batch is the
local one twice) against torch's own batch norm, and the default hyper-parameters."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from ganbench import distributed
from ganbench_gan import normalizers as N


@pytest.fixture
def two_ranks(monkeypatch):
    """Rank 0 of 2, the other rank holding the same data: the all-reduced mean is the local one."""
    monkeypatch.setattr(distributed, "is_distributed", lambda: True)
    monkeypatch.setattr(distributed, "world_size", lambda: 2)
    monkeypatch.setattr(distributed, "all_reduce_mean", lambda t: t)


def _x(seed, shape=(4, 3, 2, 2)):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=g) * 2 + 1


@pytest.mark.parametrize("momentum", [0.1, None])
def test_synced_batch_norm_matches_torch_on_the_global_batch(two_ranks, momentum):
    ours = N._BatchNormAnyRank(3, eps=0.5, momentum=momentum)
    ref = nn.BatchNorm2d(3, eps=0.5, momentum=momentum)
    with torch.no_grad():
        for bn in (ours, ref):
            bn.weight.copy_(torch.tensor([1.5, -2.0, 0.5]))
            bn.bias.copy_(torch.tensor([0.1, 0.2, -0.3]))
    for seed in range(3):
        x = _x(seed)
        out = ours(x)
        expected = ref(torch.cat([x, x]))[: len(x)]
        torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(ours.running_mean, ref.running_mean, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(ours.running_var, ref.running_var, rtol=1e-5, atol=1e-6)
    assert int(ours.num_batches_tracked) == int(ref.num_batches_tracked) == 3


def test_synced_batch_norm_without_affine_or_running_stats(two_ranks):
    ours = N._BatchNormAnyRank(3, eps=0.25, affine=False, track_running_stats=False)
    ref = nn.BatchNorm2d(3, eps=0.25, affine=False, track_running_stats=False)
    x = _x(7)
    torch.testing.assert_close(ours(x), ref(x), rtol=1e-5, atol=1e-5)


def test_synced_batch_norm_keeps_dtype_and_vectors(two_ranks):
    ours = N._BatchNormAnyRank(3)
    ref = nn.BatchNorm2d(3)
    x = _x(3, (5, 3))
    out = ours(x.double())
    assert out.dtype == torch.float64 and out.shape == (5, 3)
    expected = ref(torch.cat([x, x])[:, :, None, None])[:5, :, 0, 0]
    torch.testing.assert_close(out.float(), expected, rtol=1e-5, atol=1e-5)


def test_synced_path_only_when_training(two_ranks):
    ours = N._BatchNormAnyRank(3).eval()
    with torch.no_grad():
        ours.running_mean.fill_(1.0)
        ours.running_var.fill_(4.0)
    x = _x(1)
    torch.testing.assert_close(ours(x), (x - 1.0) / torch.sqrt(torch.tensor(4.0 + 1e-5)))
    assert int(ours.num_batches_tracked) == 0


def test_default_hyper_parameters():
    assert (N.BatchNorm().eps, N.BatchNorm().momentum) == (1e-5, 0.1)
    assert (N.ConditionalBatchNorm().eps, N.ConditionalBatchNorm().momentum) == (1e-5, 0.1)
    assert N.LayerNorm().eps == 1e-5
    sn = N.SpectralNorm()
    assert (sn.power_iterations, sn.eps) == (1, 1e-12)
    bn = N.BatchNormLayer(2).bn
    assert (bn.eps, bn.momentum, bn.affine) == (1e-5, 0.1, True)
    cbn = N.ConditionalBatchNormLayer(2, 3).bn
    assert (cbn.eps, cbn.momentum, cbn.affine) == (1e-5, 0.1, False)
    assert N.LayerNormLayer(2).norm.eps == 1e-5


def test_conditional_batch_norm_with_one_class_and_unconditional_fallback():
    layer = N.ConditionalBatchNorm().feature_layer(4, 1)
    assert isinstance(layer, N.ConditionalBatchNormLayer) and layer.num_classes == 1
    assert isinstance(N.ConditionalBatchNorm().feature_layer(4, 0), N.BatchNormLayer)
    with pytest.raises(ValueError):
        N.ConditionalBatchNormLayer(4, 0)


def test_synced_batch_norm_on_one_sample_per_rank_and_small_variance(two_ranks):
    # global batch of 2 (count - 1 = 1 in the unbiased running variance); variance below 1
    ours = N._BatchNormAnyRank(3)
    ref = nn.BatchNorm2d(3)
    x = _x(4, (1, 3)) * 0.1
    x2 = _x(5, (4, 3, 2, 2)) * 0.3
    torch.testing.assert_close(ours(x), ref(torch.cat([x, x])[:, :, None, None])[:1, :, 0, 0])
    torch.testing.assert_close(ours(x2), ref(torch.cat([x2, x2]))[:4])
    torch.testing.assert_close(ours.running_var, ref.running_var)


def test_synced_batch_norm_clamps_a_rounded_negative_variance(two_ranks):
    # E[x^2] - E[x]^2 rounds to -0.00098 in channel 2 for these fp32 values near 100
    g = torch.Generator().manual_seed(2)
    x = 100 + 1e-3 * torch.randn((2, 3, 1, 1), generator=g)
    ours = N._BatchNormAnyRank(3)
    out = ours(x)
    assert torch.isfinite(out).all()
    assert (ours.running_var >= 0).all()


def test_synced_batch_norm_with_one_different_sample_on_each_rank(monkeypatch):
    # the other rank holds y: the all-reduced statistics are the mean of both ranks' statistics,
    # and the global batch has 2 values per channel (count - 1 = 1 in the unbiased variance)
    y = _x(8, (1, 3, 1, 1))
    other = torch.stack([y.mean((0, 2, 3)), y.square().mean((0, 2, 3))])
    monkeypatch.setattr(distributed, "is_distributed", lambda: True)
    monkeypatch.setattr(distributed, "world_size", lambda: 2)
    monkeypatch.setattr(distributed, "all_reduce_mean", lambda t: (t + other) / 2)
    x = _x(9, (1, 3))
    ours = N._BatchNormAnyRank(3)
    ref = nn.BatchNorm2d(3)
    torch.testing.assert_close(ours(x), ref(torch.cat([x[:, :, None, None], y]))[:1, :, 0, 0])
    torch.testing.assert_close(ours.running_mean, ref.running_mean)
    torch.testing.assert_close(ours.running_var, ref.running_var)
