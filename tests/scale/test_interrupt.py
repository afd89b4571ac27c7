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
    from fault_helpers import fault_env
    env = fault_env("pause@2")    # cells pause at step 2: still running
    proc = subprocess.Popen(
        [sys.executable, "-m", "ganbench.cli", "run", str(HERE / "tiny.gin"), "--out", str(tmp_path),
         "--executor", "pool", "--workers", "2", "-p", "Experiment.steps = 50",
         "-p", "Experiment.regularizers = [@regularizers.fault]"],
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
    assert proc.returncode == 143     # 128 + SIGTERM, the shell's convention


def pool_workers(proc: subprocess.Popen, tmp_path: Path, count: int = 2) -> list[int]:
    """The pool's worker processes once ``count`` of them run cells (or [] after 120 s)."""
    deadline = time.time() + 120
    while time.time() < deadline:
        # the pool's workers are the children running cells (the resource tracker is the other child)
        workers = [p for p in children_of(proc.pid)
                   if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()]
        if len(workers) == count and list(tmp_path.rglob("metrics.jsonl")):
            return workers
        time.sleep(0.5)
    return []


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find worker processes")
def test_pool_workers_exit_when_the_main_process_is_killed(tmp_path):
    """kill -9 (or the OOM killer) on `ganbench run` leaves no worker behind: without a
    parent-death signal they would finish their cell, start another, then idle as orphans."""
    from fault_helpers import fault_env
    proc = subprocess.Popen(
        [sys.executable, "-m", "ganbench.cli", "run", str(HERE / "tiny.gin"), "--out", str(tmp_path),
         "--executor", "pool", "--workers", "2", "-p", "Experiment.steps = 50",
         "-p", "Experiment.regularizers = [@regularizers.fault]"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=fault_env("pause@2"))
    workers = pool_workers(proc, tmp_path)
    assert len(workers) == 2
    proc.kill()
    proc.wait(timeout=60)
    deadline = time.time() + 10
    while any(running(w) for w in workers) and time.time() < deadline:
        time.sleep(0.2)
    orphans = [w for w in workers if running(w)]
    for w in orphans:   # never leave them behind, even when the test fails
        os.kill(w, signal.SIGKILL)
    assert not orphans, "pool workers outlived the main process"


@pytest.fixture
def restore_sigterm():
    """cli.main installs its SIGTERM handler; put the test process's own back afterwards."""
    previous = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, previous)


def test_error_raised_while_unwinding_an_interrupt_still_reads_as_interrupted(monkeypatch, capsys,
                                                                               restore_sigterm):
    """Seen on a GPU machine: SIGTERM landed inside threading's lock release in
    concurrent.futures.as_completed, which then raised RuntimeError('release unlocked lock')
    while the KeyboardInterrupt unwound. The user must get exit 143 and the resume hint."""
    from ganbench import cli

    def run_that_breaks_while_interrupted(args):
        try:
            os.kill(os.getpid(), signal.SIGTERM)   # cli's SIGTERM handler raises KeyboardInterrupt
            time.sleep(5)
        except KeyboardInterrupt:
            raise RuntimeError("release unlocked lock")

    monkeypatch.setitem(cli.COMMANDS, "run", run_that_breaks_while_interrupted)
    code = cli.main(["run", "benchmarks/whatever.gin"])
    err = capsys.readouterr().err
    assert code == 143
    assert "interrupted; run the same command again to resume" in err


def test_ctrl_c_exits_130(monkeypatch, capsys, restore_sigterm):
    from ganbench import cli

    def run_interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setitem(cli.COMMANDS, "run", run_interrupted)
    assert cli.main(["run", "benchmarks/whatever.gin"]) == 130


def test_an_ordinary_internal_error_is_not_mistaken_for_an_interrupt(monkeypatch, restore_sigterm):
    from ganbench import cli

    def run_that_breaks(args):
        raise RuntimeError("a real bug")

    monkeypatch.setitem(cli.COMMANDS, "run", run_that_breaks)
    with pytest.raises(RuntimeError, match="a real bug"):
        cli.main(["run", "benchmarks/whatever.gin"])


def test_a_closed_output_pipe_ends_quietly():
    """`ganbench run --dry-run | head`: the reader leaving is not an error (no traceback)."""
    script = ("import sys\nfrom ganbench import cli\n"
              "def listing(args):\n    raise BrokenPipeError(32, 'Broken pipe')\n"
              "cli.COMMANDS['list'] = listing\nsys.exit(cli.main(['list']))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr
