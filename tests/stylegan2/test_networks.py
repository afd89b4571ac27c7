"""StyleGAN2's networks: modulation/demodulation by hand, noise inputs, mapping shapes, style
mixing, the truncation trick in W, and the parameter counts of the published configuration."""
import math

import pytest
import torch

from ganbench_stylegan2.architecture import stylegan2
from ganbench_stylegan2.layers import StyleConv, lrelu, modulated_conv2d

TINY = dict(z_dim=8, w_dim=8, mapping_layers=2, d_mapping_layers=2, channel_base=64, channel_max=8)


def count(module):
    return sum(p.numel() for p in module.parameters())


# ------------------------------------------------------------------ modulation, demodulation
def test_modulation_and_demodulation_by_hand():
    weight = torch.tensor([[3.0, 4.0]]).reshape(1, 2, 1, 1)       # one output, two inputs, 1x1
    styles = torch.tensor([[1.0, 2.0]])                              # w' = [3, 8]
    x = torch.tensor([1.0, -0.5]).reshape(1, 2, 1, 1)
    plain = modulated_conv2d(x, weight, styles, demodulate=False)
    assert plain.item() == pytest.approx(3 * 1 + 8 * -0.5)
    demod = modulated_conv2d(x, weight, styles, demodulate=True)
    assert demod.item() == pytest.approx((3 - 4) / math.sqrt(9 + 64 + 1e-8), rel=1e-6)


def test_demodulation_gives_unit_variance_outputs_for_unit_variance_inputs():
    gen = torch.Generator().manual_seed(0)
    weight = torch.randn(6, 5, 3, 3, generator=gen) * 3.0
    styles = torch.rand(2, 5, generator=gen) * 4 + 0.1                # arbitrary positive styles
    x = torch.randn(2, 5, 128, 128, generator=gen)
    out = modulated_conv2d(x, weight, styles, demodulate=True)[:, :, 1:-1, 1:-1]   # no padding
    std = out.std(dim=(2, 3))
    assert torch.allclose(std, torch.ones_like(std), atol=0.03)
    raw = modulated_conv2d(x, weight, styles, demodulate=False)[:, :, 1:-1, 1:-1]
    assert not torch.allclose(raw.std(dim=(2, 3)), torch.ones_like(std), atol=0.5)


def test_per_sample_styles_modulate_each_sample_separately():
    gen = torch.Generator().manual_seed(1)
    weight, x = torch.randn(3, 4, 3, 3, generator=gen), torch.randn(2, 4, 5, 5, generator=gen)
    styles = torch.rand(2, 4, generator=gen) + 0.5
    both = modulated_conv2d(x, weight, styles, demodulate=True)
    for b in range(2):
        alone = modulated_conv2d(x[b:b + 1], weight, styles[b:b + 1], demodulate=True)
        assert torch.allclose(both[b:b + 1], alone, atol=1e-5)


# ------------------------------------------------------------------------- noise, mapping
def test_noise_input_is_one_map_per_sample_scaled_by_a_learned_strength():
    layer = StyleConv(w_dim=4, in_channels=3, out_channels=2, resolution=4)
    assert layer.noise_strength.item() == 0.0                      # starts switched off
    layer.noise_strength.data.fill_(0.7)
    x, w = torch.randn(2, 3, 4, 4), torch.randn(2, 4)
    torch.manual_seed(5)
    out = layer(x, w)
    torch.manual_seed(5)
    noise = torch.randn(2, 1, 4, 4)
    weight = layer.conv.weight * layer.conv.scale
    expected = modulated_conv2d(x, weight, layer.affine(w), True) + 0.7 * noise
    expected = lrelu(expected + layer.conv.bias.reshape(1, -1, 1, 1))
    assert torch.allclose(out, expected, atol=1e-6)
    assert not torch.equal(layer(x, w), out)                       # fresh noise every call


@pytest.mark.parametrize("resolution", [16, 32, 64, 256])
def test_mapping_and_synthesis_shapes(resolution):
    G, D = stylegan2(resolution, 3, 4, **TINY)
    num_ws = 2 * int(math.log2(resolution)) - 2                    # 2 per block, 1 at 4x4, + last ToRGB
    z, y = torch.randn(3, 8), torch.tensor([0, 3, 1])
    ws = G.mapping(z, y)
    assert G.num_ws == num_ws and ws.shape == (3, num_ws, 8)
    assert torch.equal(ws[:, 0], ws[:, -1])                        # one w broadcast to every layer
    images = G.synthesis(ws)
    assert images.shape == (3, 3, resolution, resolution)
    assert D(images, y).shape == (3,) and D.features(images).shape == (3, D.feature_dim)


def test_labels_enter_the_mapping_network_and_soft_labels_work():
    G, D = stylegan2(16, 3, 3, **TINY)
    z = torch.randn(2, 8).repeat(2, 1)
    ws = G.mapping(z, torch.tensor([0, 0, 1, 1]))
    assert not torch.allclose(ws[:2], ws[2:])
    soft = torch.eye(3)[[0, 0, 1, 1]]
    assert torch.allclose(G.mapping(z, soft), ws)
    h = D.features(torch.randn(4, 3, 16, 16))
    assert torch.allclose(D.logits(h, soft), D.logits(h, torch.tensor([0, 0, 1, 1])))
    uniform = torch.full((4, 3), 1 / 3)
    assert torch.allclose(D.logits(h, None), D.logits(h, uniform))
    with pytest.raises(ValueError, match="conditional"):
        G(torch.randn(2, 8), None)


def test_conditional_d_score_is_the_scaled_inner_product_with_the_mapped_label():
    _, D = stylegan2(16, 3, 2, **TINY)
    h, y = torch.randn(3, D.feature_dim), torch.tensor([1, 0, 1])
    cmap = D.cmap(None, torch.eye(2)[y])
    expected = (D.out(h) * cmap).sum(1) / math.sqrt(D.cmap_dim)
    assert D.cmap_dim == D.feature_dim and torch.allclose(D.logits(h, y), expected)


# ------------------------------------------------------------------------- style mixing
def _captured_ws(G, z, y):
    seen = []
    handle = G.synthesis.register_forward_pre_hook(lambda module, args: seen.append(args[0].detach()))
    G(z, y)
    handle.remove()
    return seen[0]


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_style_mixing_switches_w_at_the_drawn_layer(seed):
    G, _ = stylegan2(32, 3, 0, style_mixing=1.0, **TINY)
    z = torch.randn(4, 8)
    w = G.mapping(z, None)[:, 0]
    torch.manual_seed(seed)
    ws = _captured_ws(G, z, None)
    torch.manual_seed(seed)
    cut = int(torch.randint(1, G.num_ws, ()))                      # the layer the G drew
    assert 1 <= cut < G.num_ws
    assert torch.allclose(ws[:, :cut], w.unsqueeze(1).expand(-1, cut, -1))
    other = ws[:, cut]
    assert not torch.allclose(other, w)
    assert torch.allclose(ws[:, cut:], other.unsqueeze(1).expand_as(ws[:, cut:]))


def test_no_style_mixing_when_off_or_outside_training():
    G, _ = stylegan2(32, 3, 0, style_mixing=0.0, **TINY)
    z = torch.randn(4, 8)
    ws = _captured_ws(G, z, None)
    assert torch.allclose(ws, ws[:, :1].expand_as(ws))
    G.style_mixing = 1.0
    G.eval()
    ws = _captured_ws(G, z, None)
    assert torch.allclose(ws, ws[:, :1].expand_as(ws))


# ------------------------------------------------------------------------- truncation in W
def test_w_avg_is_an_ema_of_w_in_training_and_truncation_pulls_towards_it():
    G, _ = stylegan2(16, 3, 0, **TINY)
    z = torch.randn(6, 8)
    assert torch.equal(G.map.w_avg, torch.zeros(8)) and "map.w_avg" in G.state_dict()
    w = G.mapping(z, None)[:, 0].detach()                          # training mode: updates w_avg
    assert torch.allclose(G.map.w_avg, 0.005 * w.mean(0), atol=1e-7)
    G.eval()
    avg = G.map.w_avg.clone()
    truncated = G.mapping(z, None, psi=0.7)[:, 0]
    assert torch.allclose(truncated, avg + 0.7 * (w - avg), atol=1e-6)
    assert torch.equal(G.map.w_avg, avg)                           # eval mode: no update
    # psi = 0: every latent gives w_avg, so (noise strengths are 0 at init) the same image
    images = G.truncated_forward(z, None, 0.0)
    assert torch.allclose(images, images[:1].expand_as(images), atol=1e-6)
    assert torch.allclose(G.truncated_forward(z, None, 1.0), G(z, None), atol=1e-6)


def test_images_are_clamped_outside_training_only():
    G, _ = stylegan2(16, 3, 0, **TINY)
    G.synthesis.const.data.mul_(1000)
    z = torch.randn(4, 8)
    assert G(z).abs().max() > 1
    G.eval()
    assert G(z).abs().max() <= 1


# --------------------------------------------------------------------- published sizes
def test_parameter_counts_equal_the_published_ones():
    """The official stylegan2-ada-pytorch network summary (``misc.print_module_summary``) of the
    config-F-width networks at 32x32 (z = w = 512, 8 mapping layers, residual D,
    unconditional): G 21,523,475 and D 21,507,073 parameters (reproduced in the README of
    github.com/AYUSH-ISHAN/Style_GAN_2; see docs/stylegan2.md)."""
    with torch.device("meta"):
        G, D = stylegan2(32, 3, 0)
    assert count(G) == 21_523_475 and count(D) == 21_507_073
    per_layer = {name: sum(p.numel() for p in m.parameters()) for name, m in G.named_modules()}
    assert per_layer["map.layers.0"] == 262_656                   # summary: mapping.fc0
    assert per_layer["synthesis.convs.0"] == 2_622_465            # synthesis.b4.conv1
    assert per_layer["synthesis.to_rgb.0"] == 264_195             # synthesis.b4.torgb
    d_layer = {name: sum(p.numel() for p in m.parameters()) for name, m in D.named_modules()}
    assert d_layer["blocks.0.skip"] == 262_144 and d_layer["conv"] == 2_364_416
    assert d_layer["fc"] == 4_194_816 and d_layer["out"] == 513


def test_the_widths_follow_channel_base_and_channel_max():
    with torch.device("meta"):
        G, D = stylegan2(256, 3, 0, channel_base=16384)
    widths = [conv.conv.weight.shape[0] for conv in G.synthesis.convs]
    assert widths[0] == 512 and widths[-1] == 64                   # 16384 / 256
    assert D.from_rgb.weight.shape[0] == 64 and D.feature_dim == 512


@pytest.mark.parametrize("bad", [dict(resolution=48), dict(resolution=2048), dict(channel_base=0),
                                 dict(style_mixing=1.5)])
def test_bad_settings_fail_with_the_parameter_named(bad):
    args = dict(resolution=32, channels=3, num_classes=0, **TINY)
    args.update(bad)
    with pytest.raises(ValueError, match="stylegan2"):
        stylegan2(**args)


def test_evaluation_noise_is_fixed_so_a_generator_is_a_function_of_its_latents():
    from ganbench_stylegan2.architecture import stylegan2
    torch.manual_seed(0)
    G, _ = stylegan2(resolution=16, channels=3, num_classes=0, channel_base=256, channel_max=32,
                     z_dim=16, w_dim=16, mapping_layers=2)
    for p in G.parameters():
        if p.dim() == 0:                       # noise strengths start at 0: make the noise count
            p.data.fill_(0.5)
    z = torch.randn(3, 16)
    G.eval()
    assert torch.equal(G(z, None), G(z, None))
    G.train()
    assert not torch.equal(G(z, None), G(z, None))   # fresh noise in training
