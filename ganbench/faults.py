"""Fault injection for tests of crash safety and divergence handling.

``GANBENCH_FAULT="<kind>@<step>"`` makes every run hit the fault when it reaches ``step``
(kinds: ``crash`` raises an exception, ``nan`` turns the D loss into NaN, ``kill`` sends
SIGKILL to the process itself, like a preempted job). Unset in normal use; costs one dict
lookup per step.
"""
from __future__ import annotations

import os
import signal

KINDS = ("crash", "nan", "kill")


class InjectedFault(RuntimeError):
    pass


def planned() -> tuple[str, int] | None:
    spec = os.environ.get("GANBENCH_FAULT")
    if not spec:
        return None
    kind, _, step = spec.partition("@")
    if kind not in KINDS or not step.isdigit():
        raise ValueError(f"GANBENCH_FAULT={spec!r}: expected one of {', '.join(KINDS)} followed by @STEP, e.g. crash@5")
    return kind, int(step)


def maybe_inject(fault: tuple[str, int] | None, step: int) -> bool:
    """Act on the fault if this is its step; returns True when the loss should become NaN."""
    if fault is None or fault[1] != step:
        return False
    kind = fault[0]
    if kind == "crash":
        raise InjectedFault(f"injected crash at step {step} (GANBENCH_FAULT)")
    if kind == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    return kind == "nan"
