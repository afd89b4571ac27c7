"""What the float-only metric contract cannot carry, recomputed from a run directory for reports:
the PRD curve (``prd_curve_for_run``, written to ``<run>/prd_curve.json``) and the closest
generated/training pairs of the memorization gallery (``memorization_pairs_for_run``).

Metrics return ``{name: float}`` and see no run directory, so the ``prd`` metric returns only its
F_8 / F_1/8 summary; the curve behind it is recomputed here from the run's final checkpoint with
the same math (same features, sample count and k-means seeds when ``seed`` is the run's seed).

    from ganbench_metrics.run_tools import prd_curve_for_run
    precision, recall, summary = prd_curve_for_run("runs/label_efficiency/<cell>/seed-0")
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

PRD_CURVE_FILE = "prd_curve.json"


def run_sets(run_dir: str | Path, num_samples: int | None = None) -> dict[str, Any]:
    """The run's generated images (uint8, from its final checkpoint, uniform class labels, the
    evaluation's fixed noise) with its train and test datasets, rebuilt from config.gin."""
    from ganbench.components import resolve
    from ganbench.config.experiment import Experiment
    from ganbench.evaluate.evaluation import Sampler
    from ganbench.run.restore import load_generator
    G, spec = load_generator(run_dir)          # parses the run's config.gin
    exp = Experiment()
    k = int(spec["num_classes"])

    def uniform(n: int, gen: torch.Generator) -> torch.Tensor:
        return torch.randint(k, (n,), generator=gen, device=gen.device)
    sampler = Sampler(G, k, uniform, torch.device("cpu"), truncation=spec.get("truncation"))
    images, labels = sampler(num_samples or exp.eval_samples)
    return {"images": images, "labels": labels, "spec": spec,
            "train": resolve("datasets", exp.dataset, split="train"),
            "test": resolve("datasets", exp.dataset, split="test")}


def prd_curve_for_run(run_dir: str | Path, extractor: str = "domain_classifier",
                      num_samples: int | None = None, seed: int = 0, save: bool = True):
    """(precision, recall, {"prd_f8", "prd_f1_8"}) of a run; the curve is also written to
    ``<run_dir>/prd_curve.json`` (``save``)."""
    from ganbench.components import resolve

    from .prd import max_f_beta_pair, prd_curve, save_curve
    sets = run_sets(run_dir, num_samples)
    model = resolve("feature_extractors", extractor, dataset=sets["train"], test_dataset=sets["test"])
    fake = model.extract(sets["images"])[0]
    real = model.extract(sets["test"].images)[0]
    n = min(len(fake), len(real))
    precision, recall = prd_curve(real[:n], fake[:n], seed=seed)
    if save:
        save_curve(Path(run_dir) / PRD_CURVE_FILE, precision, recall)
    f8, f1_8 = max_f_beta_pair(precision, recall)
    return precision, recall, {"prd_f8": f8, "prd_f1_8": f1_8}


def memorization_pairs_for_run(run_dir: str | Path, count: int = 8, num_samples: int = 500
                               ) -> tuple[torch.Tensor, torch.Tensor, list[float]]:
    """The ``count`` generated images closest to a training image (pixel distance), and those
    training images: (generated [count, C, H, W], training [count, C, H, W], distances)."""
    from .memorization import closest_pairs
    sets = run_sets(run_dir, num_samples)
    pairs = closest_pairs(sets["images"], sets["train"].images, count)
    generated = torch.stack([sets["images"][g] for g, _, _ in pairs])
    training = torch.stack([sets["train"].images[t] for _, t, _ in pairs])
    return generated, training, [d for _, _, d in pairs]
