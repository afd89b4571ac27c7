"""GPU step time: BigGAN 32x32 (or another gin/models recipe), batch 256 -- a plain fp32 eager
hand loop vs ganbench with bf16 autocast + channels_last (and optionally torch.compile), same
model, same process, interleaved rounds. Needs a CUDA device.

    python benchmarks/speed/gpu_biggan.py                  # bf16 + channels_last
    python benchmarks/speed/gpu_biggan.py --compile        # ... + torch.compile
    python benchmarks/speed/gpu_biggan.py --model stylegan2_32 [--compile]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import torch

from step_overhead import REPO, HandLoop, build_run, per_step

MODELS = REPO / "gin" / "models"
DATA = ["include 'datasets/shapes32.gin'", "datasets.shapes.num_train = 5000",
        "datasets.shapes.num_test = 1000", "Experiment.batch_size = 256", "Experiment.d_steps = 1",
        "Experiment.device = 'cuda'"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--compile", action="store_true", help="also compile G and D (Experiment.compile)")
    parser.add_argument("--model", default="biggan32", help="a recipe of gin/models (default biggan32)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    GIN = MODELS / f"{args.model}.gin"
    if not torch.cuda.is_available():
        sys.exit("gpu_biggan.py needs a CUDA device (none is visible); see docs/performance.md")
    torch.backends.cuda.matmul.allow_tf32 = False   # the baseline is honest fp32
    torch.backends.cudnn.allow_tf32 = False
    baseline = build_run(GIN, DATA)
    hand = HandLoop(baseline)
    fast = build_run(GIN, DATA + ["Experiment.precision = 'bf16'", "Experiment.channels_last = True",
                                  f"Experiment.compile = {args.compile}"])

    def hand_steps(n):
        for _ in range(n):
            hand.step(1)

    def ganbench_steps(n):
        for _ in range(n):
            fast.d_step()
            fast.g_step()

    sides = {"fp32 eager hand loop": hand_steps, "ganbench bf16 + channels_last"
             + (" + compile" if args.compile else ""): ganbench_steps}
    for fn in sides.values():
        fn(5)   # warm-up (and compilation)
    times = {name: [] for name in sides}
    for _ in range(args.rounds):
        for name, fn in sides.items():
            times[name].append(per_step(fn, args.steps, fast.device))
    base = statistics.median(times["fp32 eager hand loop"])
    result = {"device": torch.cuda.get_device_name(), "torch": torch.__version__, "batch_size": 256,
              "results": {name: {"median_s_per_step": statistics.median(t),
                                 "images_per_s": 256 / statistics.median(t),
                                 "speedup_vs_fp32_hand": base / statistics.median(t)}
                          for name, t in times.items()}}
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
