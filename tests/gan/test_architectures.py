"""Every architecture builds at every supported resolution, conditional and not, has the right
shapes, trains (one optimizer step changes its parameters) and scores with the projection head."""
import pytest
import torch
import torch.nn.functional as F

from ganbench.components import resolve
from ganbench_gan.conditioning import class_vector

# Tiny widths keep the whole folder fast on CPU; the structure is the same as at full width.
SMALL = {
    "dcgan": dict(base_width=4, z_dim=8),
    "sndcgan": dict(base_width=4, z_dim=8),
    "resnet_cifar": dict(base_width=2, z_dim=8),
    "sagan": dict(base_width=2, z_dim=8),
    "biggan": dict(base_width=2, z_dim=60, shared_dim=8),   # 60 splits into 3 to 6 chunks
    "biggan_deep": dict(base_width=4, z_dim=8, shared_dim=8),
}
RESOLUTIONS = (16, 32, 64, 128)
CASES = [(name, res, k) for name in SMALL for res in RESOLUTIONS for k in (0, 3)]


def build(name, resolution, num_classes, channels=3):
    torch.manual_seed(0)
    return resolve("architectures", name, resolution=resolution, channels=channels,
                   num_classes=num_classes, **SMALL[name])


def _labels(num_classes, n=2):
    return torch.randint(0, num_classes, (n,)) if num_classes else None


@pytest.mark.parametrize("name,resolution,num_classes", CASES)
def test_shapes_and_one_step(name, resolution, num_classes):
    G, D = build(name, resolution, num_classes)
    assert G.num_classes == D.num_classes == num_classes
    z, y = torch.randn(2, G.z_dim), _labels(num_classes)
    fake = G(z, y)
    assert fake.shape == (2, 3, resolution, resolution)
    assert fake.min() >= -1 and fake.max() <= 1
    h = D.features(fake)
    assert h.shape == (2, D.feature_dim)
    logits = D.logits(h, y)
    assert logits.shape == (2,)
    D.eval()     # in training mode every forward advances spectral norm's power iteration
    with torch.no_grad():
        torch.testing.assert_close(D(fake, y), D.logits(D.features(fake), y))
    D.train()

    before = {n: p.detach().clone() for n, p in {**_named(G, "G"), **_named(D, "D")}.items()}
    params = list(G.parameters()) + list(D.parameters())
    opt = torch.optim.Adam(params, lr=1e-2)
    D(G(z, y), y).mean().backward()
    opt.step()
    after = {**_named(G, "G"), **_named(D, "D")}
    changed = [n for n, p in after.items() if not torch.equal(p, before[n])]
    assert any(n.startswith("G.") for n in changed) and any(n.startswith("D.") for n in changed)


def _named(module, prefix):
    return {f"{prefix}.{n}": p for n, p in module.named_parameters()}


@pytest.mark.parametrize("name", list(SMALL))
def test_generator_accepts_soft_labels_and_rejects_missing_ones(name):
    G, _ = build(name, 16, 3)
    G.eval()       # batch statistics would couple samples; eval makes each sample independent
    z = torch.randn(2, G.z_dim)
    ids = torch.tensor([2, 0])
    torch.testing.assert_close(G(z, ids), G(z, F.one_hot(ids, 3).float()))
    with pytest.raises(ValueError, match="y=None"):
        G(z, None)


@pytest.mark.parametrize("name", list(SMALL))
def test_projection_logits_equal_linear_plus_inner_product(name):
    _, D = build(name, 16, 3)
    D.eval()       # spectral norm: use the stored estimate, so the hand-set weights are used as is
    head = D.head
    with torch.no_grad():
        embedding = torch.arange(3 * D.feature_dim, dtype=torch.float32).view(D.feature_dim, 3) / 100
        head.embed.weight.copy_(embedding)
    h = torch.randn(2, D.feature_dim)
    y = torch.tensor([1, 2])
    unconditional = D.logits(h, None)
    torch.testing.assert_close(unconditional, head.linear(h).squeeze(1))
    # The embed layer may be spectrally normalized: read the weight it really applies.
    applied = head.embed.normalized_weight() if hasattr(head.embed, "normalized_weight") else embedding
    expected = unconditional + (h * applied.t()[y]).sum(1)
    torch.testing.assert_close(D.logits(h, y), expected)
    soft = torch.tensor([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])
    expected_soft = unconditional + (h * (soft @ applied.t())).sum(1)
    torch.testing.assert_close(D.logits(h, soft), expected_soft)
    torch.testing.assert_close(class_vector(y, 3), F.one_hot(y, 3).float())


@pytest.mark.parametrize("name", list(SMALL))
def test_unsupported_resolution_is_a_clear_error(name):
    with pytest.raises(ValueError, match="supports resolutions"):
        build(name, 48, 0)


def test_every_registered_gan_architecture_is_tested():
    from ganbench.plugins import get_registry
    registered = {c.name for c in get_registry().components("architectures") if c.plugin == "gan"}
    assert registered == set(SMALL)


def test_self_attention_matches_hand_computation():
    from ganbench_gan.architectures.blocks import SelfAttention
    from ganbench_gan.conditioning import NormalizedLayers
    torch.manual_seed(0)
    attention = SelfAttention(16, NormalizedLayers(None, where="test"))
    x = torch.randn(2, 16, 4, 4)
    torch.testing.assert_close(attention(x), x)               # gamma starts at 0: identity
    with torch.no_grad():
        attention.gamma.fill_(0.7)
    q = attention.theta(x).flatten(2)                          # [B, 2, 16]
    k = F.max_pool2d(attention.phi(x), 2).flatten(2)           # [B, 2, 4]
    v = F.max_pool2d(attention.g(x), 2).flatten(2)             # [B, 8, 4]
    beta = torch.softmax(q.transpose(1, 2) @ k, dim=-1)        # [B, 16, 4], unscaled logits
    o = attention.o((v @ beta.transpose(1, 2)).view(2, 8, 4, 4))
    torch.testing.assert_close(attention(x), x + 0.7 * o)


def test_attention_placement_and_bad_resolution():
    from ganbench_gan.architectures.blocks import SelfAttention
    G, D = resolve("architectures", "sagan", resolution=32, channels=3, num_classes=0,
                   base_width=2, z_dim=8, attention_resolution=8)
    assert G.attention_after == 0 and isinstance(G.attention, SelfAttention)   # after 4 -> 8
    assert sum(isinstance(m, SelfAttention) for m in D.modules()) == 1
    with pytest.raises(ValueError, match="attention_resolution=128"):
        resolve("architectures", "sagan", resolution=32, channels=3, num_classes=0,
                attention_resolution=128)


def test_biggan_orthogonal_init_keeps_conditional_bn_at_identity_and_splits_z():
    G, _ = build("biggan", 32, 3)
    cbn_weights = [m.gamma.weight for m in G.modules() if hasattr(m, "gamma") and hasattr(m, "beta")]
    assert cbn_weights and all(torch.count_nonzero(w) == 0 for w in cbn_weights)
    w = G.project.weight      # the raw weight, under the spectral-norm wrapper
    gram = w @ w.t() if w.shape[0] <= w.shape[1] else w.t() @ w
    torch.testing.assert_close(gram, torch.eye(min(w.shape)), atol=1e-4, rtol=0)
    # 32x32 has 3 blocks: z (60) splits into 4 chunks of 15; blocks see [shared (8), chunk (15)]
    assert G.project.layer.in_features == 15
    assert G.blocks[0].norm1.gamma.in_features == 8 + 15
    with pytest.raises(ValueError, match="split evenly"):
        resolve("architectures", "biggan", resolution=32, channels=3, num_classes=3, z_dim=50)


def test_published_biggan_128_parameter_counts():
    """Brock et al. report 70.4M (G) and 88.0M (D) parameters for BigGAN at 128x128, ch=96."""
    with torch.device("meta"):        # shapes only: no memory, no init cost
        G, D = resolve("architectures", "biggan", resolution=128, channels=3, num_classes=1000)
    count = lambda m: sum(p.numel() for p in m.parameters())
    assert count(G) / 1e6 == pytest.approx(70.4, abs=0.05)
    assert count(D) / 1e6 == pytest.approx(88.0, abs=0.05)


@pytest.mark.parametrize("name", ["dcgan", "sndcgan"])
def test_nearest_upsampling_generator_has_no_transposed_conv(name):
    torch.manual_seed(0)
    G, _ = resolve("architectures", name, resolution=32, channels=3, num_classes=3,
                   upsample="nearest", **SMALL[name])
    assert not any(isinstance(m, torch.nn.ConvTranspose2d) for m in G.modules())
    # each doubling: nearest-neighbour x2 then a 3x3 conv; a constant map stays constant inside
    up = G.ups[0]
    with torch.no_grad():
        for p in up[1].parameters():
            p.fill_(0.0)
        up[1].weight[:, :, 1, 1] = 1.0    # centre tap only: the conv copies the summed channels
        x = torch.arange(4.0).view(1, 1, 2, 2).repeat(1, up[1].in_channels, 1, 1)
        y = up(x)
    assert y.shape[-2:] == (4, 4)
    expected = x[0, 0].repeat_interleave(2, 0).repeat_interleave(2, 1) * up[1].in_channels
    assert torch.equal(y[0, 0], expected)
    assert G(torch.randn(2, 8), torch.tensor([0, 2])).shape == (2, 3, 32, 32)


def test_unknown_upsampling_is_a_clear_error():
    with pytest.raises(ValueError, match="architectures.dcgan.upsample must be one of deconv, nearest"):
        resolve("architectures", "dcgan", resolution=16, channels=3, num_classes=0,
                upsample="bilinear", **SMALL["dcgan"])
