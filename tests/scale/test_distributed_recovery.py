"""Data-parallel runs survive what one-process runs survive: a divergence restart completes on
every rank, and a run killed and resumed under torchrun equals the uninterrupted one bitwise.

Two gloo ranks on CPU (deterministic kernels, one thread each); every torchrun call is bounded
by a timeout, so a hang fails the test instead of stalling the suite. Faults come from the
test-only plugin in tests/fault_site (GANBENCH_FAULT)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from fault_helpers import fault_env
from ganbench.run.checkpoint import load

HERE = Path(__file__).parent
pytestmark = pytest.mark.skipif(not (torch.distributed.is_available() and torch.distributed.is_gloo_available()),
                                reason="needs torch.distributed with the gloo backend")
BINDINGS = ["Benchmark.variants = {'full labels': []}", "Experiment.regularizers = [@regularizers.fault]",
            "Experiment.steps = 6", "Experiment.log_every = 1", "Experiment.checkpoint_every = 2",
            "Experiment.deterministic = True", "Experiment.threads = 1"]


def torchrun_study(out: Path, fault: str | None = None, extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    args = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
            "-m", "ganbench.cli", "run", str(HERE / "tiny.gin"), "--out", str(out)]
    for binding in BINDINGS + list(extra):
        args += ["-p", binding]
    env = {**fault_env(fault), "OMP_NUM_THREADS": "1"}
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=240)


def run_dir(out: Path) -> Path:
    return out / "tiny_scale" / "full-labels" / "seed-0"


def train_losses(folder: Path) -> list[tuple[int, float, float]]:
    records = [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines()]
    return [(r["step"], r["d_loss"], r["g_loss"]) for r in records if r["kind"] == "train"]


def test_divergence_restart_completes_on_both_ranks(tmp_path):
    """Rank 0 once waited in a broadcast for a restart that rank 1 never made (a deadlock)."""
    result = torchrun_study(tmp_path, "nan@3", ("Experiment.on_divergence = 'restart'",))
    assert result.returncode == 0, result.stderr[-3000:]
    done = json.loads((run_dir(tmp_path) / "done").read_text())
    assert done["status"] == "done" and done["step"] == 6
    assert [r["from_step"] for r in done["restarts"]] == [2]


def test_killed_and_resumed_data_parallel_run_equals_the_uninterrupted_one(tmp_path):
    whole, interrupted = tmp_path / "whole", tmp_path / "interrupted"
    assert torchrun_study(whole).returncode == 0
    killed = torchrun_study(interrupted, "kill@3")
    assert killed.returncode != 0 and load(run_dir(interrupted))["step"] == 2
    resumed = torchrun_study(interrupted)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    a, b = load(run_dir(whole)), load(run_dir(interrupted))
    for net in ("G", "D"):
        for name, tensor in a[net].items():
            assert torch.equal(tensor, b[net][name]), f"{net}.{name} differs after the resume"
    # and the log holds each step once, with the uninterrupted run's losses
    assert train_losses(run_dir(interrupted)) == train_losses(run_dir(whole))
    assert [s for s, _, _ in train_losses(run_dir(whole))] == [1, 2, 3, 4, 5, 6]
