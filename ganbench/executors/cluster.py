"""The submitit executor: every cell (one seed of one grid cell) is one submitit job.

On a SLURM cluster the cells of a study become one job array; ``cluster="local"`` runs them as
local subprocesses and ``cluster="debug"`` in this process (both for tests and debugging).
Jobs are idempotent (a finished cell is skipped, a checkpoint is resumed), so a study whose
jobs were preempted or timed out is completed by running the same ``ganbench run`` again.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from tqdm import tqdm

from ..cpus import usable_cpus
from ..storage import atomic_write_text
from .local import ExecutorResult, Progress, _run_one

CLUSTERS = ("slurm", "local", "debug")


@dataclass
class SubmititCell:
    """What a submitit job runs: one CellTask; with several tasks per job, one data-parallel
    rank each (submitit's environment becomes torchrun's, then the ranks train the cell together)."""

    task: Any

    def __call__(self) -> str:
        import submitit
        from .. import distributed
        job = submitit.JobEnvironment()
        if job.num_tasks > 1:
            # LOCAL_RANK picks the GPU (see distributed.init_from_env), so every rank keeps
            # seeing all of the node's GPUs.
            submitit.helpers.TorchDistributedEnvironment().export(set_cuda_visible_devices=False)
            distributed.init_from_env()
        return _run_one(self.task)


class SubmititExecutor:
    """Runs each cell as a submitit job: SLURM job arrays on a cluster, subprocesses for tests.

    gin: ``Benchmark.executor = 'submitit'`` (or ``ganbench run --executor submitit``) and
    ``executors.submitit.partition = 'gpu'`` etc. ``folder`` holds submitit's logs and pickles
    (default: ``<study>/submitit``; may contain ``%j``, the job id). ``cluster`` is None (auto-detect:
    SLURM when ``sbatch`` exists, else local), 'slurm', 'local' or 'debug'. ``ranks_per_cell`` > 1
    trains each cell data-parallel with that many tasks per node (set ``gpus_per_node`` to
    match). ``slurm_additional_parameters`` is a dict of extra sbatch options, e.g.
    ``{'constraint': 'a100', 'qos': 'high'}``; ``workers`` (the shared --workers option) caps
    how many cells run at once when ``slurm_array_parallelism`` is not set.
    """

    def __init__(self, workers: int | None = None, folder: str | None = None,
                 cluster: str | None = None, partition: str | None = None,
                 gpus_per_node: int | None = None, cpus_per_task: int | None = None,
                 mem_gb: float | None = None, timeout_min: int = 24 * 60,
                 slurm_array_parallelism: int | None = None,
                 slurm_additional_parameters: dict | None = None, ranks_per_cell: int = 1,
                 job_name: str = "ganbench", poll_interval_s: float = 10.0) -> None:
        if cluster is not None and cluster not in CLUSTERS:
            raise ValueError(f"executors.submitit.cluster = {cluster!r} is not one of {CLUSTERS} "
                             "(or None to auto-detect)")
        for name, value in (("timeout_min", timeout_min), ("ranks_per_cell", ranks_per_cell)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"executors.submitit.{name} must be a positive integer, got {value!r}")
        if slurm_additional_parameters is not None and not isinstance(slurm_additional_parameters, dict):
            raise ValueError("executors.submitit.slurm_additional_parameters must be a dict of sbatch "
                             f"options, e.g. {{'qos': 'high'}}, got {slurm_additional_parameters!r}")
        self.workers = slurm_array_parallelism or workers
        self.folder, self.cluster, self.partition = folder, cluster, partition
        self.gpus_per_node, self.cpus_per_task, self.mem_gb = gpus_per_node, cpus_per_task, mem_gb
        self.timeout_min, self.ranks_per_cell, self.job_name = timeout_min, ranks_per_cell, job_name
        self.slurm_additional_parameters = dict(slurm_additional_parameters or {})
        self.poll_interval_s = poll_interval_s

    def make_executor(self, default_folder: Path) -> Any:
        """The configured ``submitit.AutoExecutor`` (SLURM options apply only on SLURM)."""
        try:
            import submitit
        except ImportError:
            raise ValueError("the submitit executor needs the submitit package: "
                             "pip install 'ganbench[cluster]' (or pip install submitit)") from None
        folder = self.folder or str(default_folder)
        executor = submitit.AutoExecutor(folder=folder, cluster=self.cluster)
        params = {"name": self.job_name, "timeout_min": self.timeout_min,
                  "tasks_per_node": self.ranks_per_cell, "nodes": 1,
                  "gpus_per_node": self.gpus_per_node, "cpus_per_task": self.cpus_per_task,
                  "mem_gb": self.mem_gb, "slurm_partition": self.partition,
                  "slurm_array_parallelism": self.workers,
                  "slurm_additional_parameters": self.slurm_additional_parameters or None}
        executor.update_parameters(**{k: v for k, v in params.items() if v is not None})
        return executor

    def run(self, tasks: Sequence, progress: Progress | None = None) -> ExecutorResult:
        result = ExecutorResult()
        if not tasks:
            return result
        if self.cpus_per_task:
            for task in tasks:   # torch would otherwise use every core of the node
                task.threads = task.threads or max(1, self.cpus_per_task // self.ranks_per_cell)
        study_dir = Path(tasks[0].run_dir).resolve().parents[1]
        executor = self.make_executor(study_dir / "submitit")
        by_job: dict[int, Any] = {}
        with tqdm(total=len(tasks), desc="grid", unit="cell") as bar:
            for job in self._jobs(executor, tasks, by_job):
                task = by_job[id(job)]
                result[task.label] = status = job_status(job, task)
                bar.set_postfix_str(f"{task.label}: {status}")
                bar.update()
                if progress:
                    progress(task.label, status)
        return result

    def _jobs(self, executor: Any, tasks: Sequence, by_job: dict[int, Any]):
        """Submit the tasks and yield their jobs as they finish. SLURM caps a job array itself
        (``slurm_array_parallelism``); submitit's local backend ignores that cap, so there at
        most ``workers`` jobs are submitted at a time, the next one when one finishes."""
        cells = [SubmititCell(t) for t in tasks]
        if executor.cluster == "local":   # one machine: by default as many jobs as the pool runs
            cap = self.workers or max(1, usable_cpus() // 2)
        else:
            cap = None
        if not cap:
            jobs = executor.map_array(_call, cells)
            by_job.update({id(job): task for job, task in zip(jobs, tasks)})
            print(f"ganbench: submitted {len(jobs)} cell(s) as {executor.cluster} jobs "
                  f"(logs under {jobs[0].paths.folder})", file=sys.stderr)
            yield from _completed(jobs, executor.cluster, self.poll_interval_s)
            return
        print(f"ganbench: running {len(cells)} cell(s) as local jobs, at most {cap} at a time",
              file=sys.stderr)
        waiting, running = list(zip(cells, tasks)), []
        while waiting or running:
            while waiting and len(running) < cap:
                cell, task = waiting.pop(0)
                job = executor.submit(_call, cell)
                by_job[id(job)] = task
                running.append(job)
            finished = [job for job in running if job.done()]
            for job in finished:
                running.remove(job)
                yield job
            if not finished:
                time.sleep(self.poll_interval_s)


def _call(cell: SubmititCell) -> str:
    return cell()


def _completed(jobs: list, cluster: str, poll_interval_s: float):
    """Jobs as they finish. Debug jobs run only when their result is asked for, in order."""
    if cluster == "debug":
        return iter(jobs)
    from submitit.helpers import as_completed
    return as_completed(jobs, poll_frequency=poll_interval_s)


def job_status(job: Any, task: Any) -> str:
    """Rank 0's status of a finished job, or 'failed' when the job itself died (killed,
    timed out, out of memory) before the cell could record anything; then the reason and the
    job's log go to the cell's ``error.txt``, as for a cell that failed by itself."""
    try:
        return job.results()[0]
    except Exception as err:   # submitit raises the job's failure here
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        print(f"ganbench: cell {task.label} job {job.job_id} failed: {first} (log: {job.paths.stderr})",
              file=sys.stderr)
        text = f"submitit job {job.job_id} died: {type(err).__name__}: {err}\nlog: {job.paths.stderr}\n"
        try:
            atomic_write_text(Path(task.run_dir) / "error.txt", text)
        except OSError:
            pass
        return "failed"