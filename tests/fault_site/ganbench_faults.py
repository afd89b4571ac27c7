"""A test-only ganbench plugin that injects faults through the public hooks, so the production
code carries no test paths. It is found like any plugin, through its entry point: tests put this
folder on ``PYTHONPATH`` (subprocesses) or register the module in-process.

``GANBENCH_FAULT="<kind>@<where>[:<cell-glob>]"`` arms it. ``where`` is a training step (the
``fault`` regularizer acts in ``on_train_step`` before that step's update) or ``eval`` (the
``fault`` metric acts when an evaluation reaches it). ``cell-glob`` matches ``<cell>/seed-<n>``,
where ``<cell>`` is what the study binds to ``regularizers.fault.cell`` / ``metrics.fault.cell``.
Kinds: ``crash`` raises, ``nan`` poisons a weight of D (once per cell and process, like a
transient blow-up that a restart can get past), ``kill`` SIGKILLs the process, ``pause`` prints
``ganbench-fault: paused at <where> in <label> (pid <pid>)`` and sleeps (to be killed from outside).
Unset, both components do nothing, so a study can keep them in its configuration.
"""
from __future__ import annotations

import fnmatch
import os
import signal
import sys
import time

import torch

from ganbench.hookspecs import hookimpl

KINDS = ("crash", "nan", "kill", "pause")
_fired: set[tuple[str, str]] = set()


class InjectedFault(RuntimeError):
    pass


def planned(label: str) -> tuple[str, str] | None:
    """(kind, where) of the fault armed for ``label``, or None."""
    spec = os.environ.get("GANBENCH_FAULT")
    if not spec:
        return None
    rule, _, cell = spec.partition(":")
    kind, _, where = rule.partition("@")
    if kind not in KINDS or not (where.isdigit() or where == "eval"):
        raise ValueError(f"GANBENCH_FAULT={spec!r}: expected KIND@STEP or KIND@eval[:CELL-GLOB]")
    return (kind, where) if fnmatch.fnmatchcase(label, cell or "*") else None


def fire(kind: str, where: str, label: str, D: torch.nn.Module | None = None) -> None:
    if kind == "crash":
        raise InjectedFault(f"injected crash at {where} (GANBENCH_FAULT)")
    if kind == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if kind == "pause":
        print(f"ganbench-fault: paused at {where} in {label} (pid {os.getpid()})", file=sys.stderr, flush=True)
        time.sleep(3600)
    if kind == "nan" and (label, where) not in _fired and D is not None:
        _fired.add((label, where))
        with torch.no_grad():
            next(D.parameters()).fill_(float("nan"))


class FaultTerm:
    """A regularizer that adds nothing and acts on a schedule (``on_train_step``)."""

    def __init__(self, cell: str = "") -> None:
        # The run seeds torch with its own seed just before it builds its components.
        self.label = f"{cell}/seed-{torch.initial_seed()}"
        self.D = None

    def setup(self, G, D, num_classes):
        self.D = D

    def on_train_step(self, step: int, images_seen: int) -> None:
        fault = planned(self.label)
        if fault and fault[1] == str(step):
            fire(fault[0], fault[1], self.label, self.D)

    def d_term(self, batch):
        return None

    def g_term(self, batch):
        return None


class FaultMetric:
    """A metric that scores nothing and acts when an evaluation reaches it."""

    def __init__(self, cell: str = "") -> None:
        self.cell = cell

    def __call__(self, ctx) -> dict[str, float]:
        label = f"{self.cell}/seed-{ctx.seed}"
        fault = planned(label)
        if fault and fault[1] == "eval":
            fire(fault[0], "eval", label)
        return {}


@hookimpl
def register_regularizers(register):
    register("fault", FaultTerm, summary="test-only: injects GANBENCH_FAULT at a training step")


@hookimpl
def register_metrics(register):
    register("fault", FaultMetric, summary="test-only: injects GANBENCH_FAULT at evaluation")
