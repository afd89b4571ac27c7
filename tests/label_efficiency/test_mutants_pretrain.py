"""The pre-trained feature extractor F of Clustering and S2GAN (METHODS.md section 2) pinned by
hand: three 4x4 stride-2 padding-1 convolutions of widths w, 2w, 4w (default w = 16) halving a
32x32 image to 16, 8 and 4, a 4x4 grid of 64w features, a 4-way rotation head; the classifier
term gamma * CE off by default (gamma = 0); hyperparameters keyword-only; the rebuilt networks
frozen and in eval mode."""
import pytest
import torch
from torch import nn

from ganbench_label_efficiency import pretrain

CPU = torch.device("cpu")


def _images(n, channels=3, size=8, seed=0):
    return torch.randint(0, 256, (n, channels, size, size), dtype=torch.uint8,
                         generator=torch.Generator().manual_seed(seed))


def test_encoder_default_width_16_gives_1024_features():
    """F's default width is 16, so its feature vector (4x4 grid of 4 * 16 channels) has 1024 entries."""
    encoder = pretrain.Encoder(3).eval()
    assert encoder.feature_dim == 1024
    with torch.no_grad():
        assert encoder(torch.zeros(2, 3, 32, 32)).shape == (2, 1024)


@pytest.mark.parametrize("channels,width", [(3, 16), (1, 5)])
def test_encoder_layer_shapes_by_hand(channels, width):
    """Weights of the three convolutions are [w, C, 4, 4], [2w, w, 4, 4], [4w, 2w, 4, 4] (kernel 4),
    each followed by a BatchNorm of that width; the head sees 16 * 4w features."""
    w = width
    state = pretrain.build_networks(channels, width, 0).state_dict()
    expected = {
        "encoder.trunk.0.weight": (w, channels, 4, 4), "encoder.trunk.0.bias": (w,),
        "encoder.trunk.1.weight": (w,), "encoder.trunk.1.bias": (w,),
        "encoder.trunk.3.weight": (2 * w, w, 4, 4), "encoder.trunk.3.bias": (2 * w,),
        "encoder.trunk.4.weight": (2 * w,), "encoder.trunk.4.bias": (2 * w,),
        "encoder.trunk.6.weight": (4 * w, 2 * w, 4, 4), "encoder.trunk.6.bias": (4 * w,),
        "encoder.trunk.7.weight": (4 * w,), "encoder.trunk.7.bias": (4 * w,),
        "rotation_head.weight": (4, 64 * w), "rotation_head.bias": (4,),
    }
    params = {k: tuple(v.shape) for k, v in state.items() if "running" not in k and "num_batches" not in k}
    assert params == expected
    # Parameter count by hand: convs C*w*16+w, 2w*w*16+2w, 4w*2w*16+4w; BNs 2*(w+2w+4w); head 64w*4+4.
    total = (channels * w * 16 + w) + (2 * w * w * 16 + 2 * w) + (8 * w * w * 16 + 4 * w) + 14 * w + 256 * w + 4
    nets = pretrain.build_networks(channels, width, 0)
    assert sum(p.numel() for p in nets.parameters()) == total
    if (channels, width) == (3, 16):
        assert total == 42064 + 4100


def test_encoder_halves_resolution_at_each_convolution():
    """Stride 2, padding 1, kernel 4 map 32 -> 16 -> 8 -> 4, so the 4x4 pooling grid is the conv
    output itself (the 'where things are' grid), not an average of a larger map."""
    encoder = pretrain.Encoder(3, width=2).eval()
    sizes = []
    hooks = [m.register_forward_hook(lambda _m, _i, out: sizes.append(tuple(out.shape[1:])))
             for m in encoder.modules() if isinstance(m, nn.Conv2d)]
    with torch.no_grad():
        encoder(torch.zeros(1, 3, 32, 32))
    for h in hooks:
        h.remove()
    assert sizes == [(2, 16, 16), (4, 8, 8), (8, 4, 4)]


def test_encoder_grid_is_the_last_feature_map():
    """On 32x32 the pooled 4x4 grid equals the last ReLU output exactly (pooling 4 -> 4 is the identity)."""
    encoder = pretrain.Encoder(3, width=2).eval()
    x = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(0)) * 2 - 1
    with torch.no_grad():
        last = encoder.trunk[:9](x)
        assert torch.equal(encoder(x), last.flatten(1))


def test_rotation_head_predicts_exactly_four_rotations():
    """The rotation head has one logit per rotation 0, 90, 180, 270 degrees (4 classes), with or without c_S2L."""
    nets = pretrain.build_networks(1, 2, 3)
    with torch.no_grad():
        feats = nets["encoder"].eval()(torch.zeros(5, 1, 8, 8))
        assert nets["rotation_head"](feats).shape == (5, 4)
        assert nets["classifier"](feats).shape == (5, 3)
    assert "classifier" not in pretrain.build_networks(1, 2, 0)


def _train(**extra):
    images = _images(24, channels=1, size=8)
    labels = torch.arange(24) % 3
    labelled = torch.arange(0, 24, 2)
    return pretrain.train_rotation_model(images, seed=3, device=CPU, steps=3, batch_size=4, lr=0.01,
                                         width=2, labelled=labelled, labels=labels, num_classes=3, **extra)


def test_gamma_defaults_to_zero_so_the_classifier_gets_no_signal():
    """Default gamma = 0: the CE term contributes nothing, so the run equals gamma = 0.0 exactly and
    c_S2L keeps its seeded initial weights (Adam with zero gradients moves nothing)."""
    default = _train()["state"]
    zero = _train(gamma=0.0)["state"]
    one = _train(gamma=1.0)["state"]
    assert default.keys() == zero.keys()
    for k in default:
        assert torch.equal(default[k], zero[k]), k
    torch.manual_seed(3)
    init = pretrain.build_networks(1, 2, 3)["classifier"].state_dict()
    assert torch.equal(default["classifier.weight"], init["weight"])
    assert torch.equal(default["classifier.bias"], init["bias"])
    # With gamma = 1 the classifier (and F through it) is trained.
    assert not torch.equal(one["classifier.weight"], init["weight"])
    assert not torch.equal(one["encoder.trunk.0.weight"], default["encoder.trunk.0.weight"])


def test_training_hyperparameters_are_keyword_only():
    """seed, device, steps, batch_size, lr and width are keyword-only, so two ints (steps and
    batch_size, say) can never be swapped silently by position."""
    with pytest.raises(TypeError):
        pretrain.train_rotation_model(_images(8, channels=1), 0, CPU, 1, 4, 0.01, 2)


def test_loaded_networks_are_frozen_and_in_eval_mode():
    """load_networks returns F and its heads frozen (no parameter requires grad) and in eval mode
    (BatchNorm uses its running statistics), so labelling never trains or updates F."""
    state = pretrain.train_rotation_model(_images(16, channels=1), seed=0, device=CPU, steps=1,
                                          batch_size=4, lr=0.01, width=2)["state"]
    nets = pretrain.load_networks(state, 1, 2, 0, CPU)
    params = list(nets.parameters())
    assert params and not any(p.requires_grad for p in params)
    assert not any(m.training for m in nets.modules())
    x = torch.rand(3, 1, 8, 8, generator=torch.Generator().manual_seed(0)) * 2 - 1
    assert not nets["encoder"](x).requires_grad
