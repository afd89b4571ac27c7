"""SWD evaluation cost within a run: a fresh computation per evaluation vs the kept real side.

A run is evaluated several times against the same real images with the same seed; the metric
plugin keeps the real side (``SWDReference``) between evaluations. This times ``--evals``
evaluations of different generated sets both ways in one process and reports the ratio
(> 1: keeping the reference is faster), and checks that both give the same numbers.

    python benchmarks/speed/swd_eval.py --num-images 1000 --resolution 32 --evals 4 --threads 1
"""
from __future__ import annotations

import argparse
import platform
import time

import torch

from ganbench_metrics.swd import SWDReference, sliced_wasserstein_distance


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-images", type=int, default=1000)
    parser.add_argument("--resolution", type=int, default=32)
    parser.add_argument("--evals", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    shape = (args.num_images, 3, args.resolution, args.resolution)
    gen = torch.Generator().manual_seed(0)
    real = torch.randint(0, 256, shape, generator=gen, dtype=torch.uint8)
    fakes = [torch.randint(0, 256, shape, generator=gen, dtype=torch.uint8) // (i + 1)
             for i in range(args.evals)]

    start = time.perf_counter()
    fresh = [sliced_wasserstein_distance(real, fake, seed=0) for fake in fakes]
    fresh_s = time.perf_counter() - start
    start = time.perf_counter()
    reference = SWDReference(real, seed=0)
    kept = [reference.distance(fake) for fake in fakes]
    kept_s = time.perf_counter() - start

    print(f"{platform.processor() or platform.machine()}, torch {torch.__version__}, "
          f"{args.threads} thread(s); {args.evals} evaluations of {args.num_images} images at "
          f"{args.resolution}x{args.resolution}")
    print(f"fresh each time : {fresh_s:7.2f} s  ({fresh_s / args.evals:.2f} s per evaluation)")
    print(f"kept reference  : {kept_s:7.2f} s  ({kept_s / args.evals:.2f} s per evaluation, "
          f"{reference.nbytes / 2 ** 20:.0f} MiB kept)")
    print(f"ratio fresh/kept: {fresh_s / kept_s:.2f}x; same values: {fresh == kept}")


if __name__ == "__main__":
    main()
