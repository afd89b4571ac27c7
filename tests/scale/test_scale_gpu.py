"""GPU paths of the scale work: the benchmark scripts run, pool workers land on real GPUs, and
two NCCL ranks match one process. Skipped, with the reason, where there is no (or one) GPU."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).parent

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")]


def script(name: str, *args: str) -> dict:
    result = subprocess.run([sys.executable, str(REPO / "benchmarks" / "speed" / name), *args],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


@pytest.mark.slow
def test_gpu_biggan_benchmark_runs_both_sides():
    result = script("gpu_biggan.py", "--steps", "2", "--rounds", "1")
    assert len(result["results"]) == 2
    assert all(r["images_per_s"] > 0 for r in result["results"].values())


@pytest.mark.slow
def test_step_overhead_runs_on_cuda():
    result = script("step_overhead.py", "--steps", "2", "--rounds", "1",
                    "-p", "datasets.shapes.num_train = 1000", "-p", "Experiment.device = 'cuda'")
    assert result["machine"]["device"].startswith("cuda")


@pytest.mark.slow
@pytest.mark.skipif(torch.cuda.device_count() < 2, reason="needs two CUDA devices (NCCL ranks)")
def test_two_nccl_ranks_match_one_process(tmp_path):
    sys.path.insert(0, str(HERE))
    import dp_worker
    result = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone",
                             "--nproc_per_node", "2", str(HERE / "dp_worker.py"), str(tmp_path)],
                            capture_output=True, text=True, timeout=600, env={**os.environ})
    assert result.returncode == 0, result.stderr[-3000:]
    rank0 = torch.load(tmp_path / "rank0.pt")
    reference = dp_worker.fixed_step()
    scale = max(g.abs().max().item() for g in reference["g_grads"].values())
    for name, grad in reference["g_grads"].items():   # cuDNN sums in other orders: looser than CPU
        torch.testing.assert_close(rank0["synced"]["g_grads"][name], grad, rtol=1e-3, atol=1e-4 * scale)
