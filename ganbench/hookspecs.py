"""The hooks a ganbench plugin may implement: one per component kind, plus gin search paths.

Every ``register_<kind>`` hook receives a ``register`` callable owned by the core::

    register(name: str, factory: Callable | str, *, summary: str = "") -> None

``factory`` is the component's factory (see ``ganbench.interfaces`` for what each kind's
factory returns) or an import string ``"package.module:attribute"``, which keeps the plugin
module free of torch imports so ``ganbench --help`` and ``ganbench plugins`` stay fast.
Version policy: hook specs only ever grow. A new hook or a new hook argument is added, never
removed or renamed, and new keyword arguments of ``register`` are optional, so a plugin written for
an older ganbench keeps working (pluggy passes a hook implementation only the arguments it names).
A plugin written for a newer ganbench states so (``ganbench>=X`` in its distribution's
dependencies, or ``GANBENCH_REQUIRES = ">=X"`` in its plugin module) and is refused with a clear
message by older versions. The plugin guide (docs/plugins.md) documents every hook below; a test
keeps the two in sync.
"""
from __future__ import annotations

from typing import Callable

import pluggy

hookspec = pluggy.HookspecMarker("ganbench")
hookimpl = pluggy.HookimplMarker("ganbench")

Register = Callable[..., None]


@hookspec
def register_architectures(register: Register) -> None:
    """Register architectures: ``factory(resolution, channels, num_classes, **gin) -> (G, D)``.

    G maps ``(z, y)`` to images in [-1, 1]; D exposes its trunk ``features(x)`` and
    ``logits(h, y)`` so other plugins can attach heads. Referenced in gin as ``@architectures.NAME``.
    """


@hookspec
def register_losses(register: Register) -> None:
    """Register adversarial losses: ``factory(**gin) -> Loss`` with ``d_loss(real_logits,
    fake_logits)`` and ``g_loss(fake_logits)``. A loss that sets ``uses_real_logits_for_g = True``
    (relativistic losses) is called as ``g_loss(fake_logits, real_logits=...)`` instead.
    Referenced in gin as ``@losses.NAME``."""


@hookspec
def register_regularizers(register: Register) -> None:
    """Register regularizers: ``factory(**gin) -> Term`` (``setup``, ``d_term``, ``g_term``),
    each weighting its own terms. Referenced in gin as ``@regularizers.NAME``."""


@hookspec
def register_normalizers(register: Register) -> None:
    """Register normalizers: ``factory(**gin) -> Normalizer`` with ``wrap(layer)`` for weight
    normalization and ``feature_layer(channels, num_classes)`` for activation normalization.
    Referenced in gin as ``@normalizers.NAME``."""


@hookspec
def register_labelers(register: Register) -> None:
    """Register labelers: ``factory(**gin) -> Labeler``; they decide the labels real images carry
    and the prior of fake labels, may pre-train, and may add loss terms and heads on D.
    Referenced in gin as ``@labelers.NAME``."""


@hookspec
def register_metrics(register: Register) -> None:
    """Register metrics: ``factory(**gin) -> Metric``, called with an ``EvalContext`` and
    returning ``{result_name: float}``. Referenced in gin as ``@metrics.NAME``."""


@hookspec
def register_datasets(register: Register) -> None:
    """Register datasets: ``factory(split="train", resolution=None, **gin) -> ImageDataset``
    (uint8 images in memory). Referenced in gin as ``@datasets.NAME``."""


@hookspec
def register_feature_extractors(register: Register) -> None:
    """Register feature extractors for metrics: ``factory(**gin) -> FeatureExtractor``
    (``features`` and ``logits`` of uint8 images, and a ``cache_key``)."""


@hookspec
def register_executors(register: Register) -> None:
    """Register executors, which run the cells of a grid: ``factory(workers=None, **gin) ->
    Executor`` with ``run(tasks, progress=None)``; each task follows ``interfaces.Task`` (a
    picklable callable returning its status, with ``label``, ``run_dir`` and ``threads``)."""


@hookspec
def register_augmentations(register: Register) -> None:
    """Register augmentations of what D sees: ``factory(**gin) -> Augmentation`` with
    ``augment(images, generator)`` (differentiable, applied to reals and fakes in both steps).
    Selected by ``Experiment.augmentation``; referenced in gin as ``@augmentations.NAME``."""


@hookspec
def gin_search_paths() -> list[str]:
    """Directories holding the gin fragments this plugin ships, so that
    ``include 'myplugin/thing.gin'`` resolves without copying files."""
