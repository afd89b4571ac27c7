"""Harness overhead: ganbench's training step vs a minimal hand-written PyTorch loop.

Both sides train the same G and D (built by the architectures plugin from the same gin config,
with identical starting weights), with hinge loss and Adam, on the same in-memory images, at
the same precision, in the same process; rounds are interleaved (hand, Run.d_step/g_step,
train()) so drift in machine load hits all three alike. Reports per-step medians, steps/s and
the ratio harness / hand (1.00 = no overhead). EMA is switched off on every side (the hand loop
has none); ``train()`` includes its logging, divergence checks and the checkpoint it writes at
the end of each round, which is also timed on its own so it can be told apart.

    python benchmarks/speed/step_overhead.py                       # the default study's model
    python benchmarks/speed/step_overhead.py --threads 2 --rounds 7 --steps 20
"""
from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from ganbench import config
from ganbench.run import checkpoint
from ganbench.components import resolve
from ganbench.storage import cache_dir
from ganbench.config import Experiment
from ganbench.run import Run, train

REPO = Path(__file__).resolve().parents[2]
DEFAULT_GIN = REPO / "benchmarks" / "label_efficiency.gin"


def build_run(gin_file: Path, bindings: list[str]) -> Run:
    config.parse([gin_file], ["Experiment.ema_decay = None", "Experiment.log_every = 1000000",
                              *bindings])
    return Run(Experiment(), seed=0, cache_dir=str(cache_dir()))


class HandLoop:
    """About thirty lines of plain PyTorch: what a researcher would write for the same model."""

    def __init__(self, run: Run) -> None:
        exp, self.device = run.exp, run.device
        memory_format = torch.channels_last if exp.channels_last else torch.preserve_format
        self.G, self.D = resolve("architectures", exp.architecture, resolution=run.images.shape[-1],
                                 channels=run.images.shape[1], num_classes=run.num_classes)
        self.G.load_state_dict(run.G.state_dict())
        self.D.load_state_dict(run.D.state_dict())
        self.G.to(self.device, memory_format=memory_format)
        self.D.to(self.device, memory_format=memory_format)
        self.g_opt = torch.optim.Adam(self.G.parameters(), lr=exp.g_lr, betas=tuple(exp.g_betas))
        self.d_opt = torch.optim.Adam(self.D.parameters(), lr=exp.d_lr, betas=tuple(exp.d_betas))
        self.images, self.labels = run.images, run.train_set.labels.to(self.device)
        self.batch, self.classes, self.z_dim = run.local_batch, run.num_classes, run.G.z_dim
        self.channels_last, self.precision = exp.channels_last, exp.precision

    def autocast(self):
        if self.precision == "fp32":
            return contextlib.nullcontext()
        dtype = torch.bfloat16 if self.precision == "bf16" else torch.float16
        return torch.autocast(self.device.type, dtype=dtype)

    def step(self, d_steps: int = 1) -> None:
        for _ in range(d_steps):
            idx = torch.randint(len(self.images), (self.batch,), device=self.device)
            real, y = self.images[idx].float() / 127.5 - 1, self.labels[idx]
            if self.channels_last:
                real = real.contiguous(memory_format=torch.channels_last)
            z = torch.randn(self.batch, self.z_dim, device=self.device)
            y_fake = torch.randint(self.classes, (self.batch,), device=self.device)
            with self.autocast():
                with torch.no_grad():
                    fake = self.G(z, y_fake)
                d_loss = (F.relu(1 - self.D(real, y).float()).mean()
                          + F.relu(1 + self.D(fake, y_fake).float()).mean())
            self.d_opt.zero_grad(set_to_none=True)
            d_loss.backward()
            self.d_opt.step()
        with self.autocast():
            g_loss = -self.D(self.G(torch.randn_like(z), y_fake), y_fake).float().mean()
        self.g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        self.g_opt.step()


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def per_step(fn, steps: int, device: torch.device) -> float:
    synchronize(device)
    start = time.perf_counter()
    fn(steps)
    synchronize(device)
    return (time.perf_counter() - start) / steps


IO = "checkpoint save (once per train() call)"


def compare(run: Run, hand: HandLoop, steps: int, rounds: int, warmup: int = 3) -> dict[str, list[float]]:
    """Median seconds per G step (with ``d_steps`` D steps each) of the three sides, interleaved."""
    d_steps = run.exp.d_steps

    def hand_steps(n):
        for _ in range(n):
            hand.step(d_steps)

    def harness_steps(n):
        for _ in range(n):
            for _ in range(d_steps):
                run.d_step()
            run.g_step()

    with tempfile.TemporaryDirectory() as tmp:
        calls = itertools.count()

        def train_steps(n):
            # A fresh folder per call: train() finds no checkpoint, so it continues from the
            # run in memory instead of resuming from disk (a real run resumes once, not once
            # per round). It still saves once at its last step; that save is timed apart.
            run.exp.steps = run.step + n
            run.exp.checkpoint_every = n
            train(run, Path(tmp) / f"call-{next(calls)}", log=lambda record: None)

        def checkpoint_save(n):
            checkpoint.save(Path(tmp) / "save", run.state_dict())

        sides = {"hand loop": hand_steps, "Run.d_step/g_step": harness_steps, "train()": train_steps}
        for fn in sides.values():
            fn(warmup)
        times = {name: [] for name in [*sides, IO]}
        for _ in range(rounds):
            for name, fn in sides.items():
                times[name].append(per_step(fn, steps, run.device))
            times[IO].append(per_step(checkpoint_save, 1, run.device))
    return times


def report(times: dict[str, list[float]], run: Run, args: argparse.Namespace) -> dict:
    hand = statistics.median(times["hand loop"])
    best = min(times["hand loop"])
    # median and min over rounds: the min is the least disturbed by other load on the machine
    rows = {name: {"median_s_per_step": statistics.median(t), "min_s_per_step": min(t),
                   "steps_per_s": 1 / statistics.median(t), "ratio_vs_hand": statistics.median(t) / hand,
                   "ratio_vs_hand_min": min(t) / best, "all_s_per_step": t}
            for name, t in times.items()}
    # train() is called once per round here, so it saves once per `steps` steps; a real run
    # does that once per checkpoint_every steps. The loop's own cost per step:
    loop_only = [(t - io / args.steps) for t, io in zip(times["train()"], times[IO])]
    rows["train() without the per-round checkpoint save"] = {
        "median_s_per_step": statistics.median(loop_only), "ratio_vs_hand": statistics.median(loop_only) / hand,
        "ratio_vs_hand_min": min(loop_only) / best}
    return {"machine": {"platform": platform.platform(), "processor": platform.processor(),
                        "torch": torch.__version__, "threads": torch.get_num_threads(),
                        "device": str(run.device) + (f" ({torch.cuda.get_device_name()})"
                                                     if run.device.type == "cuda" else "")},
            "setting": {"gin": str(args.gin), "bindings": args.binding, "batch_size": run.exp.batch_size,
                        "d_steps": run.exp.d_steps, "precision": run.exp.precision,
                        "channels_last": run.exp.channels_last, "steps_per_round": args.steps,
                        "rounds": args.rounds},
            "results": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gin", type=Path, default=DEFAULT_GIN)
    parser.add_argument("--binding", "-p", action="append", default=[], help="extra gin binding")
    parser.add_argument("--steps", type=int, default=10, help="G steps per side per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    run = build_run(args.gin, args.binding)
    result = report(compare(run, HandLoop(run), args.steps, args.rounds), run, args)
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
