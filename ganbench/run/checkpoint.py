"""Checkpoints that survive crashes: atomic writes, a previous copy, checksums, safe loading.

``checkpoint.pt`` is replaced atomically; once the new one is on disk the last one becomes
``checkpoint-prev.pt``. Each checkpoint carries a digest of its whole content, because torch's
zip reader does not notice a flipped byte inside a tensor. Loading tries the newest first and
falls back to the previous one if the newest is truncated or corrupt (the bad file is kept
aside as ``*.corrupt``). Everything is loaded with ``weights_only=True``; a file that asks to
import Python objects (a pickle that could run code) is refused with an error, not skipped.
"""
from __future__ import annotations

import hashlib
import os
import random
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..storage import atomic_torch_save, safe_torch_load

LATEST, PREVIOUS = "checkpoint.pt", "checkpoint-prev.pt"
DIGEST_KEY = "content_digest"


class CheckpointError(ValueError):
    """A checkpoint that must not be used: corrupt, foreign, or hostile."""


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
    """Write ``state`` as the newest checkpoint; the one it replaces becomes the previous one."""
    run_dir = Path(run_dir)
    state = {**state, DIGEST_KEY: content_digest(state)}
    atomic_torch_save(state, run_dir / LATEST, keep_previous=run_dir / PREVIOUS)


def load(run_dir: str | os.PathLike) -> dict[str, Any] | None:
    """The newest intact checkpoint, or None when there is none.

    Raises CheckpointError for a hostile file (one that asks to import Python objects)."""
    run_dir = Path(run_dir)
    for name in (LATEST, PREVIOUS):
        path = run_dir / name
        if not path.exists():
            continue
        try:
            return read(path)
        except CheckpointError:
            raise
        except Exception as err:  # truncated or corrupt: keep it aside and try the older one
            reason = str(err).strip().splitlines()[0][:200] if str(err).strip() else "empty or truncated"
            _set_aside(path)
            print(f"ganbench: ignoring unreadable checkpoint {path} ({type(err).__name__}: {reason}); "
                  f"kept as {path.name}.corrupt", file=sys.stderr)
    return None


def read(path: Path) -> dict[str, Any]:
    """Load one checkpoint file and verify its digest."""
    try:
        state = safe_torch_load(path)
    except Exception as err:
        if "global" in str(err).lower():   # weights_only refused to import a Python object
            raise CheckpointError(
                f"refusing to load {path}: it asks to import Python objects, which a ganbench "
                "checkpoint never does (it could run code). Delete it if you did not write it.") from None
        raise
    if not isinstance(state, dict) or "step" not in state:
        raise ValueError("not a ganbench checkpoint")
    expected = state.pop(DIGEST_KEY, None)
    if expected is not None and expected != content_digest(state):
        raise ValueError("content digest mismatch (the file was damaged after it was written)")
    return state


def content_digest(obj: Any) -> str:
    """A hash of every tensor's bytes and every other value in a nested state dict."""
    h = hashlib.blake2b(digest_size=16)
    _feed(h, obj)
    return h.hexdigest()


def _feed(h: Any, obj: Any) -> None:
    if isinstance(obj, torch.Tensor):
        t = obj.detach().cpu().contiguous()
        h.update(f"T{t.dtype}{tuple(t.shape)}".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    elif isinstance(obj, dict):
        h.update(b"{")
        for key in sorted(obj, key=repr):
            h.update(repr(key).encode())
            _feed(h, obj[key])
        h.update(b"}")
    elif isinstance(obj, (list, tuple)):
        h.update(b"[")
        for item in obj:
            _feed(h, item)
        h.update(b"]")
    else:
        h.update(repr(obj).encode())


def _set_aside(path: Path) -> None:
    try:
        os.replace(path, path.with_name(path.name + ".corrupt"))
    except OSError:
        pass


def _to_lists(obj: Any) -> Any:
    return [_to_lists(o) for o in obj] if isinstance(obj, (tuple, list)) else obj


def _to_tuples(obj: Any) -> Any:
    return tuple(_to_tuples(o) for o in obj) if isinstance(obj, list) else obj
