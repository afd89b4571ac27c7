"""Fixtures of the label-efficiency tests (helpers live in le_toys.py)."""
import pytest


@pytest.fixture
def cache_dir(tmp_path):
    """A fresh pre-training cache per test."""
    return str(tmp_path / "cache")
