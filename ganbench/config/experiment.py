"""``Experiment``: the gin root of one run, everything it needs, checked when it is built.

Components are registered names or gin references (``@kind.name``); nothing here imports torch,
so a study can be planned and validated without it.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Sequence

import gin


@gin.configurable
@dataclass
class Experiment:
    """Everything one run needs. Components are registered names or gin references (``@kind.name``)."""

    dataset: Any = "shapes"
    architecture: Any = "dcgan"
    loss: Any = "hinge"
    regularizers: Sequence[Any] = ()
    labeler: Any = "full"
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
    eval_every: int | None = None     # also evaluate every N steps (curves; last good metrics)
    checkpoint_every: int = 500
    log_every: int = 100
    precision: str = "fp32"           # fp32 | bf16 | fp16 (autocast; fp16 uses a grad scaler)
    channels_last: bool = False
    compile: bool = False
    device: str = "auto"              # auto | cpu | cuda | cuda:N
    threads: int | None = None        # CPU threads for this run (None = torch's default)
    tensorboard: bool = False         # also write TensorBoard event files (needs `tensorboard`)
    deterministic: bool = False       # torch.use_deterministic_algorithms (bitwise resume on CPU)
    on_divergence: str = "stop"       # stop | restart (from the last checkpoint with new noise)
    max_restarts: int = 2

    def __post_init__(self) -> None:
        for name in ("steps", "batch_size", "d_steps", "eval_samples", "checkpoint_every", "log_every"):
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
        if self.truncation is not None and not self.truncation > 0:
            raise ValueError(f"Experiment.truncation must be > 0 or None, got {self.truncation!r}")



def experiment_summary(exp: Experiment) -> dict[str, Any]:
    """JSON-able view of an Experiment (component factories shown by name)."""
    def name_of(v: Any) -> Any:
        if isinstance(v, (list, tuple)):
            return [name_of(x) for x in v]
        if callable(v):
            return getattr(v, "__name__", repr(v))
        return v
    return {f.name: name_of(getattr(exp, f.name)) for f in fields(exp)}
