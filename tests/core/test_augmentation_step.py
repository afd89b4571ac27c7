"""The `augmentations` kind in the training step (``Run.d_step``/``g_step``): what D sees is
augmented in both steps, G's gradient flows through the augmentation, adaptive augmentations are
fed E[sign(D(real))] and checkpointed, APA-style swaps keep the generated images' labels; plus the
training subset (``Experiment.train_images``) and the overfitting probe."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from ganbench import config
from ganbench.hookspecs import hookimpl
from ganbench.registry import get_plugins

TINY = [
    "Experiment.dataset = @datasets.shapes",
    "datasets.shapes.resolution = 16",
    "datasets.shapes.num_train = 60",
    "datasets.shapes.num_test = 20",
    "Experiment.architecture = @architectures.dcgan",
    "architectures.dcgan.base_width = 8",
    "architectures.dcgan.z_dim = 16",
    "Experiment.labeler = @labelers.full",
    "Experiment.loss = @losses.hinge",
    "Experiment.batch_size = 6",
    "Experiment.device = 'cpu'",
    "Experiment.threads = 1",
    "Experiment.overfit_images = 0",
]


class Shift(nn.Module):
    """Adds ``offset`` and records every call; adapts a counter from observe()."""

    def __init__(self, offset: float = 0.5, scale: float = 1.0):
        super().__init__()
        self.offset, self.scale = offset, scale
        self.calls: list[torch.Tensor] = []
        self.observed: list[tuple[float, float]] = []
        self.register_buffer("seen", torch.zeros(()))

    def augment(self, images, generator):
        self.calls.append(images.detach().clone())
        return images * self.scale + self.offset

    def observe(self, sign_sum, count):
        self.observed.append((float(sign_sum), float(count)))
        self.seen += count

    def log_values(self):
        return {"shift_seen": float(self.seen)}


class SwapAll(nn.Module):
    """Replaces the first half of the reals with the offered fakes (APA-like)."""

    def augment(self, images, generator):
        return images

    def replace_reals(self, real, fake, generator):
        swapped = torch.zeros(len(real), dtype=torch.bool)
        swapped[: len(real) // 2] = True
        self.offered = fake.detach().clone()
        return torch.where(swapped[:, None, None, None], fake, real), swapped


class RecordingTerm(nn.Module):
    def __init__(self):
        super().__init__()
        self.d_batches, self.g_batches = [], []

    def setup(self, G, D, num_classes):
        pass

    def d_term(self, batch):
        self.d_batches.append(batch)

    def g_term(self, batch):
        self.g_batches.append(batch)


class AugTestPlugin:
    @hookimpl
    def register_augmentations(self, register):
        register("test_shift", Shift, summary="test: adds an offset")
        register("test_swap", SwapAll, summary="test: swaps half the reals for fakes")

    @hookimpl
    def register_regularizers(self, register):
        register("test_recorder", RecordingTerm, summary="test: records batches")


@pytest.fixture(scope="module")
def plugin():
    plugins = get_plugins()
    info = plugins.register(AugTestPlugin(), name="aug_test_plugin")
    assert not info.errors, info.errors
    threads = torch.get_num_threads()
    yield
    plugins.unregister("aug_test_plugin")
    torch.set_num_threads(threads)


@pytest.fixture
def make_run(plugin, tmp_path):
    def make(*bindings: str, seed: int = 0):
        from ganbench.config import Experiment
        from ganbench.run import Run
        config.parse([], TINY + list(bindings))
        return Run(Experiment(), seed=seed, cache_dir=str(tmp_path / "cache"))
    return make


def test_d_sees_augmented_reals_and_fakes_and_terms_get_what_d_saw(make_run):
    run = make_run("Experiment.augmentation = @augmentations.test_shift",
                   "Experiment.regularizers = [@regularizers.test_recorder]")
    aug, recorder = run.augmentation, run.terms[0]
    run.d_step()
    assert len(aug.calls) == 2                      # reals, then fakes
    raw_real, raw_fake = aug.calls
    batch = recorder.d_batches[0]
    assert torch.equal(batch.real, raw_real + 0.5)
    assert torch.equal(batch.fake, raw_fake + 0.5)
    assert raw_real.min() >= -1 and raw_real.max() <= 1 and batch.real.max() > 1   # shifted
    run.g_step()
    assert len(aug.calls) == 3                      # the G step's fakes
    assert torch.allclose(recorder.g_batches[0].fake.detach(), aug.calls[2] + 0.5)


def test_g_gradient_flows_through_the_augmentation(make_run):
    def g_change(*bindings):
        run = make_run(*bindings)
        run.d_step()
        before = [p.detach().clone() for p in run.G.parameters()]
        run.g_step()
        return max(float((p.detach() - b).abs().max()) for p, b in zip(run.G.parameters(), before))
    assert g_change() > 0
    assert g_change("Experiment.augmentation = @augmentations.test_shift") > 0
    # An augmentation that erases the image cuts G off from D: G's gradient is zero, Adam moves nothing.
    assert g_change("Experiment.augmentation = @augmentations.test_shift",
                    "augmentations.test_shift.scale = 0.0") == 0


def test_observe_gets_the_sign_sum_of_d_real_logits_and_the_batch_size(make_run):
    run = make_run("Experiment.augmentation = @augmentations.test_shift",
                   "Experiment.regularizers = [@regularizers.test_recorder]")
    run.d_step()
    logits = run.terms[0].d_batches[0].real_logits.detach()
    (sign_sum, count), = run.augmentation.observed
    assert count == 6
    assert sign_sum == float(logits.sign().sum())
    assert run.log_values()["shift_seen"] == 6


def test_augmentation_state_is_checkpointed_and_restored(make_run):
    run = make_run("Experiment.augmentation = @augmentations.test_shift")
    run.d_step(), run.d_step()
    state = run.state_dict()
    assert float(state["augmentation"]["seen"]) == 12
    fresh = make_run("Experiment.augmentation = @augmentations.test_shift")
    fresh.load_state_dict(state)
    assert float(fresh.augmentation.seen) == 12
    plain = make_run()
    with pytest.raises(ValueError, match="different configuration"):
        plain.load_state_dict(state)


def test_swapped_reals_are_generated_images_shown_as_real_with_their_labels(make_run):
    run = make_run("Experiment.augmentation = @augmentations.test_swap",
                   "Experiment.regularizers = [@regularizers.test_recorder]")
    run.d_step()
    batch = run.terms[0].d_batches[0]
    offered = run.augmentation.offered
    assert torch.equal(batch.real[:3], offered[:3])
    assert not torch.equal(batch.real[3:], offered[3:])
    assert not torch.equal(batch.real[:3], batch.fake[:3])     # a batch of its own, not D's fakes
    true_labels = run.train_set.labels[batch.real_index]
    # the unswapped reals keep their labels; the swapped ones carry generated labels
    assert torch.equal(batch.real_labels[3:], true_labels[3:])
    assert batch.real_labels.dtype == true_labels.dtype


def test_training_subset_is_stratified_seeded_and_the_labeler_draws_from_it(make_run):
    run = make_run("Experiment.train_images = 20")
    assert len(run.train_pool.labels) == 20 and len(run.train_set.labels) == 60
    counts = torch.bincount(run.train_pool.labels, minlength=run.train_set.num_classes)
    assert counts.max() - counts.min() <= 1                    # stratified by class
    assert len(run.images) == 20 and int(run.train_index.max()) < 20
    again = make_run("Experiment.train_images = 20", "Experiment.loss = @losses.non_saturating")
    assert torch.equal(again.train_pool.index, run.train_pool.index)   # same at a seed, any method
    other = make_run("Experiment.train_images = 20", seed=1)
    assert not torch.equal(other.train_pool.index, run.train_pool.index)
    assert "subset20" in run.train_pool.cache_key()
    half = make_run("Experiment.train_images = 0.5")
    assert len(half.train_pool.labels) == 30


@pytest.mark.parametrize("value, message", [(0, ">= 1"), (1.5, r"\(0, 1\]"), ("all", "expected a number")])
def test_bad_train_images_is_a_named_error(plugin, value, message):
    from ganbench.config import Experiment
    config.parse([], TINY)
    with pytest.raises(ValueError, match=rf"Experiment.train_images = .*{message}"):
        Experiment(train_images=value)


def test_subset_larger_than_the_data_is_a_named_error(make_run):
    with pytest.raises(ValueError, match="asks for 61 training images but the training set has 60"):
        make_run("Experiment.train_images = 61")


def test_overfitting_probe_logs_d_on_train_and_heldout_and_changes_nothing(make_run):
    def trained(*bindings):
        run = make_run(*bindings)
        values = []
        for _ in range(3):
            run.d_step(), run.g_step()
            values.append(run.log_values())
        return run, values
    probed, values = trained("Experiment.overfit_images = 8")
    plain, plain_values = trained()
    assert {"d_sign_train", "d_sign_heldout", "d_sign_gap", "d_logit_train"} <= set(values[-1])
    assert "d_sign_train" not in plain_values[-1]
    last = values[-1]
    assert -1 <= last["d_sign_train"] <= 1
    assert last["d_sign_gap"] == pytest.approx(last["d_sign_train"] - last["d_sign_heldout"])
    for a, b in zip(probed.D.state_dict().values(), plain.D.state_dict().values()):
        assert torch.equal(a, b)
    for a, b in zip(probed.G.state_dict().values(), plain.G.state_dict().values()):
        assert torch.equal(a, b)
    # the probe scores exactly its fixed training images: recompute by hand in eval mode
    images, labels = probed.overfitting.sets["train"]
    probed.D.eval()
    with torch.no_grad():
        expected = float(probed.D(images, labels).sign().mean())
    probed.D.train()
    assert probed.log_values()["d_sign_train"] == expected
