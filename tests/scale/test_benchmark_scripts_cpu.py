"""The speed scripts run on CPU and report every side (their numbers are recorded in
docs/performance.md; here only that they still run and measure what they claim)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SPEED = REPO / "benchmarks" / "speed"


def test_step_overhead_reports_every_side_on_cpu(tmp_path):
    out = tmp_path / "overhead.json"
    result = subprocess.run(
        [sys.executable, str(SPEED / "step_overhead.py"), "--steps", "2", "--rounds", "2", "--threads", "1",
         "-p", "datasets.shapes.num_train = 300", "-p", "datasets.shapes.num_test = 100",
         "--json", str(out)], capture_output=True, text=True, timeout=300, cwd=SPEED)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = json.loads(out.read_text())["results"]
    assert set(rows) == {"hand loop", "Run.d_step/g_step", "train()", "checkpoint save (once per train() call)",
                         "train() without the per-round checkpoint save"}
    for name in ["hand loop", "Run.d_step/g_step", "train()"]:
        assert len(rows[name]["all_s_per_step"]) == 2 and all(t > 0 for t in rows[name]["all_s_per_step"])
    loop = rows["train() without the per-round checkpoint save"]["median_s_per_step"]
    assert 0 < loop < rows["train()"]["median_s_per_step"]


def test_swd_eval_compares_both_ways_and_finds_the_same_values():
    result = subprocess.run(
        [sys.executable, str(SPEED / "swd_eval.py"), "--num-images", "20", "--evals", "2"],
        capture_output=True, text=True, timeout=300, cwd=SPEED)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "fresh each time" in result.stdout and "kept reference" in result.stdout
    assert "same values: True" in result.stdout
