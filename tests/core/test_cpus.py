"""Thread defaults that never exceed the CPUs this process may use (ganbench.cpus)."""
from __future__ import annotations

import pytest

from ganbench import cpus
from ganbench.executors.local import ProcessPoolExecutor


def test_cgroup_v2_quota_is_rounded_up_to_whole_cpus(tmp_path):
    (tmp_path / "cpu.max").write_text("150000 100000\n")
    assert cpus.cgroup_cpu_quota(tmp_path) == 2
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert cpus.cgroup_cpu_quota(tmp_path) is None


def test_cgroup_v1_quota(tmp_path):
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("400000\n")
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    assert cpus.cgroup_cpu_quota(tmp_path) == 4
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("-1\n")
    assert cpus.cgroup_cpu_quota(tmp_path) is None


def test_usable_cpus_is_the_smaller_of_affinity_and_quota(monkeypatch):
    monkeypatch.setattr(cpus.os, "sched_getaffinity", lambda pid: set(range(16)))
    monkeypatch.setattr(cpus, "cgroup_cpu_quota", lambda: 3)
    assert cpus.usable_cpus() == 3
    monkeypatch.setattr(cpus, "cgroup_cpu_quota", lambda: None)
    assert cpus.usable_cpus() == 16


@pytest.mark.parametrize("usable, cells, local_ranks, expected",
                         [(16, 1, 1, 16), (16, 4, 1, 4), (16, 3, 1, 5), (16, 2, 4, 2), (2, 4, 1, 1)])
def test_threads_per_cell_shares_the_usable_cpus(monkeypatch, usable, cells, local_ranks, expected):
    monkeypatch.setattr(cpus, "usable_cpus", lambda: usable)
    monkeypatch.setenv("LOCAL_WORLD_SIZE", str(local_ranks))
    assert cpus.threads_per_cell(cells) == expected


def test_pool_workers_share_the_usable_cpus(monkeypatch):
    """The pool sizes itself on the usable CPUs, not the host's core count."""
    import ganbench.executors.local as local
    monkeypatch.setattr(local, "usable_cpus", lambda: 8)
    monkeypatch.setattr(local.os, "cpu_count", lambda: 128)
    assert ProcessPoolExecutor().workers == 4
