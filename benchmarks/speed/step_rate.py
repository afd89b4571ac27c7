"""Training steps per second of a benchmark's model (one D+G step of the ganbench loop each),
for several configurations side by side in one process: what a cell's training will cost.

    python benchmarks/speed/step_rate.py benchmarks/pggan_swd.gin \
        "baseline: architectures.pggan.progressive = False" \
        "batch 16: architectures.pggan.progressive = False; Experiment.batch_size = 16"

Rates are of the first steps after --warmup from a fresh initialisation; some models run at a
different rate later in training (PGGAN's WGAN-GP step: ~10% faster after 250 steps), so use a
longer --warmup to size a long run.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from step_overhead import build_run


def steps_per_second(gin_file: Path, bindings: list[str], warmup: int, steps: int) -> float:
    run = build_run(gin_file, bindings)
    for i in range(warmup + steps):
        if i == warmup:
            start = time.perf_counter()
        for _ in range(run.exp.d_steps):
            run.d_step()
        run.g_step()
    return steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gin", type=Path, help="benchmark or model gin file")
    parser.add_argument("configs", nargs="+", help="'name: binding; binding; ...'")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for config in args.configs:
        name, _, rest = config.partition(":")
        bindings = [b.strip() for b in rest.split(";") if b.strip()]
        rate = steps_per_second(args.gin, bindings, args.warmup, args.steps)
        print(f"{name.strip()}: {rate:.2f} steps/s", flush=True)


if __name__ == "__main__":
    main()
