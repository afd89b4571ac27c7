"""Step time of a small CPU run by thread count and OpenMP wait policy, on an idle machine and
with every core but one kept busy by another process (what a shared 2-core machine looks like).

    python benchmarks/speed/threads_under_load.py [--steps 40] [--rounds 5]

Each configuration runs in a fresh interpreter (the wait policy is read when OpenMP starts);
configurations are interleaved round by round so machine drift hits them alike. Prints the median
seconds per D+G step of each, and its ratio to one thread on the same load.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time

CHILD = r"""
import json, sys, time, torch
from ganbench import config
from ganbench.config import Experiment
from ganbench.run import Run
threads, steps = int(sys.argv[1]), int(sys.argv[2])
config.parse([], ["Experiment.dataset = @datasets.shapes", "datasets.shapes.resolution = 16",
                  "datasets.shapes.num_train = 256", "datasets.shapes.num_test = 64",
                  "Experiment.architecture = @architectures.dcgan", "architectures.dcgan.base_width = 16",
                  "Experiment.batch_size = 32", f"Experiment.threads = {threads}"])
run = Run(Experiment(), seed=0, cache_dir=sys.argv[3])
for _ in range(3):
    run.d_step(); run.g_step()
start = time.perf_counter()
for _ in range(steps):
    run.d_step(); run.g_step()
print(json.dumps((time.perf_counter() - start) / steps))
"""


def hog(stop) -> None:
    while not stop.is_set():
        sum(range(10_000))


def measure(threads: int, policy: str | None, steps: int, cache: str) -> float:
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if policy:
        env["OMP_WAIT_POLICY"] = policy
    out = subprocess.run([sys.executable, "-c", CHILD, str(threads), str(steps), cache],
                         capture_output=True, text=True, env=env, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cache", default="/tmp/ganbench-threads-bench")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    configs = [(1, None), (cores, None), (cores, "PASSIVE")]
    for load in ("idle", f"{cores - 1} core(s) busy"):
        stop, hogs = multiprocessing.Event(), []
        if load != "idle":
            hogs = [multiprocessing.Process(target=hog, args=(stop,)) for _ in range(cores - 1)]
            for h in hogs:
                h.start()
            time.sleep(0.5)
        times = {c: [] for c in configs}
        try:
            for _ in range(args.rounds):
                for c in configs:
                    times[c].append(measure(*c, args.steps, args.cache))
        finally:
            stop.set()
            for h in hogs:
                h.join()
        base = statistics.median(times[(1, None)])
        print(f"{load}:")
        for (threads, policy), values in times.items():
            median = statistics.median(values)
            print(f"  threads={threads} OMP_WAIT_POLICY={policy or 'default'}: {median * 1e3:7.1f} ms/step "
                  f"(x{median / base:.2f} of 1 thread; min {min(values) * 1e3:.1f}, max {max(values) * 1e3:.1f})")


if __name__ == "__main__":
    main()
