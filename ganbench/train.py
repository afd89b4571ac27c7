"""One run: build the components an ``Experiment`` names, train, checkpoint, evaluate.

Read it top to bottom: ``Experiment`` is the gin root of a run; ``Run`` builds everything once;
``Run.d_step`` and ``Run.g_step`` are one discriminator and one generator update; ``train``
is the loop. Schedules (progressive growing, warm-ups) reach the loop only through
``on_train_step(step, images_seen)`` on any module or component.
"""
from __future__ import annotations

import contextlib
import math
import random
import time
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Callable, Sequence

import gin
import numpy as np
import torch

from . import checkpoint, distributed, faults
from .components import resolve
from .ema import EMA
from .interfaces import Batch


class DivergedError(Exception):
    """A loss or a weight became NaN/Inf."""


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


def pick_device(spec: str) -> torch.device:
    if spec == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(spec)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"Experiment.device = {spec!r} but no CUDA device is available")
    return device


def seed_everything(seed: int) -> torch.Generator:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


@dataclass
class Run:
    """The built components of one run, plus its optimizers and counters."""

    exp: Experiment
    seed: int
    cache_dir: str
    device: torch.device = field(init=False)
    step: int = 0
    images_seen: int = 0
    train_seconds: float = 0.0        # wall-clock spent training (checkpointed; excludes evaluation)

    def __post_init__(self) -> None:
        exp = self.exp
        if exp.threads:
            torch.set_num_threads(exp.threads)
        if exp.deterministic:
            torch.use_deterministic_algorithms(True, warn_only=True)
        self.device = pick_device(exp.device)
        if self.device.type == "cuda":
            torch.backends.cudnn.benchmark = True   # fixed shapes: let cuDNN pick the fastest kernels
        self.rank, self.world = distributed.rank(), distributed.world_size()
        if exp.batch_size % self.world:
            raise ValueError(f"Experiment.batch_size = {exp.batch_size} is not divisible by the "
                             f"{self.world} data-parallel processes")
        self.local_batch = exp.batch_size // self.world
        self.generator = seed_everything(self.seed)
        # Ranks share the seed of the weights (broadcast anyway) but draw different batches.
        self.noise = torch.Generator(self.device).manual_seed(self.seed + 1 + 100_003 * self.rank)
        self.train_set = resolve("datasets", exp.dataset, split="train")
        self.test_set = resolve("datasets", exp.dataset, split="test")
        self.labeler = resolve("labelers", exp.labeler)
        self.labeler.prepare(self.train_set, seed=self.seed, cache_dir=self.cache_dir, device=self.device)
        self.num_classes = int(self.labeler.num_classes)
        _, channels, height, width = self.train_set.images.shape
        self.G, self.D = resolve("architectures", exp.architecture, resolution=height,
                                 channels=channels, num_classes=self.num_classes)
        self.loss = resolve("losses", exp.loss)
        self.terms = [resolve("regularizers", r) for r in exp.regularizers] + [self.labeler]
        for term in self.terms:
            term.setup(self.G, self.D, self.num_classes)
        self._to_device()
        distributed.broadcast_modules(self.G, self.D, *[t for t in self.terms if isinstance(t, torch.nn.Module)])
        self._make_optimizers()
        self.ema = EMA(self.G, exp.ema_decay, exp.ema_start) if exp.ema_decay else None
        if exp.compile:
            self._compile()
        modules = [self.G, self.D, self.loss, *self.terms] + ([self.ema.shadow] if self.ema else [])
        self.scheduled = [m for m in modules if hasattr(m, "on_train_step")]

    def _to_device(self) -> None:
        memory_format = torch.channels_last if self.exp.channels_last else torch.preserve_format
        for module in [self.G, self.D, *self.terms]:
            if isinstance(module, torch.nn.Module):
                module.to(self.device, memory_format=memory_format)
        self.images = self.train_set.images.to(self.device, non_blocking=True)
        self.train_index = self.labeler.train_index().to(self.device)
        if len(self.train_index) == 0:
            raise ValueError("the labeler selected no training images")

    def _make_optimizers(self) -> None:
        exp = self.exp
        g_params = list(self.G.parameters())
        d_params = list(self.D.parameters())
        for term in self.terms:
            extra_g = set(map(id, term.g_parameters())) if hasattr(term, "g_parameters") else set()
            params = list(term.parameters()) if hasattr(term, "parameters") else []
            g_params += [p for p in params if id(p) in extra_g]
            d_params += [p for p in params if id(p) not in extra_g]
        self.g_opt = torch.optim.Adam(g_params, lr=exp.g_lr, betas=tuple(exp.g_betas))
        self.d_opt = torch.optim.Adam(d_params, lr=exp.d_lr, betas=tuple(exp.d_betas))
        use_fp16 = exp.precision == "fp16" and self.device.type == "cuda"
        self.scaler = torch.amp.GradScaler(self.device.type, enabled=use_fp16)

    def _compile(self) -> None:
        """Compile the hot methods in place. The modules stay the same objects, so state dicts,
        the EMA copy (made before) and heads that other plugins attached keep working."""
        self.G.forward = torch.compile(self.G.forward)
        self.D.features = torch.compile(self.D.features)
        self.D.logits = torch.compile(self.D.logits)

    def autocast(self) -> contextlib.AbstractContextManager:
        if self.exp.precision == "fp32":
            return contextlib.nullcontext()
        dtype = torch.bfloat16 if self.exp.precision == "bf16" else torch.float16
        return torch.autocast(self.device.type, dtype=dtype)

    # -- one update each
    def latents(self, n: int) -> torch.Tensor:
        return torch.randn(n, self.G.z_dim, device=self.device, generator=self.noise)

    def real_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        pick = torch.randint(len(self.train_index), (self.local_batch,), device=self.device,
                             generator=self.noise)
        index = self.train_index[pick]
        real = self.images[index].float().div_(127.5).sub_(1.0)
        if self.exp.channels_last:
            real = real.contiguous(memory_format=torch.channels_last)
        return real, index

    def d_step(self) -> torch.Tensor:
        real, index = self.real_batch()
        with self.autocast():
            h = self.D.features(real)
            real_labels = self.labeler.real_labels(index, h)
            real_logits = self.D.logits(h, real_labels)
            with torch.no_grad():
                fake_labels = self.labeler.sample_fake_labels(len(real), self.noise)
                fake = self.G(self.latents(len(real)), fake_labels)
            fake_h = self.D.features(fake)
            fake_logits = self.D.logits(fake_h, fake_labels)
            batch = Batch(self.G, self.D, real, real_labels, index, fake, fake_labels,
                          h, real_logits, fake_h, fake_logits, self.step)
            loss = self.loss.d_loss(real_logits.float(), fake_logits.float())
            loss = loss + sum_terms(t.d_term(batch) for t in self.terms)
        self._update(self.d_opt, loss)
        self._last_real = (real, real_labels, index)
        return loss.detach()

    def g_step(self) -> torch.Tensor:
        real, real_labels, index = self._last_real
        with self.autocast():
            fake_labels = self.labeler.sample_fake_labels(len(real), self.noise)
            fake = self.G(self.latents(len(real)), fake_labels)
            fake_h = self.D.features(fake)
            fake_logits = self.D.logits(fake_h, fake_labels)
            batch = Batch(self.G, self.D, real, real_labels, index, fake, fake_labels,
                          None, None, fake_h, fake_logits, self.step)
            if getattr(self.loss, "uses_real_logits_for_g", False):
                batch.real_logits = self.D(real, real_labels).float()
                loss = self.loss.g_loss(fake_logits.float(), real_logits=batch.real_logits)
            else:
                loss = self.loss.g_loss(fake_logits.float())
            loss = loss + sum_terms(t.g_term(batch) for t in self.terms)
        self._update(self.g_opt, loss)
        return loss.detach()

    def _update(self, opt: torch.optim.Optimizer, loss: torch.Tensor) -> None:
        opt.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        distributed.average_gradients([p for group in opt.param_groups for p in group["params"]])
        self.scaler.step(opt)
        self.scaler.update()

    # -- state
    def state_dict(self) -> dict[str, Any]:
        return {
            "step": self.step, "images_seen": self.images_seen, "seed": self.seed,
            "train_seconds": self.train_seconds,
            "G": self.G.state_dict(), "D": self.D.state_dict(),
            "G_ema": self.ema.state_dict() if self.ema else None,
            "g_opt": self.g_opt.state_dict(), "d_opt": self.d_opt.state_dict(),
            "terms": [t.state_dict() if hasattr(t, "state_dict") else {} for t in self.terms],
            "rng": checkpoint.rng_state(self.generator), "noise": self.noise.get_state(),
        }

    def load_state_dict(self, state: dict[str, Any], source: str = "checkpoint") -> None:
        try:
            self.G.load_state_dict(state["G"])
            self.D.load_state_dict(state["D"])
            if self.ema and state["G_ema"] is not None:
                self.ema.load_state_dict(state["G_ema"])
            self.g_opt.load_state_dict(state["g_opt"])
            self.d_opt.load_state_dict(state["d_opt"])
            if len(state["terms"]) != len(self.terms):
                raise ValueError(f"{len(state['terms'])} loss terms saved, {len(self.terms)} configured")
            for term, term_state in zip(self.terms, state["terms"]):
                if hasattr(term, "load_state_dict") and term_state:
                    term.load_state_dict(term_state)
        except (RuntimeError, ValueError, KeyError) as err:
            first = str(err).strip().splitlines()[0][:300]
            raise ValueError(f"{source} was written by a different configuration ({first}). "
                             "Delete that run directory or write to another --out to start afresh.") from None
        self.step, self.images_seen = int(state["step"]), int(state["images_seen"])
        self.train_seconds = float(state.get("train_seconds", 0.0))
        checkpoint.set_rng_state(state["rng"], self.generator)
        self.noise.set_state(state["noise"])
        self.notify_schedules()

    def notify_schedules(self) -> None:
        for module in self.scheduled:
            module.on_train_step(self.step, self.images_seen)

    @property
    def sampler(self) -> torch.nn.Module:
        """The generator used for evaluation and samples: the EMA copy when enabled."""
        return self.ema.shadow if self.ema else self.G


def sum_terms(values) -> torch.Tensor | float:
    return sum((v for v in values if v is not None), 0.0)


def train(run: Run, run_dir: Path, log: Callable[[dict], None],
          progress: Callable[[int, int], None] | None = None, restart: int = 0,
          evaluate: Callable[[Run], dict] | None = None) -> None:
    """Train ``run`` from its last checkpoint (if any) to ``exp.steps``, checkpointing into
    ``run_dir``. Raises DivergedError on NaN/Inf; the last checkpoint is always finite.
    ``restart > 0`` continues after a divergence with fresh noise (a new trajectory).
    With ``exp.eval_every``, ``evaluate(run)`` is logged every that many steps (not at the end:
    the caller scores the final generator)."""
    exp = run.exp
    state = checkpoint.load(run_dir)
    if state is not None:
        run.load_state_dict(state, source=f"the checkpoint in {run_dir}")
    if restart:
        run.noise.manual_seed(run.seed + 1 + 7919 * restart)
        torch.manual_seed(run.seed + 7919 * restart)
    fault = faults.planned()
    d_sum = torch.zeros((), device=run.device)
    g_sum = torch.zeros((), device=run.device)
    window_start, window_steps = time.perf_counter(), 0
    while run.step < exp.steps:
        step_start = time.perf_counter()
        run.notify_schedules()
        poison = faults.maybe_inject(fault, run.step)
        for _ in range(exp.d_steps):
            d_sum += run.d_step() * (math.nan if poison else 1.0)
            run.images_seen += exp.batch_size
        g_sum += run.g_step()
        if run.ema:
            run.ema.update(run.G, run.step)
        run.step += 1
        window_steps += 1
        now = time.perf_counter()
        run.train_seconds += now - step_start
        at_end = run.step == exp.steps
        must_log = run.step % exp.log_every == 0 or at_end
        must_save = run.step % exp.checkpoint_every == 0 or at_end
        if must_log or must_save:
            # The loop's only host synchronisation: at logging and checkpoint intervals.
            d_mean, g_mean = (d_sum / window_steps).item(), (g_sum / window_steps).item()
            if not (math.isfinite(d_mean) and math.isfinite(g_mean)) or not weights_finite(run):
                raise DivergedError(f"non-finite loss or weights between steps "
                                    f"{run.step - window_steps} and {run.step}")
        if must_log:
            elapsed = time.perf_counter() - window_start
            log({"step": run.step, "images_seen": run.images_seen, "d_loss": d_mean,
                 "g_loss": g_mean, "images_per_s": window_steps * exp.batch_size * exp.d_steps / elapsed,
                 **phase_info(run)})
            d_sum.zero_(), g_sum.zero_()
            window_start, window_steps = time.perf_counter(), 0
        if must_save and run.rank == 0:
            checkpoint.save(run_dir, run.state_dict())
        if evaluate and exp.eval_every and run.step % exp.eval_every == 0 and not at_end and run.rank == 0:
            eval_start = time.perf_counter()
            # Metrics may draw from the global RNG; training must not notice (bitwise resume).
            with torch.random.fork_rng(devices=[run.device] if run.device.type == "cuda" else []):
                metrics = evaluate(run)
            log({"kind": "eval", "step": run.step, "images_seen": run.images_seen,
                 "train_seconds": run.train_seconds, **metrics})
            window_start += time.perf_counter() - eval_start   # keep images/s about training
        if progress:
            progress(run.step, exp.steps)


def weights_finite(run: Run) -> bool:
    params = list(run.G.parameters()) + list(run.D.parameters())
    return bool(torch.stack([p.detach().float().abs().sum() for p in params]).isfinite().all())


def phase_info(run: Run) -> dict[str, float]:
    """Schedule state worth logging (e.g. progressive growing's resolution and alpha)."""
    info = {}
    for name in ("current_resolution", "alpha"):
        value = getattr(run.G, name, None)
        if isinstance(value, (int, float)):
            info[name] = value
    return info


def experiment_summary(exp: Experiment) -> dict[str, Any]:
    """JSON-able view of an Experiment (component factories shown by name)."""
    def name_of(v: Any) -> Any:
        if isinstance(v, (list, tuple)):
            return [name_of(x) for x in v]
        if callable(v):
            return getattr(v, "__name__", repr(v))
        return v
    return {f.name: name_of(getattr(exp, f.name)) for f in fields(exp)}


__all__ = ["Experiment", "Run", "train", "DivergedError", "experiment_summary"]

