"""One training step, unit by unit (``ganbench.run.trainer.Run.d_step`` / ``g_step``): which
weights each step moves, which optimizer every parameter lands in, what the loss and the terms
are handed (``interfaces.Batch``), and that a term's state is checkpointed.

"Weights" here are the *parameters* (what an optimizer updates). Buffers are not weights: the
forward passes of a step legitimately move some of them on the other network (the D step runs G
in train mode, so G's batch-norm running statistics move; the G step runs D, so the power
iteration of D's spectral norm moves its ``u`` vector). Those are estimates refreshed by every
forward pass, never touched by an optimizer, and the tests check that only such buffers move.
"""
from __future__ import annotations

import pytest
import torch
from torch import nn

from ganbench import config
from ganbench.hookspecs import hookimpl
from ganbench.interfaces import Batch
from ganbench.registry import get_plugins

TINY = [
    "Experiment.dataset = @datasets.shapes",
    "datasets.shapes.resolution = 16",
    "datasets.shapes.num_train = 64",
    "datasets.shapes.num_test = 16",
    "Experiment.architecture = @architectures.dcgan",
    "architectures.dcgan.base_width = 8",
    "architectures.dcgan.z_dim = 16",
    "Experiment.labeler = @labelers.full",
    "Experiment.loss = @losses.hinge",
    "Experiment.batch_size = 8",
    "Experiment.device = 'cpu'",
    "Experiment.threads = 1",
    "Experiment.g_lr = 0.01",
    "Experiment.d_lr = 0.01",
]

SPECTRAL_NORM_STATE = ("u", "v", "weight_u", "weight_v")   # power-iteration vectors (buffers)


class DSidePenalty(nn.Module):
    """A regularizer with one parameter, trained (by default) with D's optimizer."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(0.5))
        self.register_buffer("calls", torch.zeros((), dtype=torch.long))
        self.seen: list[tuple[str, Batch]] = []

    def setup(self, G, D, num_classes):
        self.setup_args = (G, D, num_classes)

    def d_term(self, batch):
        self.seen.append(("d", batch))
        self.calls += 1                                     # state that changes in training
        return self.scale * batch.real_logits.float().pow(2).mean() * 1e-3

    def g_term(self, batch):
        self.seen.append(("g", batch))
        return None


class SplitTerm(nn.Module):
    """A term with a G-side parameter (listed by g_parameters()) and a D-side one."""

    def __init__(self):
        super().__init__()
        self.g_weight = nn.Parameter(torch.tensor(1.0))
        self.d_weight = nn.Parameter(torch.tensor(1.0))

    def setup(self, G, D, num_classes):
        pass

    def g_parameters(self):
        return [self.g_weight]

    def d_term(self, batch):
        return 1e-3 * self.d_weight * batch.fake_logits.float().mean()

    def g_term(self, batch):
        return 1e-3 * self.g_weight * batch.fake_logits.float().mean()


class RecordingRelativistic:
    """A hinge-like loss that asks for the real logits in the G step and records its calls."""

    uses_real_logits_for_g = True

    def __init__(self):
        self.g_calls: list[dict] = []

    def d_loss(self, real_logits, fake_logits):
        return torch.relu(1 - real_logits).mean() + torch.relu(1 + fake_logits).mean()

    def g_loss(self, fake_logits, real_logits=None):
        self.g_calls.append({"fake_logits": fake_logits, "real_logits": real_logits})
        return (real_logits.mean() - fake_logits).mean()


class RecordingHinge(RecordingRelativistic):
    """The same without the flag: g_loss must get the fake logits only."""

    uses_real_logits_for_g = False

    def g_loss(self, fake_logits, *args, **kwargs):
        self.g_calls.append({"fake_logits": fake_logits, "args": args, "kwargs": kwargs})
        return -fake_logits.mean()


class StepTestPlugin:
    @hookimpl
    def register_regularizers(self, register):
        register("step_test_d_side", DSidePenalty, summary="test: one D-side parameter")
        register("step_test_split", SplitTerm, summary="test: one G-side, one D-side parameter")

    @hookimpl
    def register_losses(self, register):
        register("step_test_relativistic", RecordingRelativistic, summary="test: uses real logits in G")
        register("step_test_plain", RecordingHinge, summary="test: fake logits only in G")


@pytest.fixture(scope="module")
def plugin():
    plugins = get_plugins()
    info = plugins.register(StepTestPlugin(), name="step_test_plugin")
    assert not info.errors, info.errors
    threads = torch.get_num_threads()        # Experiment.threads = 1 sets it process-wide
    yield
    plugins.unregister("step_test_plugin")
    torch.set_num_threads(threads)


@pytest.fixture
def make_run(plugin, tmp_path):
    def make(*bindings: str):
        from ganbench.config import Experiment
        from ganbench.run import Run
        config.parse([], TINY + list(bindings))
        return Run(Experiment(), seed=0, cache_dir=str(tmp_path / "cache"))
    return make


def params(module: nn.Module) -> dict[str, torch.Tensor]:
    return {name: p.detach().clone() for name, p in module.named_parameters()}


def buffers(module: nn.Module) -> dict[str, torch.Tensor]:
    return {name: b.detach().clone() for name, b in module.named_buffers()}


def changed(before: dict[str, torch.Tensor], module: nn.Module, kind=params) -> list[str]:
    after = kind(module)
    assert after.keys() == before.keys()
    return [name for name in before if not torch.equal(before[name], after[name])]


def assert_all_trained(module: nn.Module, before: dict[str, torch.Tensor]) -> None:
    """The step updated ``module``: each parameter got a gradient, and each one that did not
    move had an exactly zero gradient (e.g. D's head bias under the hinge loss when every hinge
    is active: -8/8 + 8/8), which Adam turns into no update."""
    moved = changed(before, module)
    assert moved, "the step changed none of the weights"
    for name, p in module.named_parameters():
        assert p.grad is not None, f"{name} got no gradient"
        if name not in moved:
            assert not p.grad.any(), f"{name} has a gradient but did not move"


def opt_ids(opt: torch.optim.Optimizer) -> list[int]:
    return [id(p) for group in opt.param_groups for p in group["params"]]


# ----------------------------------------------------------------------- which weights move
def test_d_step_moves_d_and_leaves_every_g_weight_bitwise_unchanged(make_run):
    run = make_run()
    g_before, d_before = params(run.G), params(run.D)
    g_buffers, d_buffers = buffers(run.G), buffers(run.D)
    run.d_step()
    assert changed(g_before, run.G) == [], "the D step changed G's weights"
    assert_all_trained(run.D, d_before)
    # only running statistics of G's batch norm move (G runs in train mode to draw the fakes)
    assert all("running_" in n or "num_batches_tracked" in n for n in changed(g_buffers, run.G, buffers))
    for name in changed(d_buffers, run.D, buffers):   # D's spectral-norm power iteration
        assert name.split(".")[-1] in SPECTRAL_NORM_STATE, name


def test_g_step_moves_g_and_leaves_every_d_weight_bitwise_unchanged(make_run):
    run = make_run()
    run.d_step()                       # g_step reuses the D step's real batch
    g_before, d_before = params(run.G), params(run.D)
    d_buffers = buffers(run.D)
    run.g_step()
    assert changed(d_before, run.D) == [], "the G step changed D's weights"
    assert_all_trained(run.G, g_before)
    # what moves on D is the spectral norm's power-iteration state, not a weight
    for name in changed(d_buffers, run.D, buffers):
        assert name.split(".")[-1] in SPECTRAL_NORM_STATE, name


def test_d_step_then_g_step_leaves_the_other_optimizer_state_alone(make_run):
    run = make_run()
    run.d_step()
    assert run.g_opt.state == {} and len(run.d_opt.state) == len(opt_ids(run.d_opt))
    run.g_step()
    assert len(run.g_opt.state) == len(opt_ids(run.g_opt))


# ----------------------------------------------------------------------- which optimizer
def test_every_parameter_is_in_exactly_one_optimizer_on_the_right_side(make_run):
    run = make_run("Experiment.regularizers = [@regularizers.step_test_d_side, @regularizers.step_test_split]")
    d_side, split = run.terms[0], run.terms[1]
    assert isinstance(d_side, DSidePenalty) and isinstance(split, SplitTerm)
    g_ids, d_ids = opt_ids(run.g_opt), opt_ids(run.d_opt)
    assert len(set(g_ids)) == len(g_ids) and len(set(d_ids)) == len(d_ids)
    assert not set(g_ids) & set(d_ids), "a parameter is in both optimizers"
    expected_g = [id(p) for p in run.G.parameters()] + [id(split.g_weight)]
    labeler = [id(p) for p in run.labeler.parameters()] if isinstance(run.labeler, nn.Module) else []
    expected_d = [id(p) for p in run.D.parameters()] + [id(d_side.scale), id(split.d_weight)] + labeler
    assert sorted(g_ids) == sorted(expected_g)
    assert sorted(d_ids) == sorted(expected_d)
    # and the steps honour it: the D step trains the D-side term parameters only
    scale, g_weight, d_weight = (t.detach().clone() for t in (d_side.scale, split.g_weight, split.d_weight))
    run.d_step()
    assert not torch.equal(d_side.scale, scale) and not torch.equal(split.d_weight, d_weight)
    assert torch.equal(split.g_weight, g_weight)
    scale, d_weight = d_side.scale.detach().clone(), split.d_weight.detach().clone()
    run.g_step()
    assert not torch.equal(split.g_weight, g_weight)
    assert torch.equal(d_side.scale, scale) and torch.equal(split.d_weight, d_weight)


# ------------------------------------------------------------------------ what terms see
def test_terms_are_set_up_and_see_the_documented_batch(make_run):
    run = make_run("Experiment.regularizers = [@regularizers.step_test_d_side]")
    term = run.terms[0]
    assert term.setup_args == (run.G, run.D, run.num_classes)
    run.d_step()
    run.g_step()
    (d_side, d_batch), (g_side, g_batch) = term.seen
    assert (d_side, g_side) == ("d", "g")
    assert d_batch.G is run.G and d_batch.D is run.D and d_batch.step == run.step == 0
    # D step: every field is set, fake drawn without gradient
    for name in ("real", "real_index", "fake", "real_features", "real_logits", "fake_features", "fake_logits"):
        assert getattr(d_batch, name) is not None, name
    assert not d_batch.fake.requires_grad
    assert d_batch.real.shape == d_batch.fake.shape == (8, 3, 16, 16)
    assert d_batch.real_logits.shape == d_batch.fake_logits.shape == (8,)
    assert d_batch.real_features.shape == (8, run.D.feature_dim)
    assert float(d_batch.real.min()) >= -1 and float(d_batch.real.max()) <= 1
    # G step: the same reals, no real features/logits (plain loss), fake carries G's gradient
    assert g_batch.real is d_batch.real and torch.equal(g_batch.real_index, d_batch.real_index)
    assert g_batch.real_features is None and g_batch.real_logits is None
    assert g_batch.fake.requires_grad and g_batch.fake_logits is not None


def test_term_state_is_checkpointed_and_restored(make_run):
    run = make_run("Experiment.regularizers = [@regularizers.step_test_d_side]")
    run.d_step()
    run.d_step()
    state = run.state_dict()
    assert int(state["terms"][0]["calls"]) == 2 and "scale" in state["terms"][0]
    fresh = make_run("Experiment.regularizers = [@regularizers.step_test_d_side]")
    assert int(fresh.terms[0].calls) == 0
    fresh.load_state_dict(state)
    assert int(fresh.terms[0].calls) == 2 and torch.equal(fresh.terms[0].scale, run.terms[0].scale)


# ------------------------------------------------------------------- uses_real_logits_for_g
def test_uses_real_logits_for_g_hands_real_logits_to_g_loss(make_run):
    run = make_run("Experiment.loss = @losses.step_test_relativistic",
                   "Experiment.regularizers = [@regularizers.step_test_d_side]")
    run.d_step()
    calls = []
    run.D.register_forward_hook(lambda m, args, out: calls.append((*args, out)))
    run.g_step()
    (call,) = run.loss.g_calls
    real_logits = call["real_logits"]
    assert real_logits is not None and real_logits.shape == (8,)
    assert real_logits.requires_grad            # D ran on the reals within the G step's graph
    _, d_batch = run.terms[0].seen[0]
    _, g_batch = run.terms[0].seen[-1]
    assert g_batch.real_logits is real_logits   # and the terms see the same logits
    # they are D's output on the D step's reals and labels (a forward hook sees the call; D is
    # not re-run here, as that would move its spectral-norm state and so its output)
    assert [(x is d_batch.real, y is d_batch.real_labels, out is real_logits) for x, y, out in calls] \
        == [(True, True, True)]


def test_without_the_flag_g_loss_gets_fake_logits_only(make_run):
    run = make_run("Experiment.loss = @losses.step_test_plain")
    run.d_step()
    run.g_step()
    (call,) = run.loss.g_calls
    assert call["args"] == () and call["kwargs"] == {}
    assert call["fake_logits"].shape == (8,)
