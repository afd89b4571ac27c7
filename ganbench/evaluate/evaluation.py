"""Evaluate a generator with metric plugins.

One evaluation draws one fixed pool of samples (fixed latent noise from the evaluation seed), so
every metric scores the same images. Extractor features are memoised per evaluation, and the
reference set's features are cached on disk under a key of dataset, split and extractor.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import torch

from ..components import resolve
from ..interfaces import EvalContext, ImageDataset, optional
from ..storage import cached

EVAL_SEED = 12345   # fixed: every run and cell is scored on the same latent noise
SET_SEED_STRIDE = 100003   # sample set i uses seeds EVAL_SEED + i * stride (+ class offsets)


def truncated_normal(n: int, dim: int, truncation: float | None, generator: torch.Generator,
                     device: torch.device) -> torch.Tensor:
    """N(0, 1) latents, resampling entries whose magnitude exceeds ``truncation``."""
    z = torch.randn(n, dim, generator=generator, device=device)
    if truncation is None:
        return z
    outside = z.abs() > truncation
    while outside.any():
        z[outside] = torch.randn(int(outside.sum()), generator=generator, device=device)
        outside = z.abs() > truncation
    return z


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    return ((images.float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).cpu()


class Sampler:
    """Draws images from a generator in eval mode, batch by batch, with fixed noise."""

    def __init__(self, G: torch.nn.Module, num_classes: int, sample_labels: Callable[[int, torch.Generator], Any],
                 device: torch.device, truncation: float | None = None, batch_size: int = 250) -> None:
        self.G, self.num_classes, self.device = G, num_classes, device
        self.sample_labels, self.truncation, self.batch_size = sample_labels, truncation, batch_size

    @torch.no_grad()
    def __call__(self, n: int, labels: torch.Tensor | None = None, seed: int = EVAL_SEED
                 ) -> tuple[torch.Tensor, torch.Tensor | None]:
        gen = torch.Generator(self.device).manual_seed(seed)
        if labels is None and self.num_classes:
            labels = self.sample_labels(n, gen)
        was_training = self.G.training
        self.G.eval()
        out = []
        try:
            for start in range(0, n, self.batch_size):
                count = min(self.batch_size, n - start)
                y = None if labels is None else labels[start:start + count].to(self.device)
                out.append(to_uint8(self._generate(count, y, gen)))
        finally:
            self.G.train(was_training)
        hard = None if labels is None else (labels.argmax(1) if labels.dim() == 2 else labels).cpu()
        return torch.cat(out), hard

    def _generate(self, count: int, y: torch.Tensor | None, gen: torch.Generator) -> torch.Tensor:
        """G(z, y), truncated: in G's own way when it defines truncated_forward (e.g. in W),
        else by drawing z from the truncated normal."""
        truncated_forward = optional(self.G, "truncated_forward") if self.truncation is not None else None
        if truncated_forward is not None:
            return truncated_forward(truncated_normal(count, self.G.z_dim, None, gen, self.device), y,
                                     self.truncation)
        return self.G(truncated_normal(count, self.G.z_dim, self.truncation, gen, self.device), y)


class Evaluation:
    """Builds the EvalContext for one generator and runs metrics on it."""

    def __init__(self, sampler: Sampler, train_set: ImageDataset, reference: ImageDataset,
                 labeler: Any, cache_dir: str, device: torch.device) -> None:
        self.sampler, self.train_set, self.reference = sampler, train_set, reference
        self.labeler, self.cache_dir, self.device = labeler, cache_dir, device
        self._pool: tuple[torch.Tensor, torch.Tensor | None] | None = None
        self._extractors: dict[str, Any] = {}
        self._fake_features: dict[tuple[str, int], Any] = {}
        self._seed_offset = 0     # sample set i draws its latents from seeds offset by i * SET_SEED_STRIDE

    def samples(self, n: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        if self._pool is None or len(self._pool[0]) < n:
            self._pool = self.sampler(n, seed=EVAL_SEED + self._seed_offset)
        images, labels = self._pool
        return images[:n], None if labels is None else labels[:n]

    def class_samples(self, label: int, n: int) -> torch.Tensor:
        labels = torch.full((n,), label, dtype=torch.long)
        return self.sampler(n, labels=labels, seed=EVAL_SEED + 1 + label + self._seed_offset)[0]

    def use_sample_set(self, index: int) -> None:
        """Draw every later sample from sample set ``index`` (0 is the default pool)."""
        self._seed_offset = index * SET_SEED_STRIDE
        self._pool = None
        self._fake_features = {}

    def extractor(self, name: str) -> Any:
        if name not in self._extractors:
            # Extractors trained on a dataset (domain classifier) learn from the train split and
            # record their accuracy on the reference split.
            self._extractors[name] = resolve("feature_extractors", name, dataset=self.train_set,
                                             test_dataset=self.reference)
        return self._extractors[name]

    def fake_features(self, name: str, n: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        if (name, n) not in self._fake_features:
            self._fake_features[(name, n)] = self.extractor(name).extract(self.samples(n)[0])
        return self._fake_features[(name, n)]

    def reference_features(self, name: str) -> tuple[torch.Tensor, torch.Tensor | None]:
        extractor = self.extractor(name)
        parts = {"dataset": self.reference.cache_key(), "extractor": extractor.cache_key()}

        def compute() -> dict[str, Any]:
            features, logits = extractor.extract(self.reference.images)
            return {"features": features, "logits": logits}
        value = cached("reference_features", parts, compute, root=self.cache_dir)
        return value["features"], value["logits"]

    def context(self, seed: int = 0, num_samples: int = 2000) -> EvalContext:
        return EvalContext(
            samples=self.samples, class_samples=self.class_samples,
            fake_features=self.fake_features, reference_features=self.reference_features,
            reference=self.reference, train=self.train_set, labeler=self.labeler,
            num_classes=self.sampler.num_classes, cache_dir=self.cache_dir, device=self.device, seed=seed,
            num_samples=num_samples)

    def run(self, metrics: Sequence[Any], seed: int = 0, num_samples: int = 2000,
            errors: dict[str, str] | None = None, sample_sets: int = 1) -> dict[str, float]:
        """Every metric's results on one context. With ``errors`` (a dict), a metric that raises
        (building it, running it, or a value that is not a number) loses only its own results:
        its error is recorded there as metric name -> ``"ExceptionType: message"`` and the other
        metrics still run. Without it, the first failure propagates (``ganbench eval``).

        ``sample_sets = K > 1`` scores K independent sample pools (set 0 is the default pool, set
        i draws its latents from seeds offset by ``i * SET_SEED_STRIDE``) and returns, for every
        result ``name``: ``name`` = the mean over sets, ``name_std`` = their standard deviation
        (ddof 1) and ``name_min`` = the smallest (``spread_of_sets``)."""
        if sample_sets < 1:
            raise ValueError(f"sample_sets must be a positive integer, got {sample_sets!r}")
        if sample_sets == 1:
            return self.run_once(metrics, seed, num_samples, errors)
        per_set = []
        try:
            for index in range(sample_sets):
                self.use_sample_set(index)
                per_set.append(self.run_once(metrics, seed, num_samples, errors))
        finally:
            self.use_sample_set(0)
        return spread_of_sets(per_set)

    def run_once(self, metrics: Sequence[Any], seed: int = 0, num_samples: int = 2000,
                 errors: dict[str, str] | None = None) -> dict[str, float]:
        """Every metric's results on the current sample pool (see ``run``)."""
        ctx = self.context(seed, num_samples)
        results: dict[str, float] = {}
        for spec in metrics:
            try:
                metric = resolve("metrics", spec)
                values = {key: float(value) for key, value in metric(ctx).items()}
            except Exception as err:   # noqa: BLE001 - one broken metric must not cost the others
                if errors is None:
                    raise
                errors[metric_name(spec)] = error_text(err)
                continue
            results.update(values)
        return results


def spread_of_sets(per_set: list[dict[str, float]]) -> dict[str, float]:
    """``name`` (mean), ``name_std`` (standard deviation, ddof 1) and ``name_min`` of every result
    that every sample set produced (a result missing from a set, e.g. its metric failed there, is
    left out: the failure is in ``errors``)."""
    import statistics
    names = [n for n in per_set[0] if all(n in values for values in per_set[1:])]
    out: dict[str, float] = {}
    for name in names:
        values = [values[name] for values in per_set]
        out[name] = statistics.fmean(values)
        out[f"{name}_std"] = statistics.stdev(values)
        out[f"{name}_min"] = min(values)
    return out


def metric_name(spec: Any) -> str:
    """The name a metric is known by: its registered name, or its factory's (gin) name."""
    return spec if isinstance(spec, str) else getattr(spec, "__name__", repr(spec))


def error_text(err: BaseException) -> str:
    """``"ExceptionType: message"``, as recorded for a failed metric."""
    message = str(err).strip()
    return f"{type(err).__name__}: {message}" if message else type(err).__name__


def evaluate_run(run: Any, cache_dir: str, errors: dict[str, str] | None = None,
                 sample_sets: int | None = None) -> dict[str, float]:
    """Score a trained ``ganbench.run.Run`` with its experiment's metrics. With ``errors``, a
    failing metric is recorded there and the others are returned (``Evaluation.run``); with
    ``sample_sets = K > 1`` (default: ``Experiment.sample_sets``), every result is the mean over
    K sample pools plus ``_std``/``_min``."""
    sample_sets = sample_sets or run.exp.sample_sets
    sampler = Sampler(run.sampler, run.num_classes, run.labeler.sample_fake_labels, run.device,
                      truncation=run.exp.truncation)
    evaluation = Evaluation(sampler, run.train_set, run.test_set, run.labeler, cache_dir, run.device)
    return evaluation.run(run.exp.metrics, seed=run.seed, num_samples=run.exp.eval_samples,
                          errors=errors, sample_sets=sample_sets)


def declared_extractors(metric: Any) -> list[str]:
    """The registered feature-extractor names a metric declares (``feature_extractors``)."""
    from ..interfaces import optional
    declared = optional(metric, "feature_extractors", ()) or ()
    return [n for n in ((declared,) if isinstance(declared, str) else declared) if isinstance(n, str)]


def extractors_of(metrics: Sequence[Any]) -> list[str]:
    """Every feature-extractor name the built ``metrics`` declare, once each, in order."""
    names: list[str] = []
    for metric in metrics:
        names += [n for n in declared_extractors(metric) if n not in names]
    return names
