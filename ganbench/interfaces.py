"""The contracts between the training loop and the components that plugins provide.

Each component kind is registered as a *factory* (a callable whose keyword arguments gin can
bind). The training loop calls the factory and talks to the result only through the protocols
below, so a component never needs to know which other components it is combined with.

Import-light on purpose: nothing here imports torch at run time.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Protocol, runtime_checkable

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
# Any module or component may define ``on_train_step(step: int, images_seen: int)``; the loop
# calls it before every step. This is how schedules (progressive growing, fade-in, warm-ups) work
# without special cases in the loop. State derived from (step, images_seen) resumes for free.


# --------------------------------------------------------------------------- the step
@dataclass
class Batch:
    """Everything one training step knows, passed to losses, regularizers and labelers.

    Fields are filled as the step proceeds; a term reads what it needs. Terms that need extra
    discriminator passes (gradient penalties, rotations) call ``D`` themselves.
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
    step: int = 0
    extras: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------------------ losses
class Loss(Protocol):
    """What a `losses` factory returns: the adversarial objective on D's logits."""

    def d_loss(self, real_logits: "Tensor", fake_logits: "Tensor") -> "Tensor":
        """Scalar loss minimised by D."""

    def g_loss(self, fake_logits: "Tensor") -> "Tensor":
        """Scalar loss minimised by G."""


# ---------------------------------------------------------------- regularizers and terms
class Term(Protocol):
    """An extra loss term on D and/or G: what `regularizers` factories return (labelers may be
    terms too). Usually an ``nn.Module``; its parameters (e.g. a rotation head on D~) are
    optimised with D's optimizer unless listed by ``g_parameters()``.

    ``setup`` is called once after G and D exist. ``d_term``/``g_term`` return an already
    weighted scalar, or None when the term does not apply to that side.
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
    ``load_state_dict`` for everything that changes during training.
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
