"""Sample grids and latent interpolations from a trained run, as uint8 images.

Latent noise comes only from ``seed`` (and the generator's latent size), never from the run, so
two cells with the same latent size draw their grids from the *same* noise and their pictures
can be compared tile by tile. For a conditional model without a chosen class the grid has one
row per class, and every row reuses the same latents: rows differ only by the class.

    from ganbench.report import samples
    grid = samples.sample_grid("runs/tiny/full-labels/seed-0", n=64, truncation=0.5)
    samples.save_png(grid, "samples.png")
"""
from __future__ import annotations

import io
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..evaluate import to_uint8, truncated_normal
from ..interfaces import optional
from ..storage import atomic_write_bytes

PADDING = 2          # pixels between tiles
PAD_VALUE = 255      # white gutters, as in papers' sample figures


def load(run_dir: str | os.PathLike, use_ema: bool = True) -> tuple[torch.nn.Module, dict[str, Any]]:
    """The run's generator (EMA weights when it has them) and its model spec."""
    from ..run.restore import load_generator
    return load_generator(run_dir, use_ema=use_ema)


def latents(z_dim: int, n: int, truncation: float | None = None, seed: int = 0) -> torch.Tensor:
    """``n`` latent vectors from ``seed`` alone (CPU generator: the same on every machine)."""
    gen = torch.Generator().manual_seed(seed)
    return truncated_normal(n, z_dim, truncation, gen, torch.device("cpu"))


def z_truncation(G: torch.nn.Module, truncation: float | None) -> float | None:
    """The truncation to apply to z: none when G truncates in its own way (``truncated_forward``,
    e.g. StyleGAN2 in W space), which ``generate`` then applies."""
    return None if optional(G, "truncated_forward") is not None else truncation


@torch.no_grad()
def generate(G: torch.nn.Module, z: torch.Tensor, labels: torch.Tensor | None = None,
             truncation: float | None = None) -> torch.Tensor:
    """uint8 images (N, C, H, W) of ``G`` in eval mode for latents ``z`` and class ids ``labels``;
    ``truncation`` reaches a G that defines ``truncated_forward`` (z was drawn untruncated)."""
    device = next(G.parameters()).device
    was_training = G.training
    G.eval()
    try:
        y = None if labels is None else labels.to(device)
        truncated_forward = optional(G, "truncated_forward") if truncation is not None else None
        if truncated_forward is not None:
            return to_uint8(truncated_forward(z.to(device), y, truncation))
        return to_uint8(G(z.to(device), y))
    finally:
        G.train(was_training)


def check_class(spec: dict[str, Any], class_id: int | None, run_dir: Any) -> None:
    """Reject a class id the model cannot draw, naming the run and the valid range."""
    if class_id is None:
        return
    classes = int(spec["num_classes"])
    if classes == 0:
        raise ValueError(f"class {class_id} requested (--class), but the model in {run_dir} is "
                         "unconditional (trained without labels); leave --class out")
    if not 0 <= int(class_id) < classes:
        names = spec.get("class_names") or []
        listing = f" ({', '.join(names)})" if names else ""
        raise ValueError(f"class {class_id} is outside the model's classes in {run_dir}: "
                         f"use 0..{classes - 1}{listing}")


def resolve_truncation(spec: dict[str, Any], truncation: float | None) -> float | None:
    """``None`` means the run's own ``Experiment.truncation`` (how it was evaluated)."""
    value = spec.get("truncation") if truncation is None else truncation
    if value is not None and not value > 0:
        raise ValueError(f"truncation must be > 0, got {value!r}")
    return value


def sample_images(G: torch.nn.Module, spec: dict[str, Any], n: int = 64, class_id: int | None = None,
                  truncation: float | None = None, seed: int = 0) -> tuple[torch.Tensor, int]:
    """Images and the number of grid columns: class rows for a conditional model without a
    class (``n // num_classes`` shared latents per row), else ``n`` images in a near-square grid."""
    if n <= 0:
        raise ValueError(f"the number of samples must be positive, got {n}")
    truncation = resolve_truncation(spec, truncation)
    classes = int(spec["num_classes"])
    if classes and class_id is None:
        per_class = max(1, n // classes)
        z = latents(G.z_dim, per_class, z_truncation(G, truncation), seed).repeat(classes, 1)
        labels = torch.arange(classes).repeat_interleave(per_class)
        return generate(G, z, labels, truncation), per_class
    z = latents(G.z_dim, n, z_truncation(G, truncation), seed)
    labels = None if not classes else torch.full((n,), int(class_id), dtype=torch.long)
    return generate(G, z, labels, truncation), math.ceil(math.sqrt(n))


def sample_grid(run_dir: str | os.PathLike, n: int = 64, class_id: int | None = None,
                truncation: float | None = None, seed: int = 0) -> np.ndarray:
    """A (H, W, 3) uint8 grid of samples from a run directory; see ``sample_images`` for layout."""
    G, spec = load(run_dir)
    check_class(spec, class_id, run_dir)
    images, columns = sample_images(G, spec, n, class_id, truncation, seed)
    return make_grid(images, columns)


def slerp(z0: torch.Tensor, z1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation: Gaussian latents keep their typical norm along the path, which
    straight lines (passing near the low-density origin) do not. Exact at t = 0 and t = 1."""
    cos = (z0 * z1).sum(-1, keepdim=True) / (z0.norm(dim=-1, keepdim=True) * z1.norm(dim=-1, keepdim=True))
    omega = torch.arccos(cos.clamp(-1, 1))
    t = t.view(-1, 1)
    if float(omega.abs().max()) < 1e-6:      # (nearly) parallel: the straight line is the arc
        return (1 - t) * z0 + t * z1
    return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)


def interpolation_images(G: torch.nn.Module, spec: dict[str, Any], steps: int = 8,
                         class_id: int | None = None, truncation: float | None = None,
                         seed: int = 0) -> tuple[torch.Tensor, int]:
    """From ``latents(z_dim, 2, truncation, seed)[0]`` to ``[1]`` in ``steps`` images; one row per
    class for a conditional model without a class, else one row."""
    if steps < 2:
        raise ValueError(f"an interpolation needs at least 2 steps, got {steps}")
    truncation = resolve_truncation(spec, truncation)
    z0, z1 = latents(G.z_dim, 2, z_truncation(G, truncation), seed)
    path = slerp(z0[None], z1[None], torch.linspace(0, 1, steps))
    classes = int(spec["num_classes"])
    if classes and class_id is None:
        rows = torch.arange(classes)
    elif classes:
        rows = torch.tensor([int(class_id)])
    else:
        return generate(G, path, truncation=truncation), steps
    labels = rows.repeat_interleave(steps)
    return generate(G, path.repeat(len(rows), 1), labels, truncation), steps


def interpolation_strip(run_dir: str | os.PathLike, steps: int = 8, class_id: int | None = None,
                        truncation: float | None = None, seed: int = 0) -> np.ndarray:
    """A (H, W, 3) uint8 strip interpolating between two latents of ``seed`` (see
    ``interpolation_images``)."""
    G, spec = load(run_dir)
    check_class(spec, class_id, run_dir)
    images, columns = interpolation_images(G, spec, steps, class_id, truncation, seed)
    return make_grid(images, columns)


def make_grid(images: torch.Tensor, columns: int, padding: int = PADDING) -> np.ndarray:
    """Tile uint8 (N, C, H, W) images row by row into one (H, W, 3) uint8 array."""
    from torchvision.utils import make_grid as tile
    grid = tile(images, nrow=columns, padding=padding, pad_value=PAD_VALUE)
    return grid.permute(1, 2, 0).contiguous().numpy()


def png_bytes(grid: np.ndarray) -> bytes:
    """PNG encoding of a (H, W, 3) or (H, W) uint8 array."""
    from PIL import Image
    if grid.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got {grid.dtype}")
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(grid)).save(buf, format="PNG")
    return buf.getvalue()


def save_png(grid: np.ndarray, path: str | os.PathLike) -> Path:
    """Write ``grid`` as a PNG atomically (a reader never sees half a file)."""
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"{path}: the output file must end in .png")
    atomic_write_bytes(path, png_bytes(grid))
    return path
