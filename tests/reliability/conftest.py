"""Fixtures of the reliability tests; the helpers live in reliability_helpers.py."""
from __future__ import annotations

import pytest

from reliability_helpers import fingerprint, write_study


@pytest.fixture(scope="session")
def reference_run(tmp_path_factory) -> dict:
    """The uninterrupted toy study (in-process), computed once per session."""
    from ganbench import study
    folder = tmp_path_factory.mktemp("reference")
    status = study.run_study(write_study(folder), out=folder / "runs")
    assert sorted(status.values()) == ["done", "done"]
    return fingerprint(folder / "runs" / "tiny")
