"""SIGTERM on `ganbench run` with the pool executor stops its worker processes too."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).parent


def children_of(pid: int) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(proc.name))
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find worker processes")
def test_sigterm_stops_pool_workers(tmp_path):
    env = {**os.environ, "GANBENCH_FAULT": "pause@2"}    # cells pause at step 2: still running
    proc = subprocess.Popen(
        [sys.executable, "-m", "ganbench.cli", "run", str(HERE / "tiny.gin"), "--out", str(tmp_path),
         "--executor", "pool", "--workers", "2", "-p", "Experiment.steps = 50"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    deadline = time.time() + 120
    workers: list[int] = []
    while time.time() < deadline:
        # the pool's workers are the children running cells (the resource tracker is the other child)
        workers = [p for p in children_of(proc.pid)
                   if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()]
        if len(workers) == 2 and list(tmp_path.rglob("checkpoint.pt")) + list(tmp_path.rglob("metrics.jsonl")):
            break
        time.sleep(0.5)
    assert len(workers) == 2, proc.stdout.read().decode()[-2000:] if proc.poll() is not None else "no workers"
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    time.sleep(1)
    alive = [w for w in workers if Path(f"/proc/{w}").exists()
             and (Path(f"/proc/{w}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z")]
    assert alive == []
    assert proc.returncode == 130
