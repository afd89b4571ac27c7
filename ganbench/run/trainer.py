"""``Run``: the built components of one run, and one discriminator and one generator update.

Read it top to bottom: ``Run`` builds everything an ``Experiment`` names once; ``Run.d_step``
and ``Run.g_step`` are one update each; ``ganbench.run.loop.train`` repeats them. Components
reach the run only through the contracts of ``ganbench.interfaces`` (optional members through
``optional``), so the run never knows which plugin it is talking to.
"""
from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from .. import distributed
from ..components import resolve
from ..cpus import threads_per_cell, usable_cpus
from ..config.experiment import Experiment
from ..interfaces import Batch, optional
from ..subsets import training_subset
from . import checkpoint
from .ema import EMA
from .overfitting import probe_for


def pick_device(spec: str) -> torch.device:
    if spec == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(spec)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"Experiment.device = {spec!r} but no CUDA device is available")
    return device


def seed_everything(seed: int) -> torch.Generator:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


@dataclass
class Run:
    """The built components of one run, plus its optimizers and counters."""

    exp: Experiment
    seed: int
    cache_dir: str
    device: torch.device = field(init=False)
    step: int = 0
    images_seen: int = 0
    train_seconds: float = 0.0        # wall-clock spent training (checkpointed; excludes evaluation)

    def __post_init__(self) -> None:
        exp = self.exp
        if exp.threads:
            torch.set_num_threads(exp.threads)
        elif torch.get_num_threads() > usable_cpus():   # torch counts the host's cores (ganbench.cpus)
            torch.set_num_threads(threads_per_cell())
        if exp.deterministic:
            torch.use_deterministic_algorithms(True, warn_only=True)
        self.device = pick_device(exp.device)
        if self.device.type == "cuda":
            torch.backends.cudnn.benchmark = True   # fixed shapes: let cuDNN pick the fastest kernels
        self.rank, self.world = distributed.rank(), distributed.world_size()
        if exp.batch_size % self.world:
            raise ValueError(f"Experiment.batch_size = {exp.batch_size} is not divisible by the "
                             f"{self.world} data-parallel processes")
        self.local_batch = exp.batch_size // self.world
        self.generator = seed_everything(self.seed)
        # Ranks share the seed of the weights (broadcast anyway) but draw different batches.
        self.noise = torch.Generator(self.device).manual_seed(self.seed + 1 + 100_003 * self.rank)
        # train_set: the whole split (evaluation and metric extractors use it, so metrics stay
        # comparable across training-set sizes); train_pool: what G and D learn from.
        self.train_set = resolve("datasets", exp.dataset, split="train")
        self.test_set = resolve("datasets", exp.dataset, split="test")
        self.train_pool = training_subset(self.train_set, exp.train_images, self.seed)
        self.labeler = resolve("labelers", exp.labeler)
        self.labeler.prepare(self.train_pool, seed=self.seed, cache_dir=self.cache_dir, device=self.device)
        self.num_classes = int(self.labeler.num_classes)
        _, channels, height, width = self.train_set.images.shape
        self.G, self.D = resolve("architectures", exp.architecture, resolution=height,
                                 channels=channels, num_classes=self.num_classes)
        self.loss = resolve("losses", exp.loss)
        self.augmentation = resolve("augmentations", exp.augmentation) if exp.augmentation is not None else None
        self.terms = [resolve("regularizers", r) for r in exp.regularizers] + [self.labeler]
        for term in self.terms:
            term.setup(self.G, self.D, self.num_classes)
        self._to_device()
        distributed.broadcast_modules(self.G, self.D, *[t for t in self.terms if isinstance(t, torch.nn.Module)])
        self._make_optimizers()
        self.ema = EMA(self.G, exp.ema_decay, exp.ema_start) if exp.ema_decay else None
        if exp.compile:
            self._compile()
        parts = [self.G, self.D, self.loss, *self.terms, *self._augmentations()]
        parts += [self.ema.shadow] if self.ema else []
        self.scheduled = [m for m in parts if optional(m, "on_train_step")]
        self.loggable = [m for m in parts if optional(m, "log_values")]
        self.overfitting = probe_for(self)

    def _augmentations(self) -> list[Any]:
        return [self.augmentation] if self.augmentation is not None else []

    def _to_device(self) -> None:
        memory_format = torch.channels_last if self.exp.channels_last else torch.preserve_format
        for module in [self.G, self.D, *self.terms, *self._augmentations()]:
            if isinstance(module, torch.nn.Module):
                module.to(self.device, memory_format=memory_format)
        self.images = self.train_pool.images.to(self.device, non_blocking=True)
        self.train_index = self.labeler.train_index().to(self.device)
        if len(self.train_index) == 0:
            raise ValueError("the labeler selected no training images")

    def _make_optimizers(self) -> None:
        exp = self.exp
        g_params = list(self.G.parameters())
        d_params = list(self.D.parameters())
        for term in self.terms:
            if not isinstance(term, torch.nn.Module):
                continue     # a term without parameters (interfaces.Term)
            g_side = optional(term, "g_parameters")
            extra_g = set(map(id, g_side())) if g_side else set()
            g_params += [p for p in term.parameters() if id(p) in extra_g]
            d_params += [p for p in term.parameters() if id(p) not in extra_g]
        self.g_opt = torch.optim.Adam(g_params, lr=exp.g_lr, betas=tuple(exp.g_betas))
        self.d_opt = torch.optim.Adam(d_params, lr=exp.d_lr, betas=tuple(exp.d_betas))
        use_fp16 = exp.precision == "fp16" and self.device.type == "cuda"
        self.scaler = torch.amp.GradScaler(self.device.type, enabled=use_fp16)

    def _compile(self) -> None:
        """Compile the hot methods in place. The modules stay the same objects, so state dicts,
        the EMA copy (made before) and heads that other plugins attached keep working."""
        self.G.forward = torch.compile(self.G.forward)
        self.D.features = torch.compile(self.D.features)
        self.D.logits = torch.compile(self.D.logits)

    def autocast(self) -> contextlib.AbstractContextManager:
        if self.exp.precision == "fp32":
            return contextlib.nullcontext()
        dtype = torch.bfloat16 if self.exp.precision == "bf16" else torch.float16
        return torch.autocast(self.device.type, dtype=dtype)

    # -- one update each
    def latents(self, n: int) -> torch.Tensor:
        return torch.randn(n, self.G.z_dim, device=self.device, generator=self.noise)

    def real_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        pick = torch.randint(len(self.train_index), (self.local_batch,), device=self.device,
                             generator=self.noise)
        index = self.train_index[pick]
        real = self.images[index].float().div_(127.5).sub_(1.0)
        if self.exp.channels_last:
            real = real.contiguous(memory_format=torch.channels_last)
        return real, index

    def augment(self, images: torch.Tensor) -> torch.Tensor:
        """What D sees of ``images``: the augmentation's fresh transform, or the images as they are."""
        return images if self.augmentation is None else self.augmentation.augment(images, self.noise)

    def d_step(self) -> torch.Tensor:
        real, index = self.real_batch()
        with self.autocast():
            real, replaced = self._replace_reals(real)
            real = self.augment(real)
            h = self.D.features(real)
            real_labels = self.labeler.real_labels(index, h)
            if replaced is not None:
                real_labels = _with_labels_of(real_labels, *replaced)
            real_logits = self.D.logits(h, real_labels)
            with torch.no_grad():
                fake_labels = self.labeler.sample_fake_labels(len(real), self.noise)
                fake = self.G(self.latents(len(real)), fake_labels)
            fake = self.augment(fake)
            fake_h = self.D.features(fake)
            fake_logits = self.D.logits(fake_h, fake_labels)
            batch = Batch(self.G, self.D, real, real_labels, index, fake, fake_labels,
                          h, real_logits, fake_h, fake_logits, self.step)
            loss = self.loss.d_loss(real_logits.float(), fake_logits.float())
            loss = loss + sum_terms(t.d_term(batch) for t in self.terms)
        self._update(self.d_opt, loss)
        self._observe(real_logits)
        self._last_real = (real, real_labels, index)
        return loss.detach()

    def _replace_reals(self, real: torch.Tensor) -> tuple[torch.Tensor, tuple | None]:
        """APA-style augmentations show D some generated images as real: they get a batch made
        for that purpose, and the images they swap in keep the labels they were generated with."""
        replace = optional(self.augmentation, "replace_reals") if self.augmentation is not None else None
        if replace is None:
            return real, None
        with torch.no_grad():
            labels = self.labeler.sample_fake_labels(len(real), self.noise)
            pseudo = self.G(self.latents(len(real)), labels)
        real, swapped = replace(real, pseudo, self.noise)
        return real, (swapped, labels)

    def _observe(self, real_logits: torch.Tensor) -> None:
        """Feed an adaptive augmentation E[sign(D(real))] of the global batch, on the device."""
        observe = optional(self.augmentation, "observe") if self.augmentation is not None else None
        if observe is None:
            return
        signs = real_logits.detach().float().sign()
        totals = torch.stack([signs.sum(), torch.tensor(float(len(signs)), device=signs.device)])
        if self.world > 1:
            totals = distributed.all_reduce_mean(totals) * self.world
        observe(totals[0], totals[1])

    def g_step(self) -> torch.Tensor:
        real, real_labels, index = self._last_real
        with self.autocast():
            fake_labels = self.labeler.sample_fake_labels(len(real), self.noise)
            fake = self.augment(self.G(self.latents(len(real)), fake_labels))
            fake_h = self.D.features(fake)
            fake_logits = self.D.logits(fake_h, fake_labels)
            batch = Batch(self.G, self.D, real, real_labels, index, fake, fake_labels,
                          None, None, fake_h, fake_logits, self.step)
            if optional(self.loss, "uses_real_logits_for_g", False):
                batch.real_logits = self.D(real, real_labels).float()
                loss = self.loss.g_loss(fake_logits.float(), real_logits=batch.real_logits)
            else:
                loss = self.loss.g_loss(fake_logits.float())
            loss = loss + sum_terms(t.g_term(batch) for t in self.terms)
        self._update(self.g_opt, loss)
        return loss.detach()

    def _update(self, opt: torch.optim.Optimizer, loss: torch.Tensor) -> None:
        opt.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        distributed.average_gradients([p for group in opt.param_groups for p in group["params"]])
        self.scaler.step(opt)
        self.scaler.update()

    # -- state
    def state_dict(self) -> dict[str, Any]:
        return {
            "step": self.step, "images_seen": self.images_seen, "seed": self.seed,
            "train_seconds": self.train_seconds,
            "G": self.G.state_dict(), "D": self.D.state_dict(),
            "G_ema": self.ema.state_dict() if self.ema else None,
            "g_opt": self.g_opt.state_dict(), "d_opt": self.d_opt.state_dict(),
            "terms": [optional(t, "state_dict", dict)() for t in self.terms],
            "augmentation": optional(self.augmentation, "state_dict", dict)() if self.augmentation else {},
            "rng": checkpoint.rng_state(self.generator), "noise": self.noise.get_state(),
            # every rank's random state, in rank order (a collective: every rank calls state_dict),
            # so that a data-parallel run resumes with each rank drawing its own batches again
            "rank_rng": distributed.gather_to_first(
                {"rng": checkpoint.rng_state(self.generator), "noise": self.noise.get_state()}),
        }

    def load_state_dict(self, state: dict[str, Any], source: str = "checkpoint") -> None:
        try:
            self.G.load_state_dict(state["G"])
            self.D.load_state_dict(state["D"])
            if self.ema and state["G_ema"] is not None:
                self.ema.load_state_dict(state["G_ema"])
            self.g_opt.load_state_dict(state["g_opt"])
            self.d_opt.load_state_dict(state["d_opt"])
            if len(state["terms"]) != len(self.terms):
                raise ValueError(f"{len(state['terms'])} loss terms saved, {len(self.terms)} configured")
            for term, term_state in zip(self.terms, state["terms"]):
                if term_state:
                    term.load_state_dict(term_state)
            self._load_augmentation_state(state.get("augmentation") or {})
        except (RuntimeError, ValueError, KeyError) as err:
            first = str(err).strip().splitlines()[0][:300]
            raise ValueError(f"{source} was written by a different configuration ({first}). "
                             "Delete that run directory or write to another --out to start afresh.") from None
        self.step, self.images_seen = int(state["step"]), int(state["images_seen"])
        self.train_seconds = float(state.get("train_seconds", 0.0))
        self._load_random_state(state)
        self.notify_schedules()

    def _load_augmentation_state(self, saved: dict) -> None:
        if saved and self.augmentation is None:
            raise ValueError("the checkpoint has an augmentation's state but none is configured")
        load = optional(self.augmentation, "load_state_dict") if self.augmentation is not None else None
        if load is not None and saved:
            load(saved)
        elif load is not None and optional(self.augmentation, "state_dict", dict)():
            raise ValueError("the augmentation has state but the checkpoint saved none for it")

    def _load_random_state(self, state: dict[str, Any]) -> None:
        ranks = state.get("rank_rng")
        if ranks and len(ranks) == self.world:
            mine = ranks[self.rank]
        elif self.world == 1 or not ranks:
            mine = state   # rank 0's state (checkpoints written before rank_rng existed)
        else:
            raise ValueError(f"the checkpoint was written by a {len(ranks)}-process data-parallel run "
                             f"and is resumed by {self.world} processes: each rank's batches cannot be "
                             f"continued exactly. Resume with {len(ranks)} processes, or start afresh.")
        checkpoint.set_rng_state(mine["rng"], self.generator)
        self.noise.set_state(mine["noise"])

    def notify_schedules(self) -> None:
        for module in self.scheduled:
            module.on_train_step(self.step, self.images_seen)

    def log_values(self) -> dict[str, float]:
        """What the components report of their own state (e.g. PGGAN's resolution and alpha)."""
        values: dict[str, float] = {}
        for module in self.loggable:
            values.update(module.log_values())
        if self.overfitting is not None:
            values.update(self.overfitting.measure(self.D))
        return values

    @property
    def sampler(self) -> torch.nn.Module:
        """The generator used for evaluation and samples: the EMA copy when enabled."""
        return self.ema.shadow if self.ema else self.G


def _with_labels_of(real_labels: torch.Tensor | None, swapped: torch.Tensor,
                    fake_labels: torch.Tensor | None) -> torch.Tensor | None:
    """The reals' labels, with those of the swapped-in generated images (``swapped``: bool [B])."""
    if real_labels is None or fake_labels is None:
        return real_labels
    mask = swapped.view(-1, *([1] * (real_labels.dim() - 1)))
    return torch.where(mask, fake_labels.to(real_labels.dtype), real_labels)


def sum_terms(values) -> torch.Tensor | float:
    return sum((v for v in values if v is not None), 0.0)
