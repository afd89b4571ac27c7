"""Fixtures of the reliability tests; the helpers live in reliability_helpers.py."""
from __future__ import annotations

import pytest

from reliability_helpers import fingerprint, write_study


@pytest.fixture(autouse=True)
def faults_loaded(fault_plugin):
    """The toy study names the fault plugin's components (they do nothing unless armed)."""
    return fault_plugin


@pytest.fixture(scope="session")
def reference_run(tmp_path_factory) -> dict:
    """The uninterrupted toy study (in-process), computed once per session."""
    import sys

    from fault_helpers import FAULT_SITE
    from ganbench import study
    from ganbench.registry import get_plugins
    sys.path.insert(0, str(FAULT_SITE))
    import ganbench_faults
    if "faults" not in get_plugins().infos:
        get_plugins().register(ganbench_faults, "faults")
    folder = tmp_path_factory.mktemp("reference")
    status = study.run_study(write_study(folder), out=folder / "runs")
    assert sorted(status.values()) == ["done", "done"]
    return fingerprint(folder / "runs" / "tiny")
