"""One toy study for every report test, trained once per session (about 10-20 s on 2 cores)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from report_toys import COND_RUN, UNCOND_RUN

HERE = Path(__file__).parent


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: renders the HTML report in headless Chromium; "
                                       "skipped with a reason when /usr/bin/chromium is absent")


@pytest.fixture(scope="session")
def toy_study(tmp_path_factory) -> Path:
    """The trained toy study directory (three cells, one seed each, two evaluations per run).
    Tests must not modify it: copy it first (``study_copy``)."""
    from ganbench import study
    out = tmp_path_factory.mktemp("report-runs")
    status = study.run_study(HERE / "report_study.gin", out=out)
    assert sorted(status.values()) == ["done"] * 3, status
    return out / "report_toy"


@pytest.fixture
def study_copy(toy_study, tmp_path) -> Path:
    """A private copy of the toy study that a test may change."""
    return Path(shutil.copytree(toy_study, tmp_path / "report_toy"))


@pytest.fixture(scope="session")
def cond_run(toy_study) -> Path:
    return toy_study / COND_RUN


@pytest.fixture(scope="session")
def uncond_run(toy_study) -> Path:
    return toy_study / UNCOND_RUN
