"""Where a training step's time goes on CPU: torch.profiler's operator table plus cProfile's
split between ganbench's own Python code and torch.

    python benchmarks/speed/cpu_profile.py --threads 2 --steps 30
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import time
from pathlib import Path

import torch
from torch.profiler import ProfilerActivity, profile

from step_overhead import DEFAULT_GIN, build_run

OWN_CODE = ("/ganbench/", "/plugins/")


def train_steps(run, steps: int) -> None:
    for _ in range(steps):
        for _ in range(run.exp.d_steps):
            run.d_step()
        run.g_step()


def own_python_seconds(stats: pstats.Stats) -> tuple[float, list[tuple[float, str]]]:
    """Self time of functions defined in ganbench or its plugins. An upper bound on their Python
    overhead: tensor operators (``x * y``, ``x[i]``) are not calls to cProfile, so the compute
    they launch counts as the self time of the function that uses them."""
    rows = [(tottime, f"{Path(file).name}:{line} {name}")
            for (file, line, name), (_, _, tottime, _, _) in stats.stats.items()
            if any(part in file for part in OWN_CODE)]
    return sum(t for t, _ in rows), sorted(rows, reverse=True)[:8]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gin", type=Path, default=DEFAULT_GIN)
    parser.add_argument("--binding", "-p", action="append", default=[])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    run = build_run(args.gin, args.binding)
    train_steps(run, 5)   # warm-up
    start = time.perf_counter()
    train_steps(run, args.steps)
    seconds = time.perf_counter() - start
    print(f"{args.steps / seconds:.2f} steps/s ({run.exp.batch_size * args.steps / seconds:.0f} "
          f"real images/s), {torch.get_num_threads()} threads, batch {run.exp.batch_size}")

    profiler = cProfile.Profile()
    profiler.enable()
    train_steps(run, args.steps)
    profiler.disable()
    stats = pstats.Stats(profiler)
    own, top = own_python_seconds(stats)
    print(f"\ncProfile: {stats.total_tt:.2f} s total; self time in ganbench/plugins Python: "
          f"{own:.3f} s ({100 * own / stats.total_tt:.1f}%)")
    for seconds_, where in top:
        print(f"  {seconds_:.4f} s  {where}")

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        train_steps(run, args.steps)
    print("\ntorch.profiler, top operators by self CPU time:")
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=15))


if __name__ == "__main__":
    main()
