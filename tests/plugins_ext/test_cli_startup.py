"""The command line starts without importing torch, and quickly, with a third-party plugin installed."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

PROBE = """
import sys
from ganbench import cli
try:
    code = cli.main({args!r})
except SystemExit as stop:   # --help exits through argparse
    code = stop.code
heavy = sorted(m for m in ("torch", "torchvision", "numpy", "scipy", "matplotlib") if m in sys.modules)
print("HEAVY=" + ",".join(heavy))
print("RELATIVISTIC=" + str("relativistic" in __import__("ganbench.plugins").plugins.get_plugins().infos))
"""


@pytest.mark.parametrize("args", [["--help"], ["plugins"], ["list"], ["--strict", "list", "losses"]])
def test_cli_does_not_import_torch(relativistic_site, args):
    env = {k: v for k, v in os.environ.items() if k not in ("GANBENCH_LOAD_PLUGINS", "GANBENCH_STRICT")}
    env["PYTHONPATH"] = str(relativistic_site)
    done = subprocess.run([sys.executable, "-c", PROBE.format(args=args)], capture_output=True,
                          text=True, env=env, timeout=60)
    assert "RELATIVISTIC=True" in done.stdout, done.stdout + done.stderr   # the plugin was loaded
    assert "HEAVY=\n" in done.stdout, f"{args} imported heavy modules: {done.stdout}"


@pytest.mark.parametrize("args", [["--help"], ["plugins"]])
def test_cli_starts_in_under_two_seconds(ganbench_cli, relativistic_site, args):
    # best of three, so a busy shared machine does not decide the result; typical: ~0.3 s
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        done = ganbench_cli(args, sites=[relativistic_site])
        timings.append(time.perf_counter() - started)
        assert done.returncode in (0, 1), done.stderr   # plugins: 1 only if a plugin has errors
    print(f"ganbench {' '.join(args)}: best {min(timings):.2f} s of {[round(t, 2) for t in timings]}")
    assert min(timings) < 2.0
