"""Real installations of plugin distributions for the plugin tests.

Each distribution is built from its source (the example under docs/examples/, the broken fixtures
under fixtures/) with pip and installed into its own temporary directory, which is put on the
path of the process under test. ganbench finds it through the same entry-point metadata
(``*.dist-info/entry_points.txt``) as a plugin installed in a virtual environment, but the shared
virtual environment is never modified: other processes using it (other test runs, the CLI) never
see the deliberately broken plugins, and nothing needs uninstalling if a test run is killed.
Removing the directory from the path is what uninstalling does.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "docs" / "examples" / "ganbench-relativistic"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def pip_install(sources: list[Path], workdir: Path) -> Path:
    """Build and install ``sources`` (project folders) into ``workdir/site``; returns it."""
    site = workdir / "site"
    copies = []
    for source in sources:  # build from copies: building writes build/ and *.egg-info/
        copy = workdir / "src" / source.name
        shutil.copytree(source, copy, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
        copies.append(str(copy))
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
           "--no-build-isolation", "--disable-pip-version-check", "--target", str(site), *copies]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"pip could not install {sources}:\n{done.stdout}\n{done.stderr}")
    return site


@pytest.fixture(scope="session")
def relativistic_site(tmp_path_factory) -> Path:
    """The example plugin ganbench-relativistic, installed from docs/examples/."""
    return pip_install([EXAMPLE], tmp_path_factory.mktemp("relativistic"))


@pytest.fixture(scope="session")
def broken_site(tmp_path_factory) -> Path:
    """The deliberately broken distributions under fixtures/, installed."""
    return pip_install([FIXTURES / "ganbench-broken-example", FIXTURES / "ganbench-future-example"],
                       tmp_path_factory.mktemp("broken"))


@pytest.fixture
def ganbench_cli(tmp_path):
    """Run ``python -m ganbench.cli ARGS`` in a fresh interpreter with plugin sites on its path."""
    def run(args: list[str], sites: list[Path] = (), env: dict[str, str] | None = None,
            timeout: float = 120, python_flags: list[str] = ()) -> subprocess.CompletedProcess:
        full_env = {k: v for k, v in os.environ.items()
                    if k not in ("GANBENCH_STRICT", "GANBENCH_LOAD_PLUGINS", "PYTHONPATH")}
        full_env.setdefault("GANBENCH_CACHE", str(tmp_path / "cache"))
        if sites:
            full_env["PYTHONPATH"] = os.pathsep.join(str(s) for s in sites)
        full_env.update(env or {})
        return subprocess.run([sys.executable, *python_flags, "-m", "ganbench.cli", *args],
                              capture_output=True, text=True, env=full_env, cwd=tmp_path,
                              timeout=timeout)
    return run


@pytest.fixture
def clean_plugin_env(monkeypatch):
    """No plugin-selection or strict-mode variables from the calling shell."""
    monkeypatch.delenv("GANBENCH_STRICT", raising=False)
    monkeypatch.delenv("GANBENCH_LOAD_PLUGINS", raising=False)
    return monkeypatch
