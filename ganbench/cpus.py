"""How many CPU threads a cell may use without oversubscribing the machine.

torch's default intra-op thread count is the number of physical cores of the whole host, even in
a container, a SLURM job or a cgroup limited to fewer CPUs, and whatever else runs beside it. A
small GAN step on an oversubscribed CPU slows down many times over (threads spin waiting for
cores), so ganbench never asks for more threads than this process may really use, divided among
the cells and data-parallel ranks that share them:

    threads per cell = max(1, usable CPUs // (cells run at once in this process x local ranks))

where usable CPUs = min(the CPUs in this process's affinity mask, the cgroup's CPU quota).
``Experiment.threads`` overrides it for one run.
"""
from __future__ import annotations

import math
import os
from pathlib import Path


def usable_cpus() -> int:
    """CPUs this process may run on: its affinity mask, capped by a cgroup CPU quota."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):   # not on Linux
        count = os.cpu_count() or 1
    quota = cgroup_cpu_quota()
    return max(1, min(count, quota) if quota else count)


def cgroup_cpu_quota(root: Path = Path("/sys/fs/cgroup")) -> int | None:
    """The CPU quota of this process's cgroup in whole CPUs (rounded up), or None if unlimited."""
    try:   # cgroup v2: "max 100000" or "<quota> <period>"
        quota, period = (root / "cpu.max").read_text().split()[:2]
        return None if quota == "max" else max(1, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        pass
    try:   # cgroup v1
        quota = int((root / "cpu" / "cpu.cfs_quota_us").read_text())
        period = int((root / "cpu" / "cpu.cfs_period_us").read_text())
        return None if quota <= 0 else max(1, math.ceil(quota / period))
    except (OSError, ValueError):
        return None


def threads_per_cell(parallel_cells: int = 1) -> int:
    """Threads for one cell when ``parallel_cells`` cells of this process (and every local rank
    of a torchrun group) share the usable CPUs."""
    local_ranks = int(os.environ.get("LOCAL_WORLD_SIZE", "1") or 1)
    return max(1, usable_cpus() // max(1, parallel_cells * local_ranks))
