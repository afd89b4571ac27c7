"""One run: build it (``Run``), train it (``train``, with the divergence policy of
``restarts``), checkpoint it (``checkpoint``), average G (``ema``), log it (``log``), and rebuild
its generator from a run directory (``restore``)."""
from .loop import DivergedError, train
from .trainer import Run

__all__ = ["Run", "train", "DivergedError"]
