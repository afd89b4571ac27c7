"""The test-only fault-injection plugin (``fault_site/ganbench_faults.py``) for subprocesses."""
from __future__ import annotations

import os
from pathlib import Path

# A test-only plugin that injects faults (crash, NaN, kill, pause) through the public hooks.
FAULT_SITE = Path(__file__).resolve().parent / "fault_site"


def fault_env(fault: str | None = None, base: dict[str, str] | None = None) -> dict[str, str]:
    """An environment for a ganbench subprocess that loads the fault plugin, armed with ``fault``."""
    env = {k: v for k, v in (base or os.environ).items() if k != "GANBENCH_FAULT"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(FAULT_SITE), env.get("PYTHONPATH", "")) if p)
    if fault:
        env["GANBENCH_FAULT"] = fault
    return env
