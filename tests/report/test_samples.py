"""Sample grids and interpolations: layout, fixed noise, classes per row, truncation, errors."""
from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import Image

from ganbench.report import samples
from ganbench.run import checkpoint

from report_toys import NUM_CLASSES, RESOLUTION, grid_px


def tiles(grid: np.ndarray, rows: int, cols: int, size: int = RESOLUTION, pad: int = samples.PADDING):
    """Cut a make_grid image back into (rows, cols, H, W, 3) tiles."""
    return np.stack([np.stack([grid[pad + r * (size + pad): pad + r * (size + pad) + size,
                                    pad + c * (size + pad): pad + c * (size + pad) + size]
                               for c in range(cols)]) for r in range(rows)])


@pytest.fixture(scope="module")
def class_run(cond_run, tmp_path_factory):
    """A copy of the conditional run whose class-conditional BN embeddings are random: after a
    few training steps they are still ~0 (they start at zero), so classes would look alike."""
    import shutil
    run = shutil.copytree(cond_run, tmp_path_factory.mktemp("classes") / "seed-0")
    state = checkpoint.load(run)
    gen = torch.Generator().manual_seed(0)
    changed = [k for k in state["G"] if ".gamma." in k or ".beta." in k]
    assert changed, f"no conditional-BN embeddings among {list(state['G'])}"
    for key in changed:
        state["G"][key] = torch.randn(state["G"][key].shape, generator=gen)
    checkpoint.save(run, state)
    return run


def test_conditional_grid_has_a_row_per_class_from_shared_latents(class_run):
    grid = samples.sample_grid(class_run, n=20, seed=5)      # 20 // 10 classes = 2 columns
    assert grid.shape == (grid_px(10), grid_px(2), 3) and grid.dtype == np.uint8
    t = tiles(grid, NUM_CLASSES, 2).astype(float)
    # row k is class k drawn from the same two latents as every other row
    G, spec = samples.load(class_run)
    z = samples.latents(G.z_dim, 2, None, seed=5)
    for k in (0, 3, 9):
        expected = samples.generate(G, z, torch.full((2,), k)).permute(0, 2, 3, 1).numpy()
        assert np.abs(t[k] - expected).max() <= 1          # batch composition may flip a rounding
    row_gaps = [np.abs(t[i] - t[j]).mean() for i in range(NUM_CLASSES) for j in range(i)]
    assert min(row_gaps) > 1.0                              # every pair of classes looks different
    assert np.abs(t[:, 0] - t[:, 1]).mean() > 1.0           # and the two latents differ within a row


def test_grid_noise_is_fixed_by_seed(cond_run):
    a = samples.sample_grid(cond_run, n=10, class_id=2, seed=1)
    assert np.array_equal(a, samples.sample_grid(cond_run, n=10, class_id=2, seed=1))
    assert not np.array_equal(a, samples.sample_grid(cond_run, n=10, class_id=2, seed=2))
    assert a.shape == (grid_px(3), grid_px(4), 3)            # 10 images in a 4-wide grid: 3 rows


def test_truncation_reduces_sample_variance(uncond_run):
    G, spec = samples.load(uncond_run)
    full, _ = samples.sample_images(G, spec, n=64, seed=0)
    truncated, _ = samples.sample_images(G, spec, n=64, truncation=0.25, seed=0)
    spread = lambda images: images.float().std(dim=0).mean().item()   # noqa: E731
    assert spread(truncated) < 0.5 * spread(full)
    z = samples.latents(G.z_dim, 500, 0.25, seed=0)
    assert z.abs().max() <= 0.25 and z.std() > 0.1            # resampled, not clipped to a constant


def test_interpolation_endpoints_are_the_two_latents_samples(uncond_run):
    G, spec = samples.load(uncond_run)
    images, columns = samples.interpolation_images(G, spec, steps=6, seed=3)
    assert images.shape == (6, 3, RESOLUTION, RESOLUTION) and columns == 6
    ends = samples.generate(G, samples.latents(G.z_dim, 2, None, seed=3)).int()
    assert (images[0].int() - ends[0]).abs().max() <= 1
    assert (images[-1].int() - ends[1]).abs().max() <= 1
    assert (images[0].int() - images[-1].int()).abs().float().mean() > 1.0
    strip = samples.interpolation_strip(uncond_run, steps=6, seed=3)
    assert strip.shape == (grid_px(1), grid_px(6), 3)


def test_slerp_keeps_endpoints_exact_and_norm_between():
    z0, z1 = torch.tensor([[3.0, 0.0]]), torch.tensor([[0.0, 3.0]])
    path = samples.slerp(z0, z1, torch.tensor([0.0, 0.5, 1.0]))
    assert torch.equal(path[0], z0[0]) and torch.equal(path[2], z1[0])
    # halfway along a quarter circle of radius 3: (3 cos 45deg, 3 sin 45deg)
    assert torch.allclose(path[1], torch.tensor([3 / 2 ** 0.5, 3 / 2 ** 0.5]))


def test_conditional_interpolation_has_a_row_per_class(cond_run):
    strip = samples.interpolation_strip(cond_run, steps=4)
    assert strip.shape == (grid_px(NUM_CLASSES), grid_px(4), 3)
    one = samples.interpolation_strip(cond_run, steps=4, class_id=7)
    assert one.shape == (grid_px(1), grid_px(4), 3)


def test_class_errors_name_the_problem(cond_run, uncond_run):
    with pytest.raises(ValueError, match=r"outside the model's classes.*0\.\.9 \(square"):
        samples.sample_grid(cond_run, class_id=10)
    with pytest.raises(ValueError, match="unconditional"):
        samples.sample_grid(uncond_run, class_id=0)
    with pytest.raises(ValueError, match="unconditional"):
        samples.interpolation_strip(uncond_run, class_id=0)
    with pytest.raises(ValueError, match="truncation must be > 0"):
        samples.sample_grid(uncond_run, truncation=-1.0)
    with pytest.raises(FileNotFoundError, match="config.gin"):
        samples.sample_grid(uncond_run.parent)


def test_save_png_round_trips_exactly(tmp_path):
    grid = np.random.default_rng(0).integers(0, 256, (20, 38, 3), dtype=np.uint8)
    path = samples.save_png(grid, tmp_path / "out" / "grid.png")
    decoded = np.asarray(Image.open(io.BytesIO(path.read_bytes())))
    assert np.array_equal(decoded, grid)
    assert [p.name for p in path.parent.iterdir()] == ["grid.png"]     # no temporary file left
    with pytest.raises(ValueError, match=r"\.png"):
        samples.save_png(grid, tmp_path / "grid.jpg")
