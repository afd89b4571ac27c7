"""The plugin as the rest of ganbench sees it: registration, `ganbench list --details` sizes, the
gin recipes, the evaluation sampler's truncation hook, and short CPU runs of the real training
loop (finite losses, samples that change, bitwise resume with the path-length EMA)."""
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from ganbench import config
from ganbench.cli_list import details
from ganbench.evaluate import Sampler
from ganbench.plugins import get_plugins

GIN = Path(__file__).resolve().parents[2] / "gin" / "models"


def test_components_are_registered():
    registry = get_plugins().registry
    from ganbench_stylegan2.architecture import stylegan2
    from ganbench_stylegan2.path_length import PathLengthPenalty
    assert registry.get("architectures", "stylegan2").load() is stylegan2
    assert registry.get("regularizers", "path_length").load() is PathLengthPenalty
    assert get_plugins().plugin_of("architectures", "stylegan2") == "stylegan2"


def test_importing_the_plugin_entry_point_does_not_import_torch():
    code = "import sys, ganbench_stylegan2.plugin; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_list_details_shows_the_published_sizes():
    comp = get_plugins().registry.get("architectures", "stylegan2")
    row = details(comp, 32, 0)
    assert (row["G_params"], row["D_params"]) == (21_523_475, 21_507_073)
    assert row["parameters"]["channel_base"] == "32768"


@pytest.mark.parametrize("fragment, resolution, widths", [
    ("stylegan2_32.gin", 32, (512, 512)), ("stylegan2_256.gin", 256, (512, 64))])
def test_gin_recipes_configure_the_published_settings(fragment, resolution, widths):
    config.parse([GIN / fragment])
    from ganbench.config import Experiment
    exp = Experiment()
    names = [r.__name__ for r in exp.regularizers]
    assert exp.loss.__name__ == "NonSaturating" and names[0] == "R1Penalty"
    assert exp.regularizers[0]().every == 16
    if resolution == 256:
        term = exp.regularizers[1]()
        assert names[1] == "PathLengthPenalty" and (term.weight, term.every, term.decay) == (2.0, 4, 0.01)
    with torch.device("meta"):
        G, D = exp.architecture(resolution=resolution, channels=3, num_classes=10)
    assert (G.synthesis.convs[0].conv.weight.shape[0], D.from_rgb.weight.shape[0]) == widths
    assert G.style_mixing == (0.0 if resolution == 32 else 0.9)


class RecordingG(torch.nn.Module):
    z_dim, num_classes = 4, 0

    def __init__(self, truncates_in_w):
        super().__init__()
        self.calls = []
        if truncates_in_w:
            self.truncated_forward = lambda z, y, psi: self.record(z, psi)

    def record(self, z, psi=None):
        self.calls.append((z, psi))
        return torch.zeros(z.shape[0], 3, 4, 4)

    def forward(self, z, y=None):
        return self.record(z)


def test_sampler_truncates_through_truncated_forward_when_the_generator_has_it():
    G = RecordingG(truncates_in_w=True)
    Sampler(G, 0, None, torch.device("cpu"), truncation=0.5, batch_size=500)(400)
    (z, psi), = G.calls
    assert psi == 0.5 and z.abs().max() > 0.5                      # z itself is not truncated
    plain = RecordingG(truncates_in_w=False)
    Sampler(plain, 0, None, torch.device("cpu"), truncation=0.5, batch_size=500)(400)
    (z, psi), = plain.calls
    assert psi is None and z.abs().max() <= 0.5
    untruncated = RecordingG(truncates_in_w=True)
    Sampler(untruncated, 0, None, torch.device("cpu"), batch_size=500)(10)
    assert untruncated.calls[0][1] is None                         # no truncation: plain G(z, y)


# --------------------------------------------------------------------------- training
TINY_RUN = [
    "Experiment.dataset = @datasets.shapes",
    "datasets.shapes.resolution = 16",
    "datasets.shapes.num_train = 64",
    "datasets.shapes.num_test = 16",
    "Experiment.labeler = @labelers.full",
    "Experiment.architecture = @architectures.stylegan2",
    "architectures.stylegan2.z_dim = 8",
    "architectures.stylegan2.w_dim = 8",
    "architectures.stylegan2.mapping_layers = 2",
    "architectures.stylegan2.d_mapping_layers = 2",
    "architectures.stylegan2.channel_base = 64",
    "architectures.stylegan2.channel_max = 8",
    "Experiment.loss = @losses.non_saturating",
    "Experiment.regularizers = [@regularizers.r1, @regularizers.path_length]",
    "regularizers.r1.every = 2",
    "regularizers.path_length.every = 2",
    "Experiment.batch_size = 8",
    "Experiment.g_lr = 0.002",
    "Experiment.d_lr = 0.002",
    "Experiment.g_betas = (0.0, 0.99)",
    "Experiment.d_betas = (0.0, 0.99)",
    "Experiment.ema_decay = 0.9",
    "Experiment.log_every = 1",
    "Experiment.checkpoint_every = 2",
    "Experiment.device = 'cpu'",
    "Experiment.threads = 1",
    "Experiment.deterministic = True",
]


@pytest.fixture
def train_steps(tmp_path):
    threads = torch.get_num_threads()        # Experiment.threads = 1 sets it process-wide
    deterministic = torch.are_deterministic_algorithms_enabled()

    def run_steps(run_dir, steps, before=None):
        from ganbench.config import Experiment
        from ganbench.run import Run, train
        config.parse([], TINY_RUN + [f"Experiment.steps = {steps}"])
        run = Run(Experiment(), seed=0, cache_dir=str(tmp_path / "cache"))
        if before:
            before(run)
        logs = []
        train(run, run_dir, logs.append)
        return run, logs

    yield run_steps
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(deterministic)


def _samples(G):
    """Eval-mode images at fixed latents and noise; G's mode and the global RNG are restored."""
    was_training = G.training
    G.eval()
    with torch.no_grad(), torch.random.fork_rng():
        torch.manual_seed(0)
        images = G(torch.randn(4, 8, generator=torch.Generator().manual_seed(1)), torch.tensor([0, 1, 2, 3]))
    G.train(was_training)
    return images


def test_stylegan2_trains_on_the_cpu(tmp_path, train_steps):
    before = {}
    run, logs = train_steps(tmp_path / "run", 4, before=lambda r: before.update(x=_samples(r.G)))
    assert [l["step"] for l in logs] == [1, 2, 3, 4]
    assert all(torch.isfinite(torch.tensor([l["d_loss"], l["g_loss"], l["pl_mean"]])).all() for l in logs)
    assert logs[-1]["pl_mean"] > 0                                  # the path-length EMA moved
    assert run.terms[1].g_steps_seen == 4 and run.terms[0].d_steps_seen == 4
    assert not torch.allclose(_samples(run.G), before["x"])
    assert torch.count_nonzero(run.G.map.w_avg) > 0


def test_resume_with_path_length_ema_is_bitwise_identical(tmp_path, train_steps):
    straight, _ = train_steps(tmp_path / "straight", 4)
    train_steps(tmp_path / "resumed", 2)
    resumed, logs = train_steps(tmp_path / "resumed", 4)            # loads the step-2 checkpoint
    assert [l["step"] for l in logs] == [3, 4]
    for name in ("G", "D"):
        a, b = getattr(straight, name).state_dict(), getattr(resumed, name).state_dict()
        assert a.keys() == b.keys()
        assert all(torch.equal(a[k], b[k]) for k in a), name
    ema_a, ema_b = straight.ema.state_dict(), resumed.ema.state_dict()
    assert all(torch.equal(ema_a[k], ema_b[k]) for k in ema_a)
    pl_a, pl_b = straight.terms[1], resumed.terms[1]
    assert torch.equal(pl_a.pl_mean, pl_b.pl_mean) and pl_a.pl_mean > 0
    assert pl_a.g_steps_seen == pl_b.g_steps_seen == 4


def test_sample_grids_truncate_stylegan2_in_w_space():
    """`ganbench sample --truncation` and the report's grids reach truncated_forward: at psi = 0
    every sample is the image of w_avg (up to the fixed evaluation noise), the same for all z."""
    from ganbench.report.samples import sample_images
    from ganbench_stylegan2.architecture import stylegan2
    torch.manual_seed(0)
    G, _ = stylegan2(resolution=16, channels=3, num_classes=0, channel_base=256, channel_max=32,
                     z_dim=16, w_dim=16, mapping_layers=2)
    spec = {"num_classes": 0, "truncation": None}
    at_w_avg, _ = sample_images(G, spec, n=4, truncation=1e-9)
    assert all(torch.equal(at_w_avg[0], img) for img in at_w_avg[1:])
    untruncated, _ = sample_images(G, spec, n=4)
    assert not torch.equal(untruncated[0], untruncated[1])
