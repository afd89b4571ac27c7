"""Shared conditioning pieces at their boundaries: default conv/linear shapes (a "same" conv with
bias), the unconditional default of feature_norm, built normalizer objects passed as-is (alone or
in a list), normalizer classes used as factories, the one-feature-norm probe, keyword calls, and
set_projection leaving a D without ``num_classes`` untouched."""
import pytest
import torch
from torch import nn

from ganbench_gan.conditioning import NoFeatureNorm, NormalizedLayers, set_projection
from ganbench_gan.normalizers import (BatchNorm, BatchNormLayer, ConditionalBatchNorm,
                                      ConditionalBatchNormLayer, SpectralNorm)


def test_default_conv_is_a_same_size_3x3_conv_with_bias():
    # Architectures rely on conv(cin, cout) being a biased 3x3 conv that keeps H x W.
    conv = NormalizedLayers(None, where="t").conv(2, 5)
    assert conv.kernel_size == (3, 3) and conv.padding == (1, 1) and conv.stride == (1, 1)
    assert conv.bias is not None and conv.bias.shape == (5,)
    assert conv(torch.randn(1, 2, 7, 7)).shape == (1, 5, 7, 7)


@pytest.mark.parametrize("kernel,pad", [(1, 0), (5, 2), (7, 3)])
def test_default_padding_is_half_the_kernel(kernel, pad):
    # padding None means kernel // 2: odd kernels keep the spatial size (5 -> 2, 7 -> 3).
    conv = NormalizedLayers(None, where="t").conv(1, 1, kernel=kernel)
    assert conv.padding == (pad, pad)
    assert conv(torch.zeros(1, 1, 9, 9)).shape == (1, 1, 9, 9)


def test_default_linear_has_a_bias_and_bias_false_drops_it():
    # c(h) of the projection head is affine (has a bias); the class embedding is bias-free.
    layers = NormalizedLayers(None, where="t")
    assert layers.linear(3, 4).bias.shape == (4,)
    assert layers.linear(3, 4, bias=False).bias is None


def test_feature_norm_defaults_to_unconditional():
    # feature_norm(C) without num_classes gives plain BN even for conditional_batch_norm
    # (num_classes 0 = unconditional; 1 would build a one-class CBN, -1 is invalid).
    layer = NormalizedLayers("conditional_batch_norm", where="t").feature_norm(4)
    assert type(layer) is BatchNormLayer
    assert isinstance(NormalizedLayers("conditional_batch_norm", where="t").feature_norm(4, 3),
                      ConditionalBatchNormLayer)
    assert isinstance(NormalizedLayers(None, where="t").feature_norm(4), NoFeatureNorm)


def test_a_single_built_normalizer_is_used_as_is():
    # An already built normalizer object (not callable) is kept, not re-resolved, alone or in a list.
    sn = SpectralNorm(power_iterations=3)
    bn = BatchNorm(eps=0.25)
    single = NormalizedLayers(bn, where="t")
    assert single.normalizers == [bn]
    assert single.feature_norm(2).bn.eps == 0.25
    listed = NormalizedLayers([sn, bn], where="t")
    assert listed.normalizers[0] is sn and listed.normalizers[1] is bn


def test_normalizer_classes_are_factories():
    # A class (what a factory may be) is called to build the normalizer, not used unbound.
    layers = NormalizedLayers(ConditionalBatchNorm, where="t")
    assert len(layers.normalizers) == 1 and type(layers.normalizers[0]) is ConditionalBatchNorm
    assert isinstance(layers.feature_norm(3, 2), ConditionalBatchNormLayer)
    layers = NormalizedLayers([BatchNorm, SpectralNorm], where="t")
    assert [type(n) for n in layers.normalizers] == [BatchNorm, SpectralNorm]


def test_object_with_only_feature_layer_is_not_a_normalizer():
    # Without ``wrap`` an object is no built normalizer: it goes to resolve, which rejects it.
    class OnlyFeatures:
        def feature_layer(self, channels, num_classes):
            return None
    with pytest.raises(TypeError, match="normalizers"):
        NormalizedLayers([OnlyFeatures()], where="t")


class _Probe:
    """A third-party normalizer recording what it is asked for and rejecting impossible sizes."""

    def __init__(self):
        self.calls = []

    def wrap(self, layer):
        return layer

    def feature_layer(self, channels, num_classes):
        if channels < 1 or num_classes < 0:
            raise ValueError("impossible layer")
        self.calls.append((channels, num_classes))
        return None


def test_one_feature_norm_check_probes_a_minimal_unconditional_layer():
    # The check asks each normalizer for a 1-channel, unconditional (0-class) feature layer only.
    probe = _Probe()
    NormalizedLayers(probe, where="t")
    assert probe.calls == [(1, 0)]


def test_keyword_arguments_are_accepted():
    # specs and enabled may be named (as gin-built code and regularizers call them).
    layers = NormalizedLayers(specs=None, where="t")
    assert layers.normalizers == []
    D = nn.Linear(2, 1)
    D.num_classes = 0
    set_projection(D, enabled=True, who="a")
    assert D._projection_requests == {"a": True}


def test_set_projection_leaves_a_d_without_num_classes_alone():
    # A third-party D without num_classes (or logits) is unconditional: nothing to switch or wrap.
    torch.manual_seed(0)
    D = nn.Sequential(nn.Flatten(), nn.Linear(4, 1))
    x = torch.randn(3, 1, 2, 2)
    before = D(x)
    set_projection(D, False, who="regularizers.tac.projection")
    assert "logits" not in D.__dict__
    assert torch.equal(D(x), before)
