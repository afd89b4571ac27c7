"""End to end at toy scale: a benchmark file -> cells -> runs -> medians -> tables; resume."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ganbench import study

HERE = Path(__file__).parent


def ganbench(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "ganbench.cli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=600)


def test_tiny_study_end_to_end_and_resume(tmp_path):
    out = tmp_path / "runs"
    status = study.run_study(HERE / "tiny_study.gin", out=out)
    assert sorted(status.values()) == ["done"] * 4
    study_dir = out / "tiny"
    run_dir = study_dir / "full-labels" / "seed-0"
    for name in ("config.gin", "versions.json", "metrics.jsonl", "checkpoint.pt", "done"):
        assert (run_dir / name).exists(), name
    assert "Experiment.steps = 6" in (run_dir / "config.gin").read_text()
    done = json.loads((run_dir / "done").read_text())
    assert done["status"] == "done" and done["step"] == 6
    assert done["metrics"]["fid_domain"] > 0 and done["metrics"]["is_domain"] >= 1.0
    table = (study_dir / "tables.md").read_text()
    assert "full labels" in table and "single label" in table
    # medians in results.json are the medians of the seeds' done files
    rows = {r["variant"]: r for r in json.loads((study_dir / "results.json").read_text())}
    fids = sorted(json.loads((study_dir / "full-labels" / f"seed-{s}" / "done").read_text())["metrics"]["fid_domain"]
                  for s in (0, 1))
    assert rows["full labels"]["metrics"]["fid_domain"]["median"] == pytest.approx(sum(fids) / 2)
    # a second run redoes nothing
    mtime = (run_dir / "done").stat().st_mtime_ns
    assert study.run_study(HERE / "tiny_study.gin", out=out) == {}
    assert (run_dir / "done").stat().st_mtime_ns == mtime


def test_cli_typo_in_component_exits_nonzero_with_valid_names(tmp_path):
    bad = tmp_path / "bad.gin"
    bad.write_text((HERE / "tiny_study.gin").read_text().replace("@losses.hinge", "@losses.hingee"))
    result = ganbench("run", str(bad), "--out", str(tmp_path / "runs"))
    assert result.returncode == 2
    assert "unknown losses 'hingee'" in result.stderr and "non_saturating" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "runs").exists()   # nothing written before the config is valid


def test_cli_typo_inside_a_variant_fails_before_training(tmp_path):
    bad = tmp_path / "bad_variant.gin"
    bad.write_text((HERE / "tiny_study.gin").read_text().replace("@labelers.single", "@labelers.singel"))
    result = ganbench("run", str(bad), "--out", str(tmp_path / "runs"))
    assert result.returncode == 2
    assert "single label" in result.stderr and "Did you mean single" in result.stderr
    assert not (tmp_path / "runs").exists()
