"""The training loop: ``train`` repeats ``Run.d_step``/``Run.g_step`` from the last checkpoint to
``Experiment.steps``, logging, checkpointing and (with ``eval_every``) evaluating on the way."""
from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Callable

import torch

from .. import distributed
from . import checkpoint
from .trainer import Run


class DivergedError(Exception):
    """A loss or a weight became NaN/Inf."""


def train(run: Run, run_dir: Path, log: Callable[[dict], None],
          evaluate: Callable[[Run], dict] | None = None,
          after_resume: Callable[[Run], None] | None = None) -> None:
    """Train ``run`` from its last checkpoint (if any) to ``exp.steps``, checkpointing into
    ``run_dir``. Raises DivergedError on NaN/Inf; the last checkpoint is always finite.
    ``after_resume(run)`` runs once the checkpoint is loaded (the divergence policy re-seeds the
    noise there, see ``ganbench.run.restarts``). With ``exp.eval_every``, ``evaluate(run)`` is
    logged every that many steps (not at the end: the caller scores the final generator)."""
    exp = run.exp
    state = checkpoint.load(run_dir)
    if state is not None:
        run.load_state_dict(state, source=f"the checkpoint in {run_dir}")
    if after_resume:
        after_resume(run)
    d_sum = torch.zeros((), device=run.device)
    g_sum = torch.zeros((), device=run.device)
    window_start, window_steps = time.perf_counter(), 0
    while run.step < exp.steps:
        step_start = time.perf_counter()
        run.notify_schedules()
        for _ in range(exp.d_steps):
            d_sum += run.d_step()
            run.images_seen += exp.batch_size
        g_sum += run.g_step()
        if run.ema:
            run.ema.update(run.G, run.step)
        run.step += 1
        window_steps += 1
        run.train_seconds += time.perf_counter() - step_start
        at_end = run.step == exp.steps
        must_log = run.step % exp.log_every == 0 or at_end
        must_save = run.step % exp.checkpoint_every == 0 or at_end
        if must_log or must_save:
            # The loop's only host synchronisation: at logging and checkpoint intervals.
            d_mean, g_mean = (d_sum / window_steps).item(), (g_sum / window_steps).item()
            finite = math.isfinite(d_mean) and math.isfinite(g_mean) and weights_finite(run)
            if not distributed.all_ranks_true(finite):   # every rank stops at the same step
                raise DivergedError(f"non-finite loss or weights between steps "
                                    f"{run.step - window_steps} and {run.step}")
        if must_log:
            elapsed = time.perf_counter() - window_start
            log({"step": run.step, "images_seen": run.images_seen, "d_loss": d_mean,
                 "g_loss": g_mean, "images_per_s": window_steps * exp.batch_size * exp.d_steps / elapsed,
                 **run.log_values()})
            d_sum.zero_(), g_sum.zero_()
            window_start, window_steps = time.perf_counter(), 0
        if must_save:
            state = run.state_dict()   # on every rank: it gathers each rank's random state
            if run.rank == 0:
                checkpoint.save(run_dir, state)
        if evaluate and exp.eval_every and run.step % exp.eval_every == 0 and not at_end and run.rank == 0:
            eval_start = time.perf_counter()
            # Metrics may draw from the global RNG; training must not notice (bitwise resume).
            with torch.random.fork_rng(devices=[run.device] if run.device.type == "cuda" else []):
                metrics = evaluate(run)
            log({"kind": "eval", "step": run.step, "images_seen": run.images_seen,
                 "train_seconds": run.train_seconds, **metrics})
            window_start += time.perf_counter() - eval_start   # keep images/s about training


def weights_finite(run: Run) -> bool:
    params = list(run.G.parameters()) + list(run.D.parameters())
    return bool(torch.stack([p.detach().float().abs().sum() for p in params]).isfinite().all())
