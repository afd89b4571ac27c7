"""Shared test fixtures: an isolated cache per test session and helpers for inline plugins."""
from __future__ import annotations

import os

import pytest
import torch

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
    from ganbench import plugins
    saved = plugins._shared
    plugins.reset()
    yield plugins.get_plugins()
    plugins._shared = saved
