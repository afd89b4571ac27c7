"""Progressive growing in G and D: exact fade-in blending, no gradient to inactive blocks,
weights preserved when growing, and phase state that depends only on images_seen."""
import copy

import pytest
import torch
import torch.nn.functional as F

from ganbench.run.ema import EMA
from ganbench_pggan.architecture import pggan

PHASE, FADE = 100, 40          # 4 stable [0,100) | 8 fade [100,140) | 8 stable | 16 fade [240,280) ...


def tiny(resolution=32, num_classes=0, **kwargs):
    torch.manual_seed(0)
    args = dict(z_dim=8, base_width=4, max_width=8, images_per_phase=PHASE, fade_in_images=FADE)
    return pggan(resolution, 3, num_classes, **{**args, **kwargs})


def at(module, images_seen):
    module.on_train_step(0, images_seen)
    return module


def test_generator_fade_in_blends_old_upsampled_and_new_outputs_exactly():
    G, _ = tiny()
    z = torch.randn(4, 8)
    with torch.no_grad():
        old = at(G, 239)(z)              # 8x8 stable: the old path's rgb, upsampled to 32x32
        assert (G.current_resolution, G.alpha) == (8, 1.0)
        assert (at(G, 240).current_resolution, G.alpha) == (16, 0.0)
        assert torch.equal(G(z), old)    # alpha = 0 is exactly up(old_rgb)
        latent = G._activate(G.dense(G.normalize(z)).reshape(4, -1, 4, 4))
        new_rgb = G.rgb(16, G.block(16, G.block(8, G.block(4, latent))))
        new = F.interpolate(new_rgb, scale_factor=2, mode="nearest")
        for images_seen, alpha in ((250, 0.25), (260, 0.5), (270, 0.75)):
            torch.testing.assert_close(at(G, images_seen)(z), (1 - alpha) * old + alpha * new)
        assert (at(G, 280).current_resolution, G.alpha) == (16, 1.0)
        assert torch.equal(G(z), new)    # alpha = 1: the new block's output alone
        assert not torch.allclose(old, new, atol=1e-3)


def test_generator_stable_phase_output_is_the_new_block_upsampled():
    G, _ = tiny()
    z = torch.randn(2, 8)
    with torch.no_grad():
        out = at(G, 281)(z)                              # 16x16 stable
        assert (G.current_resolution, G.alpha) == (16, 1.0)
        # nearest upsampling: every 2x2 block of the 32x32 output is one 16x16 pixel
        torch.testing.assert_close(out, F.interpolate(out[:, :, ::2, ::2], scale_factor=2))
        assert not torch.equal(out, at(G, 239)(z))


def test_discriminator_fade_in_mirrors_with_downsampling():
    _, D = tiny()
    x = torch.rand(4, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        x16 = F.avg_pool2d(x, 2)
        old = D.rgb_features(8, F.avg_pool2d(x16, 2))        # fromRGB at 8x8 of the downscaled input
        new = D.block(16, D.rgb_features(16, x16))             # the new block's output at 8x8
        for images_seen, alpha in ((240, 0.0), (260, 0.5), (270, 0.75)):
            h = torch.lerp(old, new, alpha)
            h = D.block(8, h)
            h = F.leaky_relu(D.final_conv(D.mbstd(h)), 0.2)
            expected = F.leaky_relu(D.final_dense(h.flatten(1)), 0.2)
            torch.testing.assert_close(at(D, images_seen).features(x), expected)
        # alpha = 0 scores exactly like the previous phase (8x8 stable) up to pooling round-off
        torch.testing.assert_close(at(D, 240)(x), at(D, 239)(x), rtol=1e-5, atol=1e-6)


def test_inactive_blocks_get_no_gradient():
    G, D = tiny()
    at(G, 120), at(D, 120)                                 # fading in 8x8 (target 32x32)
    (D(G(torch.randn(4, 8))).sum()).backward()
    inactive = {G: ("blocks.16.", "blocks.32.", "to_rgb.16.", "to_rgb.32."),
                D: ("blocks.16.", "blocks.32.", "from_rgb.16.", "from_rgb.32.")}
    for net, prefixes in inactive.items():
        for name, p in net.named_parameters():
            if name.startswith(prefixes):
                assert p.grad is None, f"{name} is above the current resolution but got a gradient"
            else:   # everything else, including the 4x4 rgb layers of the old path, is trained
                assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_growing_keeps_existing_weights_and_adds_no_parameters():
    G, D = tiny()
    for net in (G, D):
        before = {name: p.detach().clone() for name, p in net.named_parameters()}
        at(net, 0), at(net, 10 ** 6)
        after = dict(net.named_parameters())
        assert list(after) == list(before)
        for name, value in before.items():
            assert torch.equal(value, after[name]), name


def test_fresh_model_told_images_seen_matches_model_stepped_through_the_schedule():
    G, D = tiny()
    G_resumed, D_resumed = copy.deepcopy(G), copy.deepcopy(D)
    batch, steps = 8, 33
    for step in range(steps):                               # the whole history, step by step
        G.on_train_step(step, step * batch), D.on_train_step(step, step * batch)
    at(G_resumed, (steps - 1) * batch), at(D_resumed, (steps - 1) * batch)
    assert (G.current_resolution, G.alpha) == (G_resumed.current_resolution, G_resumed.alpha) \
        == (16, pytest.approx(0.4))                          # 256 images: mid 16x16 fade-in
    assert (D.current_resolution, D.alpha) == (D_resumed.current_resolution, D_resumed.alpha)
    z, x = torch.randn(3, 8), torch.rand(3, 3, 32, 32)
    with torch.no_grad():
        assert torch.equal(G(z), G_resumed(z))
        assert torch.equal(D(x), D_resumed(x))


def test_checkpoint_state_dict_restores_the_phase():
    G, D = tiny()
    at(G, 260), at(D, 260)
    G2, D2 = tiny()
    G2.load_state_dict(G.state_dict()), D2.load_state_dict(D.state_dict())
    assert (G2.current_resolution, G2.alpha, D2.current_resolution, D2.alpha) == (16, 0.5, 16, 0.5)


def test_ema_copy_of_the_generator_follows_the_phase_without_on_train_step():
    G, _ = tiny()
    ema = EMA(G, decay=0.5)                     # deep copy taken at 4x4, never notified
    at(G, 260)
    ema.update(G, step=1)                       # copies buffers, averages parameters
    with torch.no_grad():
        ema.shadow(torch.randn(1, 8))
    assert (ema.shadow.current_resolution, ema.shadow.alpha) == (16, 0.5)


def test_non_progressive_networks_work_at_full_resolution_from_the_start():
    G, D = tiny(progressive=False)
    assert (G.current_resolution, G.alpha, D.current_resolution) == (32, 1.0, 32)
    at(G, 120), at(D, 120)
    assert (G.current_resolution, G.alpha, D.current_resolution) == (32, 1.0, 32)
    (D(G(torch.randn(2, 8))).sum()).backward()
    for net, rgb in ((G, "to_rgb."), (D, "from_rgb.")):
        for name, p in net.named_parameters():
            only_lower_resolution_rgb = name.startswith(rgb) and not name.startswith(rgb + "32.")
            assert (p.grad is None) == only_lower_resolution_rgb, name


def test_a_few_adam_steps_at_32x32_train_the_active_blocks_only():
    G, D = tiny()
    at(G, 260), at(D, 260)                                  # fading in 16x16
    g_opt = torch.optim.Adam(G.parameters(), lr=1e-3, betas=(0.0, 0.99))
    d_opt = torch.optim.Adam(D.parameters(), lr=1e-3, betas=(0.0, 0.99))
    g_before, d_before = copy.deepcopy(G.state_dict()), copy.deepcopy(D.state_dict())
    real = torch.rand(8, 3, 32, 32) * 2 - 1
    for _ in range(3):
        fake = G(torch.randn(8, 8)).detach()
        d_loss = D(fake).mean() - D(real).mean()
        d_opt.zero_grad(), d_loss.backward(), d_opt.step()
        g_loss = -D(G(torch.randn(8, 8))).mean()
        g_opt.zero_grad(), g_loss.backward(), g_opt.step()
        assert torch.isfinite(d_loss) and torch.isfinite(g_loss)
    for name in ("dense.weight", "blocks.16.0.weight", "to_rgb.8.weight", "to_rgb.16.weight"):
        assert not torch.equal(g_before[name], G.state_dict()[name]), name
    for name in ("from_rgb.16.weight", "blocks.16.0.weight", "final_dense.weight", "head.weight"):
        assert not torch.equal(d_before[name], D.state_dict()[name]), name
    for name in ("blocks.32.0.weight", "to_rgb.32.weight"):
        assert torch.equal(g_before[name], G.state_dict()[name]), name
    assert torch.equal(d_before["from_rgb.32.weight"], D.state_dict()["from_rgb.32.weight"])
