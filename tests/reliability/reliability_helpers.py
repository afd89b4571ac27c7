"""Helpers shared by the reliability tests (a toy study, CLI runs, fingerprints)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import torch

from ganbench.run import checkpoint
from ganbench.results import read_jsonl

TINY = """
Experiment.dataset = @datasets.shapes
datasets.shapes.resolution = 16
datasets.shapes.num_train = 256
datasets.shapes.num_test = 64
Experiment.architecture = @architectures.dcgan
architectures.dcgan.base_width = 8
architectures.dcgan.z_dim = 16
Experiment.loss = @losses.hinge
Experiment.steps = {steps}
Experiment.batch_size = 8
Experiment.log_every = 1
Experiment.checkpoint_every = 2
Experiment.eval_samples = 64
Experiment.metrics = [@metrics.fault, @metrics.swd]
Experiment.regularizers = [@regularizers.fault]
Experiment.deterministic = True
Experiment.threads = 1
Benchmark.name = 'tiny'
# the fault plugin (tests/fault_site) acts only when GANBENCH_FAULT names the cell
Benchmark.variants = {{'a': ['Experiment.labeler = @labelers.full', "regularizers.fault.cell = 'a'",
                            "metrics.fault.cell = 'a'"],
                      'b': ['Experiment.labeler = @labelers.single', "regularizers.fault.cell = 'b'",
                            "metrics.fault.cell = 'b'"]}}
Benchmark.seeds = {seeds}
Benchmark.table_metrics = ['swd_avg']
{extra}
"""


def write_study(folder: Path, extra: str = "", steps: int = 6, seeds: int = 1, name: str = "tiny.gin") -> Path:
    path = Path(folder) / name
    path.write_text(TINY.format(steps=steps, seeds=seeds, extra=extra))
    return path


def cli_env(fault: str | None = None) -> dict[str, str]:
    from fault_helpers import fault_env
    return fault_env(fault)


def cli_args(gin_file: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "ganbench.cli", "run", str(gin_file), "--out", str(out), *extra]


def run_cli(gin_file: Path, out: Path, *extra: str, fault: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(cli_args(gin_file, out, *extra), capture_output=True, text=True,
                          env=cli_env(fault), timeout=300)


def kill_when_paused(gin_file: Path, out: Path, fault: str) -> str:
    """Start `ganbench run` with a ``pause@...`` fault, SIGKILL it from here once it reports that
    it reached the pause point, and return what it printed on stderr."""
    proc = subprocess.Popen(cli_args(gin_file, out), stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            text=True, env=cli_env(fault))
    seen = []
    watchdog = threading.Timer(240, proc.kill)   # never hang the test suite on a missed pause
    watchdog.start()
    try:
        for line in proc.stderr:
            seen.append(line)
            if "ganbench-fault: paused" in line:   # tqdm may precede it on the line
                os.kill(proc.pid, signal.SIGKILL)
                break
    finally:
        watchdog.cancel()
        proc.kill()
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "".join(seen)[-2000:]
    assert any("ganbench-fault: paused" in line for line in seen), "".join(seen)[-2000:]
    return "".join(seen)


def fingerprint(study_dir: Path) -> dict:
    """Everything a study computed that must not depend on interruptions: every cell's status,
    step and metrics, its per-step losses (the last record of each step, since steps after the
    last checkpoint are redone on resume), its final weights, and the tables."""
    result = {"tables": (study_dir / "tables.md").read_text(),
              "results": json.loads((study_dir / "results.json").read_text())}
    for done_file in sorted(study_dir.glob("*/seed-*/done")):
        run_dir = done_file.parent
        done = json.loads(done_file.read_text())
        losses = {r["step"]: (r["d_loss"], r["g_loss"]) for r in read_jsonl(run_dir / "metrics.jsonl")
                  if r["kind"] == "train"}
        state = checkpoint.load(run_dir)
        weights = {k: v.clone() for k, v in state["G"].items()} | {f"D.{k}": v for k, v in state["D"].items()}
        result[str(run_dir.relative_to(study_dir))] = {
            "status": done["status"], "step": done["step"], "metrics": done["metrics"],
            "losses": losses, "weights": weights}
    return result


def assert_same(actual: dict, expected: dict) -> None:
    assert actual.keys() == expected.keys()
    assert actual["tables"] == expected["tables"]
    for key in expected:
        if key in ("tables", "results"):
            continue
        got, want = actual[key], expected[key]
        for field in ("status", "step", "metrics", "losses"):
            assert got[field] == want[field], (key, field)
        assert got["weights"].keys() == want["weights"].keys()
        for name, tensor in want["weights"].items():
            assert torch.equal(got["weights"][name], tensor), (key, name)
