"""Rebuilding a trained generator from its run directory, for samples and reports.

A run directory records what rebuilding needs besides the gin config in ``model.json``
(resolution, channels, classes), so the dataset and labeler need not be built again.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from ..components import resolve
from ..config.experiment import Experiment
from ..interfaces import optional
from . import checkpoint
from .trainer import Run

MODEL_FILE = "model.json"


def model_spec(run: Run) -> dict[str, Any]:
    """What rebuilding the networks needs besides the gin config (written to model.json)."""
    _, channels, height, _ = run.train_set.images.shape
    return {"resolution": int(height), "channels": int(channels), "num_classes": run.num_classes,
            "z_dim": int(run.G.z_dim), "class_names": list(getattr(run.train_set, "class_names", []))}


def load_generator(run_dir: str | Path, use_ema: bool = True) -> tuple[torch.nn.Module, dict[str, Any]]:
    """Rebuild a run's generator from its directory (config.gin, model.json, checkpoint.pt)
    without building its dataset or labeler. Returns (G in eval mode, model spec)."""
    from .. import config
    run_dir = Path(run_dir)
    for name in ("config.gin", MODEL_FILE):
        if not (run_dir / name).exists():
            raise FileNotFoundError(f"{run_dir} has no {name}: give a run directory written by "
                                    "`ganbench run` (<out>/<study>/<cell>/seed-<n>)")
    spec = json.loads((run_dir / MODEL_FILE).read_text())
    state = checkpoint.load(run_dir)
    if state is None:
        raise FileNotFoundError(f"{run_dir} has no readable checkpoint")
    config.parse([run_dir / "config.gin"])
    exp = Experiment()
    G, _ = resolve("architectures", exp.architecture, resolution=spec["resolution"],
                   channels=spec["channels"], num_classes=spec["num_classes"])
    weights = state["G_ema"] if use_ema and state.get("G_ema") is not None else state["G"]
    G.load_state_dict(weights)
    schedule = optional(G, "on_train_step")
    if schedule:   # schedules (e.g. progressive growing) resume their phase
        schedule(int(state["step"]), int(state["images_seen"]))
    spec["truncation"] = exp.truncation
    spec["step"] = int(state["step"])
    return G.eval(), spec
