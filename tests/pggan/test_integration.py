"""The plugin as the rest of ganbench sees it: registration, the gin fragments, and a short
run of the real training loop through a growth phase, interrupted and resumed."""
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from ganbench import config
from ganbench.hookspecs import hookimpl
from ganbench.plugins import get_plugins

GIN = Path(__file__).resolve().parents[2] / "gin" / "models"
NEEDED_ELSEWHERE = [("losses", "wasserstein"), ("regularizers", "wgan_gp"), ("labelers", "full")]


def require_other_plugins():
    names = {(c.kind, c.name) for c in get_plugins().registry.components()}
    missing = [f"{k}.{n}" for k, n in NEEDED_ELSEWHERE if (k, n) not in names]
    if missing:
        pytest.skip(f"the pggan gin fragments use {', '.join(missing)} from other built-in "
                    "plugins, which are not registered in this environment")


def test_components_are_registered_with_summaries():
    registry = get_plugins().registry
    from ganbench_pggan.architecture import pggan
    from ganbench_pggan.drift import Drift
    assert registry.get("architectures", "pggan").load() is pggan
    assert registry.get("regularizers", "drift").load() is Drift
    assert get_plugins().plugin_of("architectures", "pggan") == "pggan"
    for factory in (pggan, Drift):
        assert factory.__doc__.strip().split("\n")[0]


def test_importing_the_plugin_entry_point_does_not_import_torch():
    code = "import sys, ganbench_pggan.plugin; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


@pytest.mark.parametrize("fragment, resolution, z_dim, widths, phase_images", [
    ("pggan32.gin", 32, 64, {4: 64, 8: 64, 16: 32, 32: 16}, 24000),
    ("pggan128.gin", 128, 256, {4: 256, 8: 256, 16: 256, 32: 128, 64: 64, 128: 32}, 800000),
])
def test_gin_fragments_configure_the_pggan_recipe(fragment, resolution, z_dim, widths, phase_images):
    require_other_plugins()
    config.parse([GIN / fragment])
    from ganbench.config import Experiment
    exp = Experiment()
    assert exp.architecture.__name__ == "pggan" and exp.loss.__name__ == "Wasserstein"
    assert [r.__name__ for r in exp.regularizers] == ["WGANGradientPenalty", "Drift"]
    assert exp.regularizers[1]().eps_drift == 0.001
    assert (exp.g_lr, tuple(exp.d_betas), exp.ema_decay) == (0.001, (0.0, 0.99), 0.999)
    G, D = exp.architecture(resolution=resolution, channels=3, num_classes=0)
    assert G.z_dim == z_dim and G.schedule.images_per_phase == phase_images
    assert {int(r): conv.weight.shape[0] for r, conv in G.to_rgb.items()} == {r: 3 for r in widths}
    assert {int(r): conv.weight.shape[0] for r, conv in D.from_rgb.items()} == widths
    assert (G.current_resolution, D.current_resolution) == (4, 4)


@dataclass
class TinyBlobs:
    """A 16x16 in-memory dataset of random colour blobs (just enough to train on)."""
    split: str
    name: str = "pggan_test_blobs"
    class_names: tuple = ("a", "b")

    def __post_init__(self):
        gen = torch.Generator().manual_seed(0 if self.split == "train" else 1)
        self.images = (torch.rand(32, 3, 16, 16, generator=gen) * 255).to(torch.uint8)
        self.labels = torch.arange(32) % 2
        self.num_classes = 2

    def cache_key(self):
        return f"{self.name}-{self.split}"


class BlobsPlugin:
    @hookimpl
    def register_datasets(self, register):
        register("pggan_test_blobs", lambda split="train", resolution=None: TinyBlobs(split))


# (resolution, alpha) set before each of the 8 steps: batch 8, phases of 16 images
EXPECTED_PHASES = [(4, 1.0), (4, 1.0), (8, 0.0), (8, 0.5), (8, 1.0), (8, 1.0), (16, 0.0), (16, 0.5)]


def train_steps(run_dir, steps):
    from ganbench.config import Experiment
    from ganbench.run import Run, train
    config.parse([GIN / "pggan32.gin"], [
        "Experiment.dataset = @datasets.pggan_test_blobs", "Experiment.labeler = @labelers.full",
        "architectures.pggan.z_dim = 8", "architectures.pggan.base_width = 4",
        "architectures.pggan.max_width = 8", "architectures.pggan.images_per_phase = 16",
        "architectures.pggan.fade_in_images = 16", f"Experiment.steps = {steps}",
        "Experiment.batch_size = 8", "Experiment.log_every = 1", "Experiment.checkpoint_every = 4",
        "Experiment.device = 'cpu'", "Experiment.threads = 1"])
    run = Run(Experiment(), seed=0, cache_dir=str(run_dir / "cache"))
    logs = []
    train(run, run_dir, logs.append)
    return run, logs


def test_training_loop_grows_the_networks_and_resumes_in_the_same_phase(tmp_path):
    require_other_plugins()
    plugins = get_plugins()
    plugins.register(BlobsPlugin(), name="pggan_test_blobs")
    threads = torch.get_num_threads()        # Experiment.threads = 1 sets it process-wide
    try:
        first, logs = train_steps(tmp_path, steps=4)
        assert [(l["current_resolution"], l["alpha"]) for l in logs] == EXPECTED_PHASES[:4]
        weights_at_4 = first.G.state_dict()["blocks.8.0.weight"].clone()
        resumed, logs = train_steps(tmp_path, steps=8)       # loads the step-4 checkpoint
    finally:
        plugins.unregister("pggan_test_blobs")
        torch.set_num_threads(threads)
    assert [l["step"] for l in logs] == [5, 6, 7, 8]
    assert [(l["current_resolution"], l["alpha"]) for l in logs] == EXPECTED_PHASES[4:]
    assert all(torch.isfinite(torch.tensor([l["d_loss"], l["g_loss"]])).all() for l in logs)
    assert not torch.equal(resumed.G.state_dict()["blocks.8.0.weight"], weights_at_4)
    sampler = resumed.sampler                       # the EMA copy, never told the phase directly
    with torch.no_grad():
        images = sampler(torch.randn(2, 8), torch.tensor([0, 1]))
    assert images.shape == (2, 3, 16, 16)
    assert (sampler.current_resolution, sampler.alpha) == (16, 0.5)
