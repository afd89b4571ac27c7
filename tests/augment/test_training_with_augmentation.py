"""The augmentations and data-efficiency regularizers inside the real training loop: an ADA +
LeCam run resumes bitwise (p, the r_t accumulators and LeCam's anchors are checkpointed), p
adapts and is logged with the overfitting probe, and every method of the data-efficiency study
trains with finite losses."""
from __future__ import annotations

import pytest
import torch

from ganbench import config

TINY_RUN = [
    "Experiment.dataset = @datasets.shapes", "datasets.shapes.resolution = 16",
    "datasets.shapes.num_train = 200", "datasets.shapes.num_test = 40",
    "Experiment.architecture = @architectures.dcgan", "architectures.dcgan.base_width = 8",
    "architectures.dcgan.z_dim = 16", "Experiment.labeler = @labelers.single",
    "Experiment.loss = @losses.hinge", "Experiment.batch_size = 8", "Experiment.train_images = 40",
    "Experiment.log_every = 1", "Experiment.checkpoint_every = 3", "Experiment.overfit_images = 16",
    "Experiment.device = 'cpu'", "Experiment.threads = 1", "Experiment.deterministic = True",
]
ADA_LECAM = ["Experiment.augmentation = @augmentations.ada", "augmentations.ada.p = 0.3",
             "augmentations.ada.interval = 2", "augmentations.ada.speed_images = 160",
             "Experiment.regularizers = [@regularizers.lecam]"]


@pytest.fixture
def train_steps(tmp_path):
    threads = torch.get_num_threads()        # Experiment.threads = 1 sets it process-wide
    deterministic = torch.are_deterministic_algorithms_enabled()

    def run_steps(run_dir, steps, extra=()):
        from ganbench.config import Experiment
        from ganbench.run import Run, train
        config.parse([], TINY_RUN + list(extra) + [f"Experiment.steps = {steps}"])
        run = Run(Experiment(), seed=0, cache_dir=str(tmp_path / "cache"))
        logs = []
        train(run, run_dir, logs.append)
        return run, logs

    yield run_steps
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(deterministic)


def test_ada_and_lecam_run_resumes_bitwise(tmp_path, train_steps):
    straight, logs = train_steps(tmp_path / "straight", 7, ADA_LECAM)
    train_steps(tmp_path / "resumed", 3, ADA_LECAM)
    resumed, resumed_logs = train_steps(tmp_path / "resumed", 7, ADA_LECAM)   # from the step-3 checkpoint
    assert [l["step"] for l in resumed_logs] == [4, 5, 6, 7]
    for name in ("G", "D"):
        a, b = getattr(straight, name).state_dict(), getattr(resumed, name).state_dict()
        assert all(torch.equal(a[k], b[k]) for k in a), name
    for a, b in ((straight.augmentation, resumed.augmentation), (straight.terms[0], resumed.terms[0])):
        sa, sb = a.state_dict(), b.state_dict()
        assert sa.keys() == sb.keys()
        assert all(torch.equal(sa[k], sb[k]) if torch.is_tensor(sa[k]) else sa[k] == sb[k] for k in sa)
    ps = [l["ada_p"] for l in logs]
    assert ps[0] == pytest.approx(0.3)
    assert len({round(p, 6) for p in ps}) > 1           # 7 steps, interval 2: p was adjusted
    # each adjustment moves p by interval * batch / speed_images = 2 * 8 / 160 = 0.1 (or clips)
    steps = [round(abs(b - a), 6) for a, b in zip(ps, ps[1:]) if b != a]
    assert all(s == pytest.approx(0.1) or p in (0.0, 1.0) for s, p in zip(steps, ps[1:]))
    assert [l["ada_p"] for l in resumed_logs] == ps[3:]
    assert {"d_sign_train", "d_sign_heldout", "d_sign_gap"} <= set(logs[-1])


@pytest.mark.parametrize("extra", [
    ["Experiment.augmentation = @augmentations.diffaugment"],
    ["Experiment.augmentation = @augmentations.apa", "augmentations.apa.p = 0.5"],
    ["Experiment.regularizers = [@regularizers.bcr]"],
    ["Experiment.regularizers = [@regularizers.zcr]"],
    ["Experiment.regularizers = [@regularizers.lecam]", "Experiment.augmentation = @augmentations.diffaugment"],
], ids=["diffaugment", "apa", "bcr", "zcr", "lecam+diffaugment"])
def test_each_method_trains_with_finite_losses(tmp_path, train_steps, extra):
    run, logs = train_steps(tmp_path / "run", 3, extra)
    assert [l["step"] for l in logs] == [1, 2, 3]
    assert all(torch.isfinite(torch.tensor([l["d_loss"], l["g_loss"]])).all() for l in logs)
