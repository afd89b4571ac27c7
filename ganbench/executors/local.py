"""Executors that run cells on this machine: one after another, or in worker processes."""
from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor as _Pool
from concurrent.futures import as_completed
from typing import Callable, Sequence

from tqdm import tqdm

from ..cpus import threads_per_cell, usable_cpus

Progress = Callable[[str, str], None]


class ExecutorResult(dict):
    """label -> status ('done', 'diverged', 'skipped', 'busy' or 'failed')."""

    @property
    def failed(self) -> list[str]:
        return [label for label, status in self.items() if status == "failed"]


def _run_one(task) -> str:
    """Run one task (``interfaces.Task``). A task records its own failures and returns
    'failed'; this guard only catches tasks that break that contract, so the grid goes on."""
    try:
        return task()
    except Exception as err:  # one broken cell must not stop the grid
        print(f"ganbench: cell {task.label} failed: {type(err).__name__}: {err}", file=sys.stderr)
        return "failed"


class InProcessExecutor:
    """Runs cells one after another in this process (simplest; best for one GPU or debugging)."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = 1

    def run(self, tasks: Sequence, progress: Progress | None = None) -> ExecutorResult:
        result = ExecutorResult()
        bar = tqdm(total=len(tasks), desc="grid", unit="cell", disable=not tasks)
        for task in tasks:
            bar.set_postfix_str(task.label)
            result[task.label] = status = _run_one(task)
            bar.update()
            if progress:
                progress(task.label, status)
        bar.close()
        return result


class ProcessPoolExecutor:
    """Runs cells in ``workers`` processes. On CPU each worker gets cores/workers threads, which
    beats one process with all threads for the small models of CPU studies. With GPUs, workers
    are spread round-robin over the visible devices (several small cells share one GPU).

    A GPU belongs to a worker process, not to a cell: CUDA reads CUDA_VISIBLE_DEVICES once, when
    a process first touches it, and a pool worker runs many cells, so each worker is pinned to
    its device by the pool initializer before it runs anything."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or max(1, usable_cpus() // 2)

    def run(self, tasks: Sequence, progress: Progress | None = None) -> ExecutorResult:
        result = ExecutorResult()
        if not tasks:
            return result
        threads = threads_per_cell(self.workers)
        for task in tasks:
            task.threads = task.threads or threads
        context = multiprocessing.get_context("spawn")  # no forked torch state
        devices = context.Queue()
        gpus = _visible_gpus()
        for i in range(self.workers):   # the i-th worker to start takes the i-th entry
            devices.put(gpus[i % len(gpus)] if gpus else None)
        pool = _Pool(max_workers=self.workers, mp_context=context, initializer=_pin_worker,
                     initargs=(devices, os.getpid()))
        try:
            with tqdm(total=len(tasks), desc="grid", unit="cell") as bar:
                self._collect(pool, tasks, bar, result, progress)
        except BaseException:
            # Interrupted (Ctrl-C, SIGTERM): stop the workers too, or they would run on as
            # orphans, each finishing its cell. Their cells resume from the last checkpoint.
            _terminate_workers(pool)
            raise
        pool.shutdown()
        return result

    @staticmethod
    def _collect(pool, tasks: Sequence, bar, result: ExecutorResult, progress: Progress | None) -> None:
        futures = {pool.submit(_run_one, t): t for t in tasks}
        for future in as_completed(futures):
            task = futures[future]
            try:
                status = future.result()
            except Exception:  # the worker process itself died (e.g. killed)
                status = "failed"
            result[task.label] = status
            bar.set_postfix_str(f"{task.label}: {status}")
            bar.update()
            if progress:
                progress(task.label, status)


def _terminate_workers(pool) -> None:
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=10)


def _pin_worker(devices, parent: int) -> None:
    """Pool initializer: die with the main process, and take this worker's GPU before anything
    initialises CUDA."""
    exit_with_parent(parent)
    device = devices.get()
    if device is not None:
        os.environ["CUDA_VISIBLE_DEVICES"] = device


PR_SET_PDEATHSIG = 1   # linux/prctl.h


def exit_with_parent(parent: int) -> None:
    """Make this worker exit when the process that started it dies, even by SIGKILL (then no
    handler of the parent can stop its workers, which would otherwise finish their cell, start
    another, and idle as orphans). Linux: the kernel sends SIGTERM on the parent's death; elsewhere
    a daemon thread notices that the parent changed."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl")
    except (OSError, AttributeError):
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:   # it died before the signal was armed
        os._exit(1)


def _watch_parent(parent: int, interval_s: float = 1.0) -> None:
    while os.getppid() == parent:
        time.sleep(interval_s)
    os._exit(1)


def _visible_gpus() -> list[str]:
    """The GPU ids to hand out, as CUDA_VISIBLE_DEVICES names them (or 0..N-1 when unset)."""
    try:
        import torch
        count = torch.cuda.device_count()
    except Exception:
        return []
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    ids = [d for d in visible.split(",") if d] if visible else [str(i) for i in range(count)]
    return ids[:count]
