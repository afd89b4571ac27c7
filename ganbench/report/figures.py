"""Writing matplotlib figures: PNG and PDF at the plots' resolution, atomically. Shared by the
study's plots (plots.py) and the training curves (curves.py), which import nothing else of
each other."""
from __future__ import annotations

import io
from pathlib import Path

from ..storage import atomic_write_bytes

DPI = 150


def figure_bytes(fig, fmt: str = "png") -> bytes:
    """``fig`` encoded as ``fmt`` (png or pdf) at the plots' resolution."""
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=DPI)
    return buf.getvalue()


def write_figure(fig, path_stem: Path) -> list[Path]:
    import matplotlib.pyplot as plt
    paths = []
    for ext in ("png", "pdf"):
        path = path_stem.with_suffix(f".{ext}")
        atomic_write_bytes(path, figure_bytes(fig, ext))
        paths.append(path)
    plt.close(fig)
    return paths
