"""``Experiment``: the gin root of one run, everything it needs, checked when it is built.

Components are registered names or gin references (``@kind.name``); nothing here imports torch,
so a study can be planned and validated without it.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Sequence

import gin

from ..subsets import check_subset_request


@gin.configurable
@dataclass
class Experiment:
    """Everything one run needs. Components are registered names or gin references (``@kind.name``)."""

    dataset: Any = "shapes"
    architecture: Any = "dcgan"
    loss: Any = "hinge"
    regularizers: Sequence[Any] = ()
    labeler: Any = "full"
    augmentation: Any = None          # of every image D sees (``@augmentations.NAME``); None = off
    train_images: int | float | None = None   # train on k images (int) or a fraction (float), class-stratified; None = all
    metrics: Sequence[Any] = ("fid_domain", "is_domain")
    steps: int = 1000                 # generator steps
    batch_size: int = 64
    d_steps: int = 1                  # discriminator steps per generator step
    g_lr: float = 2e-4
    d_lr: float = 2e-4
    g_betas: Sequence[float] = (0.0, 0.999)
    d_betas: Sequence[float] = (0.0, 0.999)
    ema_decay: float | None = None    # EMA of G's weights, used for evaluation; None = off
    ema_start: int = 0
    truncation: float | None = None   # truncation trick at sampling time; None = off
    eval_samples: int = 2000
    sample_sets: int = 1              # K > 1: every metric is the mean over K sample pools (+ _std, _min)
    eval_every: int | None = None     # also evaluate every N steps (curves; last good metrics)
    checkpoint_every: int = 500
    log_every: int = 100
    overfit_images: int = 256         # D is scored on this many fixed training and held-out reals at each log (0 = off)
    precision: str = "fp32"           # fp32 | bf16 | fp16 (autocast; fp16 uses a grad scaler)
    channels_last: bool = False
    compile: bool = False
    device: str = "auto"              # auto | cpu | cuda | cuda:N
    threads: int | None = None        # CPU threads for this run (None = its share of the usable CPUs, see ganbench.cpus)
    tensorboard: bool = False         # also write TensorBoard event files (needs `tensorboard`)
    deterministic: bool = False       # torch.use_deterministic_algorithms (bitwise resume on CPU)
    on_divergence: str = "stop"       # stop | restart (from the last checkpoint with new noise)
    max_restarts: int = 2

    def __post_init__(self) -> None:
        for name in ("steps", "batch_size", "d_steps", "eval_samples", "sample_sets", "checkpoint_every",
                     "log_every"):
            value = getattr(self, name)
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"Experiment.{name} must be a positive integer, got {value!r}")
        for name in ("g_lr", "d_lr"):
            if not getattr(self, name) > 0:
                raise ValueError(f"Experiment.{name} must be > 0, got {getattr(self, name)!r}")
        if self.precision not in ("fp32", "bf16", "fp16"):
            raise ValueError(f"Experiment.precision must be fp32, bf16 or fp16, got {self.precision!r}")
        if self.eval_every is not None and (not isinstance(self.eval_every, int) or self.eval_every <= 0):
            raise ValueError(f"Experiment.eval_every must be a positive integer or None, got {self.eval_every!r}")
        if self.on_divergence not in ("stop", "restart"):
            raise ValueError(f"Experiment.on_divergence must be 'stop' or 'restart', got {self.on_divergence!r}")
        if self.train_images is not None:
            check_subset_request(self.train_images)
        if isinstance(self.overfit_images, bool) or not isinstance(self.overfit_images, int) or self.overfit_images < 0:
            raise ValueError(f"Experiment.overfit_images must be an integer >= 0, got {self.overfit_images!r}")
        if self.truncation is not None and not self.truncation > 0:
            raise ValueError(f"Experiment.truncation must be > 0 or None, got {self.truncation!r}")



# Experiment fields that name components, and the kind of each (a lookup prefers that kind).
_COMPONENT_FIELDS = {"dataset": "datasets", "architecture": "architectures", "loss": "losses",
                     "regularizers": "regularizers", "labeler": "labelers", "metrics": "metrics",
                     "augmentation": "augmentations"}


def experiment_summary(exp: Experiment) -> dict[str, Any]:
    """JSON-able view of an Experiment: every component by its registered name (``"hinge"``, not
    its class ``Hinge``), built-in or third-party, whether it was given as a name, as a gin
    reference (``@losses.hinge``, scoped or not, or gin's ``ConfigurableReference``), as the raw
    factory or as an instance the factory built. Names are found by looking the value up in the
    registry, never guessed from a class name; values that are not components stay as they are
    (a callable the registry does not know is shown by its ``__name__``)."""
    lookup = _component_lookup()

    def name_of(v: Any, kind: str | None) -> Any:
        if isinstance(v, (list, tuple)):
            return [name_of(x, kind) for x in v]
        if isinstance(v, str):
            return v               # already a registered name
        name = _registered_name(v, kind, lookup)
        if name is not None:
            return name
        if callable(v):
            return getattr(v, "__name__", repr(v))
        return v
    return {f.name: name_of(getattr(exp, f.name), _COMPONENT_FIELDS.get(f.name)) for f in fields(exp)}


def _component_lookup() -> tuple[dict[int, list[Any]], dict[int, list[Any]], list[Any]]:
    """id of each registered component's gin configurable, and of its factory, -> components.

    A factory is only loaded when that is free: gin already made it configurable (which loaded
    it), it was registered as an object, or its module is imported. Nothing new is imported, so
    an unused component whose import is broken or heavy stays untouched."""
    import sys

    from ..registry import get_registry
    by_configurable: dict[int, list[Any]] = {}
    by_factory: dict[int, list[Any]] = {}
    keep: list[Any] = []       # the objects whose ids are keys stay alive while the ids are used
    for comp in get_registry().components():
        if comp.configurable is not None:
            keep.append(comp.configurable)
            by_configurable.setdefault(id(comp.configurable), []).append(comp)
        target = comp.target
        loaded = (comp.configurable is not None or callable(target)
                  or str(target).partition(":")[0] in sys.modules)
        if not loaded or comp.load_error:
            continue
        try:
            factory = comp.load()
        except Exception:
            continue
        keep.append(factory)
        by_factory.setdefault(id(factory), []).append(comp)
    return by_configurable, by_factory, keep


def _registered_name(value: Any, kind: str | None, lookup: tuple) -> str | None:
    """The registered name of the component ``value`` is, or None when it is none."""
    import inspect

    from gin.config import ConfigurableReference
    by_configurable, by_factory, _ = lookup
    if isinstance(value, ConfigurableReference):
        value = value.configurable.wrapper
    for candidate in _unwrapped(value):
        for table in (by_configurable, by_factory):     # gin's wrapper is exact per name
            comps = table.get(id(candidate))
            if comps:
                same_kind = [c for c in comps if c.kind == kind]
                return (same_kind or comps)[0].name
    if not (inspect.isclass(value) or inspect.isroutine(value)):
        comps = by_factory.get(id(type(value)))          # an instance a class factory built
        if comps:
            same_kind = [c for c in comps if c.kind == kind]
            return (same_kind or comps)[0].name
    return None


def _unwrapped(value: Any) -> list[Any]:
    """``value``, then what it wraps: ``__wrapped__`` of functools.wraps (gin's function wrapper
    and its scope wrapper), and the bases of the subclasses gin makes of configurable classes."""
    import inspect
    found: list[Any] = []
    pending = [value]
    while pending:
        obj = pending.pop(0)
        if any(obj is seen for seen in found):
            continue
        found.append(obj)
        if inspect.isfunction(obj) and "__wrapped__" in vars(obj):   # set by functools.wraps
            pending.append(vars(obj)["__wrapped__"])
        if inspect.isclass(obj) and type(obj).__module__.split(".")[0] == "gin":
            pending.extend(obj.__bases__)
    return found
