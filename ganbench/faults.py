"""Fault injection for tests of crash safety and divergence handling.

``GANBENCH_FAULT="<kind>@<where>[:<cell>]"`` makes runs hit a fault. ``where`` is a training
step (the fault fires when a run reaches it) or a named point of a cell: ``eval`` (just before
the final evaluation) or ``done`` (just after the cell's ``done`` marker is written, i.e.
between two cells). ``cell`` limits the fault to the cells whose label (``<cell id>/seed-<n>``)
matches that glob; without it every cell is hit. Kinds:

- ``crash``: raise an exception (the cell fails, the grid goes on);
- ``nan``: turn the D loss into NaN (once per run of a cell, like a transient blow-up, so a
  restart from the last checkpoint can get past it);
- ``kill``: SIGKILL the process itself, like a preempted job;
- ``pause``: print ``ganbench-fault: paused at <where> in <cell> (pid <pid>)`` on stderr and
  sleep, so that a test can kill the process from outside at a known point.

Unset in normal use; costs one comparison per step.
"""
from __future__ import annotations

import fnmatch
import os
import signal
import sys
import time
from typing import NamedTuple

KINDS = ("crash", "nan", "kill", "pause")
POINTS = ("eval", "done")

_current_cell = ""
_fired: set[tuple[str, str, str]] = set()   # one-shot faults already hit in this run of the cell


class InjectedFault(RuntimeError):
    pass


class Fault(NamedTuple):
    kind: str
    where: str          # a step number (as text) or a named point
    cell: str           # glob over cell labels; "*" = every cell


def set_cell(label: str) -> None:
    """Called by the study before a cell runs, so that faults can target one cell."""
    global _current_cell
    _current_cell = label
    _fired.clear()


def parse(spec: str) -> Fault:
    rule, _, cell = spec.partition(":")
    kind, _, where = rule.partition("@")
    if kind not in KINDS or not (where.isdigit() or where in POINTS):
        raise ValueError(f"GANBENCH_FAULT={spec!r}: expected KIND@STEP or KIND@POINT, optionally "
                         f"followed by :CELL-GLOB, with KIND one of {', '.join(KINDS)} and POINT one "
                         f"of {', '.join(POINTS)}; e.g. crash@5, nan@3:baseline/seed-0, pause@eval")
    return Fault(kind, where, cell or "*")


def _active() -> Fault | None:
    spec = os.environ.get("GANBENCH_FAULT")
    if not spec:
        return None
    fault = parse(spec)
    return fault if fnmatch.fnmatchcase(_current_cell, fault.cell) else None


def planned() -> tuple[str, int] | None:
    """The step fault that applies to the current cell, as (kind, step), or None."""
    fault = _active()
    if fault is None or not fault.where.isdigit():
        return None
    return fault.kind, int(fault.where)


def maybe_inject(fault: tuple[str, int] | None, step: int) -> bool:
    """Act on the fault if this is its step; returns True when the loss should become NaN."""
    if fault is None or fault[1] != step:
        return False
    return _fire(fault[0], str(step))


def at_point(point: str) -> None:
    """Act on a fault planned for a named point of the current cell (see POINTS)."""
    fault = _active()
    if fault is not None and fault.where == point:
        _fire(fault.kind, point)


def _fire(kind: str, where: str) -> bool:
    if kind == "crash":
        raise InjectedFault(f"injected crash at {where} (GANBENCH_FAULT)")
    if kind == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if kind == "pause":
        print(f"ganbench-fault: paused at {where} in {_current_cell or '?'} (pid {os.getpid()})",
              file=sys.stderr, flush=True)
        time.sleep(3600)
        return False
    key = (_current_cell, kind, where)
    if key in _fired:
        return False
    _fired.add(key)
    return True
