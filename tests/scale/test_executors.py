"""The process pool spreads its workers over the visible GPUs (device count faked on CPU)."""
from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import pytest
import torch

from ganbench.components import resolve

sys.path.insert(0, str(Path(__file__).parent))
from fake_tasks import DeviceProbe  # noqa: E402


def run_probes(monkeypatch, tmp_path, gpu_count: int, visible: str | None, workers: int, tasks: int):
    monkeypatch.setattr(torch.cuda, "device_count", lambda: gpu_count)
    if visible is None:
        monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    else:
        monkeypatch.setenv("CUDA_VISIBLE_DEVICES", visible)
    result = resolve("executors", "pool", workers=workers).run([DeviceProbe(f"t{i}", str(tmp_path), workers) for i in range(tasks)])
    assert len(result) == tasks
    assert len(list(tmp_path.iterdir())) == workers
    devices_of_worker = defaultdict(set)
    for status in result.values():
        device, pid = status.split("@")
        devices_of_worker[pid].add(device)
    return devices_of_worker


def test_pool_workers_are_pinned_round_robin_to_visible_gpus(monkeypatch, tmp_path):
    per_worker = run_probes(monkeypatch, tmp_path, gpu_count=2, visible=None, workers=2, tasks=6)
    assert all(len(devices) == 1 for devices in per_worker.values())   # a worker never switches GPU
    assert sorted(d for devices in per_worker.values() for d in devices) == ["0", "1"]


def test_more_workers_than_gpus_share_them_evenly(monkeypatch, tmp_path):
    per_worker = run_probes(monkeypatch, tmp_path, gpu_count=2, visible=None, workers=4, tasks=4)
    assert sorted(d for devices in per_worker.values() for d in devices) == ["0", "0", "1", "1"]


def test_pool_uses_the_ids_cuda_visible_devices_names(monkeypatch, tmp_path):
    # the parent sees GPUs "3" and "5" of the machine; workers must get those ids, not 0 and 1
    per_worker = run_probes(monkeypatch, tmp_path, gpu_count=2, visible="3,5", workers=2, tasks=4)
    assert sorted(d for devices in per_worker.values() for d in devices) == ["3", "5"]


def test_pool_without_gpus_leaves_cuda_visible_devices_alone(monkeypatch, tmp_path):
    per_worker = run_probes(monkeypatch, tmp_path, gpu_count=0, visible=None, workers=2, tasks=2)
    assert {d for devices in per_worker.values() for d in devices} == {"None"}
