"""Data-parallel training on CPU: two gloo ranks launched by torchrun vs one process.

The meaningful comparison is ONE step from identical weights on the same global batch: the 16
fixed real images, latents and labels are split 8 + 8 across the two ranks, while the
single-process reference sees all 16. With batch-norm statistics reduced across ranks and
gradients averaged, both compute the statistics, losses and gradients of the same 16 samples,
so they must agree up to float rounding. Comparing several random training steps instead would
only test that two runs with different batches are "similar", which proves nothing. As a
control, the same step with batch-norm sync switched off must disagree (otherwise the
comparison could not detect a missing sync). Then a few real ``train()`` steps check lockstep:
bitwise identical weights on both ranks although they drew different batches, and only rank 0
writes a checkpoint.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
import dp_worker  # noqa: E402

pytestmark = pytest.mark.skipif(not (torch.distributed.is_available() and torch.distributed.is_gloo_available()),
                                reason="needs torch.distributed with the gloo backend")


def torchrun(*args: str, cwd: Path | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone",
                           "--nproc_per_node", "2", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=timeout)


@pytest.fixture(scope="module")
def ranks(tmp_path_factory):
    out = tmp_path_factory.mktemp("dp")
    result = torchrun(str(HERE / "dp_worker.py"), str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    return out, [torch.load(out / f"rank{r}.pt") for r in (0, 1)]


@pytest.fixture(scope="module")
def reference():
    return dp_worker.fixed_step(rank=0, world=1)


def max_abs_diff(a: dict, b: dict) -> float:
    return max((a[k].float() - b[k].float()).abs().max().item() for k in b)


def assert_grads_close(got: dict, want: dict) -> None:
    assert set(got) == set(want)
    # Gradients that are zero in exact arithmetic (the bias of a conv followed by batch norm)
    # are pure rounding noise, so the absolute tolerance is scaled by the largest gradient.
    scale = max(g.abs().max().item() for g in want.values())
    for name in want:
        torch.testing.assert_close(got[name], want[name], rtol=1e-4, atol=1e-5 * scale, msg=name)


def test_one_step_on_split_batch_matches_one_process_on_whole_batch(ranks, reference):
    _, (rank0, rank1) = ranks
    assert rank0["world"] == 2
    for record in (rank0["synced"], rank1["synced"]):
        assert record["losses"]["d"].item() == pytest.approx(reference["losses"]["d"].item(), rel=1e-5)
        assert record["losses"]["g"].item() == pytest.approx(reference["losses"]["g"].item(), rel=1e-4, abs=1e-6)
        assert_grads_close(record["d_grads"], reference["d_grads"])
        assert_grads_close(record["g_grads"], reference["g_grads"])
        # BN running statistics were updated with the global batch's mean and unbiased variance
        for name, value in reference["G"].items():
            if ".bn.running_" in name:
                torch.testing.assert_close(record["G"][name], value, rtol=1e-5, atol=1e-6, msg=name)
        # after Adam, weights agree wherever the gradient is not rounding noise
        for net, grads in (("D", reference["d_grads"]), ("G", reference["g_grads"])):
            scale = max(g.abs().max().item() for g in grads.values())
            for name, grad in grads.items():
                if grad.abs().max() > 1e-4 * scale:
                    torch.testing.assert_close(record[net][name], reference[net][name],
                                               rtol=1e-5, atol=1e-7, msg=f"{net}.{name}")


def test_without_batch_norm_sync_the_same_comparison_fails(ranks, reference):
    """The control: per-rank BN statistics change G's gradients far beyond the tolerance above."""
    _, (rank0, _) = ranks
    scale = max(g.abs().max().item() for g in reference["g_grads"].values())
    assert max_abs_diff(rank0["synced"]["g_grads"], reference["g_grads"]) < 1e-5 * scale
    assert max_abs_diff(rank0["unsynced"]["g_grads"], reference["g_grads"]) > 1e-2 * scale


def test_ranks_stay_in_lockstep_on_different_batches_and_only_rank0_writes(ranks):
    out, (rank0, rank1) = ranks
    a, b = rank0["trained"], rank1["trained"]
    assert a["step"] == b["step"] == 4
    assert not torch.equal(a["first_index"], b["first_index"])      # each rank drew its own data
    for net in ("G", "D"):
        for name in a[net]:
            assert torch.equal(a[net][name], b[net][name]), f"{net}.{name} differs across ranks"
    assert max_abs_diff(a["G"], a["G_initial"]) > 1e-4                 # and they did train
    assert (out / "run-rank0" / "checkpoint.pt").exists()
    assert not (out / "run-rank1").exists()


@pytest.mark.slow
def test_torchrun_cli_trains_a_cell_with_two_ranks(tmp_path):
    """`torchrun --nproc_per_node 2 -m ganbench.cli run` ends with done cells written once."""
    result = torchrun("-m", "ganbench.cli", "run", str(HERE / "tiny.gin"), "--out", str(tmp_path),
                      "-p", "Benchmark.variants = {'full labels': []}")
    assert result.returncode == 0, result.stderr[-3000:]
    run_dir = tmp_path / "tiny_scale" / "full-labels" / "seed-0"
    done = json.loads((run_dir / "done").read_text())
    assert done["status"] == "done" and done["step"] == 4
    train_records = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    # logged by rank 0 only: one record per log interval, with the global batch's throughput count
    assert [r["step"] for r in train_records if r["kind"] == "train"] == [2, 4]
    assert [r["images_seen"] for r in train_records if r["kind"] == "train"] == [32, 64]
    again = torchrun("-m", "ganbench.cli", "run", str(HERE / "tiny.gin"), "--out", str(tmp_path),
                     "-p", "Benchmark.variants = {'full labels': []}")
    assert again.returncode == 0, again.stderr[-3000:]
    assert json.loads((run_dir / "done").read_text()) == done       # nothing redone
