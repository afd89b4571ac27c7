"""How much the discriminator overfits: D's mean output and mean sign on fixed training images
against fixed held-out real images (Karras et al. 2020, Fig. 1), logged with every training record.

A D that memorises its training set scores its training images as real (sign +1) and new real
images less and less so; the gap between the two is what augmentation and LeCam fight. The images
are chosen once from the run's seed on a private generator, D is scored in eval mode without
gradients, so measuring changes neither the run's random state nor any weight or buffer: a run
trains exactly the same with ``Experiment.overfit_images = 0``.
"""
from __future__ import annotations

import torch

from ..interfaces import optional

PROBE_STREAM = 0x0F17  # keeps the probe's choice of images apart from every other random stream


class OverfittingProbe:
    def __init__(self, train_set, heldout_set, count: int, seed: int, device: torch.device,
                 conditional_on_dataset_classes: bool) -> None:
        chooser = torch.Generator().manual_seed(seed + PROBE_STREAM)
        self.sets = {}
        for name, data in (("train", train_set), ("heldout", heldout_set)):
            n = min(count, len(data.labels))
            pick = torch.randperm(len(data.labels), generator=chooser)[:n]
            images = data.images[pick].to(device).float().div_(127.5).sub_(1.0)
            # Scored with the dataset's own classes when D is conditioned on them; otherwise (an
            # unconditional D, or classes a labeler inferred) with D's unconditional score c(h).
            labels = data.labels[pick].to(device) if conditional_on_dataset_classes else None
            self.sets[name] = (images, labels)

    @torch.no_grad()
    def measure(self, D: torch.nn.Module) -> dict[str, float]:
        was_training = D.training
        D.eval()    # no batch-norm statistics or power-iteration vectors move
        try:
            values = {}
            for name, (images, labels) in self.sets.items():
                logits = D(images, labels).float()
                values[f"d_sign_{name}"] = float(logits.sign().mean())
                values[f"d_logit_{name}"] = float(logits.mean())
        finally:
            D.train(was_training)
        values["d_sign_gap"] = values["d_sign_train"] - values["d_sign_heldout"]
        return values


def probe_for(run) -> OverfittingProbe | None:
    """The probe of ``run`` (a ``Run``), or None when ``Experiment.overfit_images`` is 0."""
    if not run.exp.overfit_images:
        return None
    labeler = run.labeler
    on_dataset_classes = (run.num_classes == run.train_set.num_classes > 0
                          and not optional(labeler, "cluster_labels", False))
    return OverfittingProbe(run.train_pool, run.test_set, run.exp.overfit_images, run.seed,
                            run.device, on_dataset_classes)
