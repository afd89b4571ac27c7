"""Grid throughput: the same small study run sequentially (one cell at a time, executor
'inprocess') vs packed (several cells at once, executor 'pool', which shares each GPU between
workers). Reports cells per hour of each and the ratio. Small CPU-scale cells leave a big GPU
mostly idle, which packing recovers. Runnable on CPU too (then it measures core sharing).

    python benchmarks/speed/grid_throughput.py --workers 4 --cells 8 --steps 300
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch

from ganbench import study

REPO = Path(__file__).resolve().parents[2]
STUDY = REPO / "benchmarks" / "label_efficiency.gin"


def timed_study(executor: str, workers: int, cells: int, steps: int) -> float:
    bindings = [f"Experiment.steps = {steps}", "Experiment.metrics = []",
                "Benchmark.variants = {'BigGAN (100%)': ['Experiment.labeler = @labelers.full']}",
                f"Benchmark.seeds = {cells}", "Benchmark.plots = []", "Benchmark.extra_tables = []",
                "Benchmark.table_variants = None"]
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        status = study.run_study(STUDY, out=out, bindings=bindings, executor=executor, workers=workers)
        seconds = time.perf_counter() - start
    if sorted(set(status.values())) != ["done"]:
        raise RuntimeError(f"some cells did not finish: {status}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=8, help="cells (seeds of one variant)")
    parser.add_argument("--workers", type=int, default=4, help="cells at once when packed")
    parser.add_argument("--steps", type=int, default=300, help="G steps per cell")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    sequential = timed_study("inprocess", 1, args.cells, args.steps)
    packed = timed_study("pool", args.workers, args.cells, args.steps)
    result = {"device": torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu",
              "cells": args.cells, "steps_per_cell": args.steps, "workers": args.workers,
              "sequential_cells_per_hour": 3600 * args.cells / sequential,
              "packed_cells_per_hour": 3600 * args.cells / packed, "packed_speedup": sequential / packed}
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
