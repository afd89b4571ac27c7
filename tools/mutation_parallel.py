"""`tools/mutation.py --jobs N` (what `make mutation` runs): N private copies of the checkout,
each running `tools/mutation.py` on one module at a time, taken from a shared queue, and their
reports merged into build/mutation/.

Why copies and not N processes in one checkout: mutants are applied in place, and a module's
covering tests import other science modules, so two mutants live in one tree at once would
change each other's outcomes. Each copy is a `git clone --shared` of HEAD plus the checkout's
uncommitted and untracked files (new tests must count before they are committed), and each
process runs with `PYTHONPATH=<copy>:<copy>/plugins` so that its imports, and the coverage
check that the mutated file is the one executed, go to the copy and not to the editable
install. The user's checkout is never edited in this mode.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from mutation_report import ModuleResult, from_json


def longest_first(costs: dict[str, int]) -> list[str]:
    """The order workers take modules in: the most mutants first, so that the last module to
    start is a short one and the workers finish close together."""
    return sorted(costs, key=lambda n: (-costs[n], n))


def uncommitted_files(root: Path) -> list[str]:
    """Modified and untracked (not ignored) files, relative to root; deleted ones are left out."""
    out = subprocess.run(["git", "ls-files", "-z", "--modified", "--others", "--exclude-standard"],
                         cwd=root, capture_output=True, text=True, check=True).stdout
    return sorted({p for p in out.split("\0") if p and (root / p).is_file()})


def make_copy(root: Path, dest: Path) -> Path:
    """A clone of root's HEAD at dest with root's uncommitted and untracked files copied over."""
    subprocess.run(["git", "clone", "-q", "--shared", str(root), str(dest)], check=True)
    for rel in uncommitted_files(root):
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / rel, dest / rel)
    return dest


def worker_env(copy: Path, jobs: int) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(copy), str(copy / "plugins")]))
    # N workers each using every core's worth of torch threads would oversubscribe the machine.
    threads = str(max(1, (os.cpu_count() or 1) // jobs))
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, threads)
    return env


def run_parallel(root: Path, order: list[str], jobs: int, extra_args: list[str]) -> list[ModuleResult]:
    """Run every module of `order` in one of `jobs` copies, each copy taking the next module as
    soon as its previous one is done; return the results. Exits with a message naming the
    modules whose run failed for a reason other than a low score."""
    base = Path(tempfile.mkdtemp(prefix="ganbench-mutation-"))
    pending: queue.Queue[str] = queue.Queue()
    for name in order:
        pending.put(name)
    running: dict[int, subprocess.Popen] = {}
    failed: list[str] = []

    def work(k: int, copy: Path) -> None:
        env = worker_env(copy, jobs)
        while True:
            try:
                name = pending.get_nowait()
            except queue.Empty:
                return
            cmd = [sys.executable, str(copy / "tools" / "mutation.py"), "--jobs", "1", "--module", name, *extra_args]
            print(f"[worker {k}] {name}", flush=True)
            running[k] = subprocess.Popen(cmd, cwd=copy, env=env)
            if running[k].wait() not in (0, 1):       # 1 = ran in full, scored below the bar
                failed.append(name)

    try:
        copies = [make_copy(root, base / f"worker-{k}") for k in range(min(jobs, len(order)))]
        threads = [threading.Thread(target=work, args=(k, c), daemon=True) for k, c in enumerate(copies)]
        for t in threads:
            t.start()
        for t in threads:
            while t.is_alive():
                t.join(0.5)      # a timed join keeps Ctrl-C deliverable to this thread
        if failed:
            sys.exit(f"mutation runs failed (their output is above): {', '.join(failed)}")
        results = []
        for copy in copies:
            report = copy / "build" / "mutation" / "report.json"
            if report.exists():
                results += [from_json(d) for d in json.loads(report.read_text())]
        return results
    finally:
        for proc in running.values():
            if proc.poll() is None:
                proc.terminate()      # the worker restores its copy's module on SIGTERM
                proc.wait()
        shutil.rmtree(base, ignore_errors=True)
