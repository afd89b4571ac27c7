"""Shared test fixtures: an isolated cache per test session and helpers for inline plugins."""
from __future__ import annotations

import os

import pytest
import torch

from fault_helpers import FAULT_SITE

# Two cores: keep each test process to one intra-op thread so parallel pieces don't oversubscribe.
torch.set_num_threads(int(os.environ.get("GANBENCH_TEST_THREADS", "1")))


@pytest.fixture(autouse=True, scope="session")
def isolated_cache(tmp_path_factory):
    """Every test session gets its own cache unless GANBENCH_CACHE is already set (CI reuse)."""
    if not os.environ.get("GANBENCH_CACHE"):
        os.environ["GANBENCH_CACHE"] = str(tmp_path_factory.mktemp("ganbench-cache"))
    yield


@pytest.fixture
def fresh_plugins(monkeypatch):
    """A freshly loaded shared plugin manager, restored after the test."""
    from ganbench.registry import loader
    saved = loader._shared
    loader.reset()
    yield loader.get_plugins()
    loader._shared = saved


@pytest.fixture
def fault_plugin(monkeypatch):
    """The fault-injection plugin (tests/fault_site, armed by GANBENCH_FAULT), registered in this
    process and on sys.path, so pool workers spawned from here find it through its entry point.
    Subprocesses get it with ``fault_env()``."""
    from ganbench.registry import get_plugins
    monkeypatch.syspath_prepend(str(FAULT_SITE))
    import ganbench_faults
    ganbench_faults._fired.clear()    # "once per cell and process": a new test is a new process
    plugins = get_plugins()
    added = "faults" not in plugins.infos
    if added:
        plugins.register(ganbench_faults, "faults")
    yield ganbench_faults
    if added:
        plugins.unregister("faults")
