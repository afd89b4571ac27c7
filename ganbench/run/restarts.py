"""What a run does when it diverges: ``Experiment.on_divergence`` ('stop' or 'restart'), in one
place for every process of a run.

A restart continues from the last (finite) checkpoint with fresh noise, so the run takes a new
trajectory past the blow-up; after ``max_restarts`` it stops as diverged. Restarts are recorded in
``restarts.json`` as they happen, so a run killed after a restart still reports it, and resumes on
the restarted trajectory. Under torchrun every rank follows the same policy (the ranks agree on a
divergence, see ``loop.train``); only rank 0 writes files.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import torch

from ..storage import atomic_write_json
from . import checkpoint
from .log import RunLog
from .loop import DivergedError, train
from .trainer import Run

RESTARTS = "restarts.json"
RESEED_STRIDE = 7919   # a prime: restart k draws noise seeded by seed + 1 + 7919 k


def reseed(run: Run, restart: int) -> None:
    """New noise for the ``restart``-th restart, different on every rank (each draws its own
    batches), and the same on a resume from the checkpoint that restart started from."""
    run.noise.manual_seed(run.seed + 1 + RESEED_STRIDE * restart + 100_003 * run.rank)
    torch.manual_seed(run.seed + RESEED_STRIDE * restart)


def train_with_policy(run: Run, run_dir: Path, log: RunLog,
                      evaluate: Callable[[Run], dict] | None = None
                      ) -> tuple[Run, list[dict[str, Any]], Exception | None]:
    """Train to the end, applying ``on_divergence``. Returns (the run, its restarts, the
    divergence that stopped it or None)."""
    exp = run.exp
    restarts = read_restarts(run_dir)
    start = checkpoint_step(run_dir)
    log.drop_after(start)   # the steps after the checkpoint are trained (and logged) again
    # Re-seed the noise only when resuming from the very checkpoint a restart started from;
    # a later checkpoint already holds the restarted trajectory's noise state.
    resumed_at_restart = restarts and start <= restarts[-1]["from_step"]
    restart = len(restarts) if resumed_at_restart else 0
    while True:
        try:
            new_noise = (lambda r, k=restart: reseed(r, k)) if restart else None
            train(run, run_dir, log=log, evaluate=evaluate, after_resume=new_noise)
            return run, restarts, None
        except DivergedError as err:
            log({"kind": "diverged", "step": run.step, "reason": str(err)})
            if exp.on_divergence != "restart" or len(restarts) >= exp.max_restarts:
                return run, restarts, err
            restarts.append({"step": run.step, "from_step": checkpoint_step(run_dir), "reason": str(err)})
            if run.rank == 0:
                atomic_write_json(run_dir / RESTARTS, restarts)
            restart = len(restarts)
            run = Run(exp, seed=run.seed, cache_dir=run.cache_dir)   # fresh, then resume


def read_restarts(run_dir: Path) -> list[dict[str, Any]]:
    path = run_dir / RESTARTS
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


def checkpoint_step(run_dir: Path) -> int:
    """The step of the checkpoint a resume would start from (0 when there is none)."""
    state = checkpoint.load(run_dir)
    return int(state["step"]) if state else 0
