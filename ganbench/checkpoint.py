"""Checkpoints that survive crashes: atomic writes, a previous copy, and safe loading.

``checkpoint.pt`` is replaced atomically; before that the last good one becomes
``checkpoint-prev.pt``. Loading tries the newest first and falls back to the previous one if
the newest is truncated or corrupt. Everything is loaded with ``weights_only=True``.
"""
from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .storage import atomic_torch_save, safe_torch_load

LATEST, PREVIOUS = "checkpoint.pt", "checkpoint-prev.pt"


class CheckpointError(Exception):
    pass


def rng_state(generator: torch.Generator) -> dict[str, Any]:
    np_state = np.random.get_state()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "numpy": [np_state[0], torch.from_numpy(np_state[1].astype(np.int64)), *np_state[2:]],
        "python": _to_lists(random.getstate()),
        "generator": generator.get_state(),
    }


def set_rng_state(state: dict[str, Any], generator: torch.Generator) -> None:
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    name, keys, *rest = state["numpy"]
    np.random.set_state((name, keys.numpy().astype(np.uint32), *rest))
    random.setstate(_to_tuples(state["python"]))
    generator.set_state(state["generator"])


def save(run_dir: str | os.PathLike, state: dict[str, Any]) -> None:
    run_dir = Path(run_dir)
    latest = run_dir / LATEST
    if latest.exists():
        os.replace(latest, run_dir / PREVIOUS)
    atomic_torch_save(state, latest)


def load(run_dir: str | os.PathLike) -> dict[str, Any] | None:
    """The newest readable checkpoint, or None when there is none."""
    run_dir = Path(run_dir)
    errors = []
    for name in (LATEST, PREVIOUS):
        path = run_dir / name
        if not path.exists():
            continue
        try:
            state = safe_torch_load(path)
            if not isinstance(state, dict) or "step" not in state:
                raise CheckpointError("not a ganbench checkpoint")
            return state
        except Exception as err:  # truncated, corrupt or hostile: try the older one
            errors.append(f"{path}: {type(err).__name__}: {str(err).splitlines()[0][:200]}")
    if errors:
        print("ganbench: ignoring unreadable checkpoint(s): " + "; ".join(errors))
    return None


def _to_lists(obj: Any) -> Any:
    return [_to_lists(o) for o in obj] if isinstance(obj, (tuple, list)) else obj


def _to_tuples(obj: Any) -> Any:
    return tuple(_to_tuples(o) for o in obj) if isinstance(obj, list) else obj
