"""The contracts between the training loop and the components that plugins provide.

Each component kind is registered as a *factory* (a callable whose keyword arguments gin can
bind). The training loop calls the factory and talks to the result only through the protocols
below, so a component never needs to know which other components it is combined with.

Import-light on purpose: nothing here imports torch at run time.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, NamedTuple, Protocol, runtime_checkable

if TYPE_CHECKING:  # pragma: no cover
    import torch
    from torch import Tensor, nn

KINDS = (
    "architectures",
    "losses",
    "regularizers",
    "normalizers",
    "labelers",
    "metrics",
    "datasets",
    "feature_extractors",
    "executors",
    "augmentations",
)


# ----------------------------------------------------------------------------- datasets
@runtime_checkable
class ImageDataset(Protocol):
    """What a `datasets` factory returns: ``factory(split="train", resolution=None, **gin)``.

    Images live in memory as uint8 so the loop can keep them on the device and index batches
    there (no DataLoader workers, no per-step host work).
    """

    name: str                 # e.g. "shapes"; used in cache keys
    split: str                # "train" or "test"
    images: "Tensor"          # uint8 [N, C, H, W], values 0..255
    labels: "Tensor"          # int64 [N], ground-truth class ids (0..num_classes-1)
    num_classes: int
    class_names: list[str]

    def cache_key(self) -> str:
        """Identifies the exact contents (dataset, split, resolution, generator seed...)."""


# ------------------------------------------------------------------------- architectures
# An `architectures` factory is ``factory(resolution, channels, num_classes, **gin) -> (G, D)``.
# num_classes == 0 builds unconditional networks.
#
# Generator (an nn.Module):
#   G.z_dim: int ; G.num_classes: int
#   G(z [B, z_dim], y) -> images float [B, C, resolution, resolution] in [-1, 1]
#       y is None (unconditional), int64 [B] class ids, or float [B, num_classes] soft labels
#       (a soft label embeds as the probability-weighted mean of the class embeddings).
#
# Discriminator (an nn.Module), split into a trunk and heads so other plugins can attach heads:
#   D.feature_dim: int ; D.num_classes: int
#   D.features(x) -> h float [B, feature_dim]            the trunk D~(x)
#   D.logits(h, y) -> float [B]                          c(h) + <embed(y), h> (projection);
#                                                        c(h) alone when y is None or unconditional
#   D(x, y=None) == D.logits(D.features(x), y)
#
# Any module or component may define ``on_train_step`` and ``log_values`` (see OPTIONAL_MEMBERS
# below): schedules (progressive growing, fade-in, warm-ups) and adaptive state work without
# special cases in the loop. State derived from (step, images_seen) resumes for free.


# --------------------------------------------------------------------------- the step
@dataclass
class Batch:
    """Everything one training step knows, passed to losses, regularizers and labelers.

    Fields are filled as the step proceeds; a term reads what it needs. Terms that need extra
    discriminator passes (gradient penalties, rotations) call ``D`` themselves.

    ``real`` and ``fake`` are what D saw: after the run's augmentation (``Experiment.augmentation``),
    if any. In the D step every field is set; ``fake`` was drawn without gradient. In the G step
    ``real_features`` and ``real_logits`` are None (unless the loss declares
    ``uses_real_logits_for_g``, which fills ``real_logits``) and ``fake`` carries G's gradient.
    """

    G: "nn.Module"
    D: "nn.Module"
    real: "Tensor"                      # float [B, C, H, W] in [-1, 1]
    real_labels: "Tensor | None"        # labels the labeler assigned (int [B] or soft [B, K])
    real_index: "Tensor"                # indices of the reals in the training set
    fake: "Tensor"                      # G(z, fake_labels); detached in the D step
    fake_labels: "Tensor | None"
    real_features: "Tensor | None" = None   # D~(real)
    real_logits: "Tensor | None" = None
    fake_features: "Tensor | None" = None   # D~(fake)
    fake_logits: "Tensor | None" = None
    step: int = 0                       # generator steps taken before this one


# ------------------------------------------------------------------------------ losses
class Loss(Protocol):
    """What a `losses` factory returns: the adversarial objective on D's logits."""

    def d_loss(self, real_logits: "Tensor", fake_logits: "Tensor") -> "Tensor":
        """Scalar loss minimised by D."""

    def g_loss(self, fake_logits: "Tensor") -> "Tensor":
        """Scalar loss minimised by G (with ``real_logits=`` too when the loss declares
        ``uses_real_logits_for_g``, see OPTIONAL_MEMBERS)."""


# ---------------------------------------------------------------- regularizers and terms
class Term(Protocol):
    """An extra loss term on D and/or G: what `regularizers` factories return (labelers are
    terms too). Usually an ``nn.Module``; its parameters (e.g. a rotation head on D~) are
    optimised with D's optimizer unless listed by ``g_parameters()`` (OPTIONAL_MEMBERS).

    ``setup`` is called once after G and D exist, before anything moves to the device.
    ``d_term``/``g_term`` are called in every D / G step and return an already weighted scalar,
    or None when the term does not apply to that side. A term whose state changes during training
    (EMA anchors, adaptive weights) implements ``state_dict``/``load_state_dict`` (an
    ``nn.Module`` has them): that state is checkpointed and restored on resume.
    """

    def setup(self, G: "nn.Module", D: "nn.Module", num_classes: int) -> None: ...

    def d_term(self, batch: Batch) -> "Tensor | None": ...

    def g_term(self, batch: Batch) -> "Tensor | None": ...


# --------------------------------------------------------------------------- normalizers
class Normalizer(Protocol):
    """What a `normalizers` factory returns. Architectures take lists of them for G and D.

    ``wrap(layer)`` acts on weights (spectral norm, weight norm): it is applied to every conv and
    linear layer and returns the layer to use. ``feature_layer(channels, num_classes)`` acts on
    activations (batch norm, conditional BN, layer norm): it returns a module called as
    ``m(x, y)`` (y may be None), or None when this normalizer has no feature layer.
    """

    def wrap(self, layer: "nn.Module") -> "nn.Module": ...

    def feature_layer(self, channels: int, num_classes: int) -> "nn.Module | None": ...


# ------------------------------------------------------------------------------ labelers
class Labeler(Protocol):
    """Decides which reals are trained on and which label each carries; samples fake labels.

    Also a Term (``setup``/``d_term``/``g_term``, may own D-side parameters), so co-training
    labelers add their loss terms like any regularizer. Must implement ``state_dict`` and
    ``load_state_dict`` for everything that changes during training. Optional: ``describe()``
    and ``cluster_labels`` (OPTIONAL_MEMBERS).
    """

    num_classes: int          # classes G and D condition on; 0 = unconditional

    def prepare(self, dataset: ImageDataset, *, seed: int, cache_dir: str, device: "torch.device") -> None:
        """Choose the labelled subset (from ``seed``), run any pre-training (cached under
        ``cache_dir``, shared by every cell that needs the same one)."""

    def train_index(self) -> "Tensor":
        """int64 indices of the training images to draw real batches from."""

    def real_labels(self, index: "Tensor", features: "Tensor | None") -> "Tensor | None":
        """Labels of the reals ``index``; ``features`` is D~(x) for on-the-fly labelers."""

    def sample_fake_labels(self, n: int, generator: "torch.Generator") -> "Tensor | None":
        """Labels for n fakes, from the labeler's prior."""

    def predict(self, images: "Tensor") -> "Tensor | None":
        """Class scores [N, num_classes] for uint8 images (for label_accuracy), or None."""


# ------------------------------------------------------------------------------ metrics
@dataclass
class EvalContext:
    """What a metric sees. Generated images come from one fixed pool per evaluation (fixed
    latent noise, EMA weights when enabled), so every metric scores the same samples and
    ``samples(n)`` is the first n of that pool. Features are memoised per extractor, and the
    reference set's are cached on disk under a key of dataset, split, preprocessing and extractor.
    """

    samples: Callable[[int], "tuple[Tensor, Tensor | None]"]        # n -> (uint8 images, labels)
    class_samples: Callable[[int, int], "Tensor"]                    # (class, n) -> uint8 images
    fake_features: Callable[[str, int], "tuple[Tensor, Tensor | None]"]   # (extractor, n) -> (features, logits)
    reference_features: Callable[[str], "tuple[Tensor, Tensor | None]"]   # extractor -> (features, logits)
    reference: ImageDataset    # the fixed real set metrics compare against (test split)
    train: ImageDataset
    labeler: Any
    num_classes: int           # classes G is conditioned on (0 = unconditional)
    cache_dir: str
    device: Any
    seed: int = 0
    num_samples: int = 2000    # Experiment.eval_samples: the default sample count for metrics


class Metric(Protocol):
    """What a `metrics` factory returns: ``metric(ctx) -> {result_name: value}`` (floats).

    Result names are what tables show, e.g. ``{"fid_domain": 12.3}`` or ``{"swd_16": .., "swd_avg": ..}``.
    A metric that raises loses only its own results: the evaluation records
    ``"ExceptionType: message"`` under the metric's name (``metric_errors`` in the run's ``done``
    file) and keeps the other metrics' values. A metric that asks for feature extractors by name
    declares them (``feature_extractors``, OPTIONAL_MEMBERS), so a study checks the names before
    it trains anything.
    """

    def __call__(self, ctx: EvalContext) -> dict[str, float]: ...


class FeatureExtractor(Protocol):
    """What a `feature_extractors` factory returns; factories are called as
    ``factory(dataset=<train ImageDataset>, test_dataset=<reference ImageDataset>, **gin)`` and
    may ignore both."""

    name: str

    def cache_key(self) -> str:
        """Names the exact weights and preprocessing (part of reference-statistics cache keys)."""

    def extract(self, images: "Tensor") -> "tuple[Tensor, Tensor | None]":
        """uint8 [N, C, H, W] -> (features float [N, F], class logits [N, K] or None)."""


# ------------------------------------------------------------------------- augmentations
class Augmentation(Protocol):
    """What an `augmentations` factory returns: ``factory(**gin) -> Augmentation``, chosen by
    ``Experiment.augmentation`` (None = no augmentation).

    ``augment(images, generator)`` transforms a float batch [B, C, H, W] in [-1, 1] and is applied,
    with fresh draws, to every image D sees: the reals and the fakes of the D step and the fakes
    of the G step. It must be differentiable (G's gradient flows through it), keep shape, dtype
    and device, draw all its randomness from ``generator`` (the run's noise generator, on the
    images' device: the same generator state gives the same output) and return its input
    unchanged when it does nothing (probability 0, empty policy). The ``Batch`` the loss terms
    receive holds the augmented images, so regularizers act on what D saw (as R1 does in ADA).

    Adaptive augmentations (ADA, APA) also define ``observe`` (OPTIONAL_MEMBERS) and keep their
    state (``state_dict``/``load_state_dict``, checkpointed like a term's) and report it with
    ``log_values`` (e.g. ``{"ada_p": 0.12}``), which the training curves plot.
    """

    def augment(self, images: "Tensor", generator: "torch.Generator") -> "Tensor": ...


# ----------------------------------------------------------------------------- executors
class Task(Protocol):
    """One seed of one cell, as an executor receives it: picklable, so it can cross processes.

    Calling it trains and evaluates the cell unless it is done, and returns its status:
    ``done``, ``diverged``, ``skipped`` (already done), ``busy`` (another process holds it) or
    ``failed``. A task records its own failure (``error.txt`` in ``run_dir``, a line on stderr)
    and returns ``failed`` instead of raising, so an executor only sees exceptions for deaths
    of the process itself. Calling it twice is safe.
    """

    label: str                  # "<cell id>/seed-<n>", for progress and failure reports
    run_dir: str                # where the cell's files go
    threads: int | None         # CPU threads for the cell; an executor may set it before calling

    def __call__(self) -> str: ...


class Executor(Protocol):
    """What an `executors` factory returns: ``factory(workers=None, **gin)``."""

    def run(self, tasks: "list[Task]", progress: "Callable[[str, str], None] | None" = None) -> dict[str, str]:
        """Run every task; returns label -> status. ``progress(label, status)`` after each."""


# -------------------------------------------------------------------- optional members
class OptionalMember(NamedTuple):
    """A member a component may define; the core reads it only through ``optional()``."""

    who: str          # which components may define it
    default: str      # what happens when a component does not
    when: str         # when the core calls or reads it


OPTIONAL_MEMBERS: dict[str, OptionalMember] = {
    "on_train_step": OptionalMember(
        "any module or component of a run: G, D, the loss, regularizers, the labeler, the "
        "augmentation, G's EMA copy",
        "nothing: the component has no schedule",
        "on_train_step(step, images_seen) before every training step, after a resume, and when a "
        "generator is rebuilt from a run directory (so schedules resume their phase)"),
    "log_values": OptionalMember(
        "any module or component of a run (as for on_train_step)",
        "nothing is logged for it",
        "log_values() -> {name: float} at every log interval; merged into the training record "
        "(metrics.jsonl, console, TensorBoard, training curves), e.g. PGGAN's resolution and alpha"),
    "uses_real_logits_for_g": OptionalMember(
        "losses",
        "False: g_loss(fake_logits)",
        "read in every G step; when True D is run on the reals too and the loss is called as "
        "g_loss(fake_logits, real_logits=...) (relativistic losses)"),
    "g_parameters": OptionalMember(
        "terms (regularizers, labelers) with parameters",
        "every parameter of the term trains with D's optimizer",
        "g_parameters() -> iterable of the term's parameters that train with G's optimizer; read "
        "once, when the optimizers are built"),
    "observe": OptionalMember(
        "augmentations",
        "nothing: the augmentation does not adapt",
        "observe(sign_sum, count) after every D step: the sum of sign(D(real)) over the reals D "
        "just saw (augmented, the whole batch over all data-parallel ranks) and their count, as "
        "0-dim tensors on the run's device (never synchronised with the host): the input of "
        "ADA's overfitting heuristic r_t = E[sign(D(real))]. Keep the adaptation on the device "
        "too (the loop reads values only at log intervals)"),
    "replace_reals": OptionalMember(
        "augmentations",
        "nothing: D's reals are the dataset's images",
        "replace_reals(real, fake, generator) -> (images, swapped) in every D step, before "
        "augment: ``fake`` is a batch generated for this purpose (without gradient, distinct from "
        "the D step's fakes), ``swapped`` a bool [B] saying which reals were replaced by the fake "
        "at the same position (APA); the swapped images are shown to D as real, with the labels "
        "they were generated with"),
    "state_dict": OptionalMember(
        "terms (regularizers, labelers) and augmentations",
        "the term is stateless: nothing is saved",
        "state_dict() at every checkpoint; load_state_dict(state) on resume (declare both)"),
    "load_state_dict": OptionalMember(
        "terms (regularizers, labelers) and augmentations", "see state_dict", "on resume, with what state_dict() returned"),
    "describe": OptionalMember(
        "labelers",
        "no labeler.json",
        "describe() -> JSON-able dict, once per run before training, written to labeler.json "
        "(which images are labelled, pre-training accuracy...)"),
    "feature_extractors": OptionalMember(
        "metrics",
        "nothing is checked before training: an unknown extractor name fails the metric at "
        "evaluation (recorded in the run's metric_errors, the other metrics are kept)",
        "read once per cell of a study while it is validated, before anything trains (``ganbench "
        "run`` and ``--dry-run``), on the metric the factory returned: a sequence of the registered "
        "feature-extractor names (str) the metric will pass to ctx.fake_features / "
        "ctx.reference_features or resolve('feature_extractors', ...); an unregistered name stops "
        "the study with a ConfigError naming the variant, the metric and the valid names"),
    "check_data": OptionalMember(
        "labelers (the object the factory returned) and feature-extractor factories (the "
        "registered function itself)",
        "nothing is checked before training: a dataset the component cannot use fails when the "
        "run prepares the labeler, or when the metric builds the extractor",
        "check_data(train, test) once per cell of a study while it is validated, before anything "
        "trains (``ganbench run`` and ``--dry-run``); train and test have ``labels``, "
        "``num_classes``, ``class_names``, ``len()`` and ``cache_key()`` (no images). Raise "
        "ValueError saying what is wrong with the data and how to fix it; it stops the study "
        "naming the variant. Extractor factories are checked for each name a metric declares in "
        "``feature_extractors``"),
    "test_accuracy": OptionalMember(
        "feature extractors trained on the dataset (whose factory defines check_data)",
        "no accuracy is recorded",
        "read once per run before training: the run builds each such extractor its metrics "
        "declare, with dataset=<train> and test_dataset=<test>, and records test_accuracy (a "
        "float in [0, 1], or None) in data.json, metrics.jsonl (a record of kind 'data') and on "
        "the console; tables.md and the HTML report show it"),
    "truncated_forward": OptionalMember(
        "generators (architectures' G, and so G's EMA copy)",
        "the truncation trick resamples the entries of z beyond the threshold (truncated normal)",
        "truncated_forward(z, y, psi) -> images, called by the evaluation sampler instead of "
        "G(z, y) when Experiment.truncation is set, with untruncated z ~ N(0, I) and psi the "
        "truncation value: a generator that truncates elsewhere (StyleGAN2 in W: "
        "w = w_avg + psi * (w - w_avg)) defines it"),
    "cluster_labels": OptionalMember(
        "labelers",
        "False: predict() returns class scores in the dataset's class order",
        "read by label metrics: True means predict() returns cluster ids, matched one-to-one to "
        "classes before an accuracy is computed"),
}


def optional(component: Any, name: str, default: Any = None) -> Any:
    """The optional member ``name`` of ``component``, or ``default`` when it has none.

    Only members declared in OPTIONAL_MEMBERS may be asked for, so every contract a plugin can
    follow is written here and nowhere else (a test checks that the core asks for nothing else)."""
    if name not in OPTIONAL_MEMBERS:
        raise KeyError(f"{name!r} is not a declared optional member; declare it in OPTIONAL_MEMBERS")
    return getattr(component, name, default)
