"""What each rank of the data-parallel test runs (launched by torchrun from test_distributed.py).

Also imported by the test itself for the single-process reference (``fixed_step`` with one rank).

    torchrun --standalone --nproc_per_node 2 tests/scale/dp_worker.py OUT_DIR
writes OUT_DIR/rank<r>.pt with, for each rank: the one-step record from identical weights on a
fixed global batch (with batch-norm sync, and again with it switched off as a control), and the
parameters after a few ``train()`` steps into OUT_DIR/run-rank<r>.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import torch

from ganbench import config, distributed
from ganbench.config import Experiment
from ganbench.run import Run, train

TINY_GIN = Path(__file__).with_name("tiny.gin")
GLOBAL_BATCH = 16
SEED = 0


def build_run() -> Run:
    config.parse([TINY_GIN], [f"Experiment.batch_size = {GLOBAL_BATCH}"])
    return Run(Experiment(), seed=SEED, cache_dir=os.environ["GANBENCH_CACHE"])


def fixed_inputs(run: Run) -> dict[str, torch.Tensor]:
    """The global batch of one D step and one G step, the same on every rank and in the reference."""
    gen = torch.Generator().manual_seed(1234)
    n, classes = GLOBAL_BATCH, run.num_classes
    inputs = {"index": torch.randint(len(run.train_index), (n,), generator=gen),
              "z_d": torch.randn(n, run.G.z_dim, generator=gen), "y_d": torch.randint(classes, (n,), generator=gen),
              "z_g": torch.randn(n, run.G.z_dim, generator=gen), "y_g": torch.randint(classes, (n,), generator=gen)}
    inputs = {k: v.to(run.device) for k, v in inputs.items()}
    inputs["index"] = run.train_index[inputs["index"]]
    return inputs


def feed(run: Run, inputs: dict[str, torch.Tensor], rank: int, world: int) -> None:
    """Make the run draw this rank's shard of the fixed batch instead of random samples."""
    shard = slice(rank * run.local_batch, (rank + 1) * run.local_batch)
    index = inputs["index"][shard]
    latents = [inputs["z_d"][shard], inputs["z_g"][shard]]
    labels = [inputs["y_d"][shard], inputs["y_g"][shard]]
    run.real_batch = lambda: (run.images[index].float().div(127.5).sub(1.0), index)
    run.latents = lambda n: latents.pop(0)
    run.labeler.sample_fake_labels = lambda n, gen: labels.pop(0)


def fixed_step(rank: int = 0, world: int = 1) -> dict[str, dict[str, torch.Tensor]]:
    """One D step then one G step on this rank's shard; returns grads, losses, weights, BN stats."""
    run = build_run()
    feed(run, fixed_inputs(run), rank, world)
    d_loss = run.d_step()
    d_grads = {n: p.grad.cpu().clone() for n, p in run.D.named_parameters() if p.grad is not None}
    g_loss = run.g_step()
    g_grads = {n: p.grad.cpu().clone() for n, p in run.G.named_parameters() if p.grad is not None}
    # each rank's loss is the mean over its shard, so their mean is the loss of the global batch
    losses = distributed.all_reduce_mean(torch.stack([d_loss, g_loss]))
    return {"d_grads": d_grads, "g_grads": g_grads, "losses": {"d": losses[0].cpu(), "g": losses[1].cpu()},
            "G": clone_state(run.G), "D": clone_state(run.D)}


def clone_state(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().cpu().clone() for k, v in module.state_dict().items()}


def fixed_step_without_bn_sync(rank: int, world: int) -> dict[str, dict[str, torch.Tensor]]:
    """The control: the same step with per-rank batch-norm statistics (what plain BN would do)."""
    import ganbench_gan.normalizers as normalizers
    synced = normalizers.distributed.all_reduce_mean
    normalizers.distributed.all_reduce_mean = lambda t: t
    try:
        return fixed_step(rank, world)
    finally:
        normalizers.distributed.all_reduce_mean = synced


def train_few_steps(out: Path, rank: int) -> dict:
    run = build_run()
    initial = clone_state(run.G)
    drawn = []
    draw = run.real_batch

    def recording_draw():
        real, index = draw()
        drawn.append(index)
        return real, index

    run.real_batch = recording_draw
    train(run, out / f"run-rank{rank}", log=lambda record: None)
    return {"G": clone_state(run.G), "D": clone_state(run.D), "G_initial": initial,
            "first_index": drawn[0].cpu(), "step": run.step}


def main(out: Path) -> None:
    torch.set_num_threads(1)
    assert distributed.init_from_env(), "expected to run under torchrun with WORLD_SIZE > 1"
    rank, world = distributed.rank(), distributed.world_size()
    record = {"world": world, "synced": fixed_step(rank, world),
              "unsynced": fixed_step_without_bn_sync(rank, world), "trained": train_few_steps(out, rank)}
    torch.save(record, out / f"rank{rank}.pt")
    distributed.barrier()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
