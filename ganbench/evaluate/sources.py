"""What `ganbench eval A B` compares: image folders, .npz files of uint8 images, dataset splits
(``shapes:test``) and run directories (a generator checkpoint), each turned into uint8 images."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp"}


@dataclass
class ImageSet:
    """A fixed set of uint8 images [N, C, H, W] (what metrics see as a dataset)."""

    name: str
    images: torch.Tensor
    labels: torch.Tensor | None = None
    split: str = "eval"
    num_classes: int = 0
    class_names: list[str] = field(default_factory=list)
    source_dataset: Any = None        # the dataset (train split) behind a `name:split` spec

    def cache_key(self) -> str:
        digest = hashlib.sha256(self.images.numpy().tobytes()).hexdigest()[:16]
        return f"{self.name}-{digest}"


def load(spec: str, num_samples: int) -> ImageSet:
    path = Path(spec)
    if path.is_dir() and (path / "model.json").exists():
        return from_run(path, num_samples)
    if path.is_dir():
        return from_folder(path)
    if path.suffix == ".npz":
        return from_npz(path)
    if ":" in spec and not path.exists():
        return from_dataset(*spec.split(":", 1))
    raise FileNotFoundError(f"{spec!r} is not an image folder, an .npz file, a run directory "
                            "(with model.json) or a dataset split such as 'shapes:test'")


def from_folder(path: Path) -> ImageSet:
    from PIL import Image
    files = sorted(p for p in path.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise FileNotFoundError(f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) under {path}")
    arrays = []
    for f in files:
        try:
            with Image.open(f) as im:
                arrays.append(np.asarray(im.convert("RGB")))
        except OSError as err:
            raise ValueError(f"cannot read image {f}: {err}") from None
        if arrays[-1].shape != arrays[0].shape:
            raise ValueError(f"{f} is {arrays[-1].shape[:2]} but {files[0]} is {arrays[0].shape[:2]}: "
                             "resize the folder's images to one size first")
    return ImageSet(str(path), torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous())


def from_npz(path: Path) -> ImageSet:
    with np.load(path, allow_pickle=False) as data:
        key = "images" if "images" in data.files else data.files[0]
        array = data[key]
    if array.dtype != np.uint8 or array.ndim != 4:
        raise ValueError(f"{path}[{key!r}] must be uint8 images [N, H, W, C] or [N, C, H, W], "
                         f"got {array.dtype} {array.shape}")
    if array.shape[-1] in (1, 3) and array.shape[1] not in (1, 3):
        array = array.transpose(0, 3, 1, 2)
    return ImageSet(str(path), torch.from_numpy(np.ascontiguousarray(array)))


def from_dataset(name: str, split: str) -> ImageSet:
    from ..components import resolve
    data = resolve("datasets", name, split=split)
    train = resolve("datasets", name, split="train") if split != "train" else data
    return ImageSet(data.cache_key(), data.images, data.labels, split, data.num_classes,
                    list(data.class_names), source_dataset=train)


def from_run(run_dir: Path, num_samples: int) -> ImageSet:
    from ..run.restore import load_generator
    from .evaluation import Sampler
    G, spec = load_generator(run_dir)
    k = spec["num_classes"]

    def uniform_labels(n: int, gen: torch.Generator) -> torch.Tensor:
        return torch.randint(k, (n,), generator=gen, device=gen.device)
    sampler = Sampler(G, k, uniform_labels, torch.device("cpu"), truncation=spec.get("truncation"))
    images, labels = sampler(num_samples)
    return ImageSet(f"{run_dir}-step{spec['step']}", images, labels)


class FixedSampler:
    """Serves the first n images of an ImageSet where an evaluation expects a generator."""

    def __init__(self, images: ImageSet) -> None:
        self.set, self.num_classes = images, 0

    def __call__(self, n: int, labels: torch.Tensor | None = None, seed: int = 0):
        if n > len(self.set.images):
            raise ValueError(f"{self.set.name} has {len(self.set.images)} images; a metric asked for {n}")
        labels = None if self.set.labels is None else self.set.labels[:n]
        return self.set.images[:n], labels


DOMAIN_NAMES = {"inception_score": "is_domain"}


def metric_for(name: str, extractor: str | None, registered: list[str]) -> str:
    """The registered metric that computes ``name`` with ``extractor`` (e.g. fid -> fid_domain)."""
    if extractor in (None, "inception_v3") or name.endswith("_domain"):
        return name
    if extractor != "domain_classifier":
        raise ValueError(f"unknown --extractor {extractor!r}; use inception_v3 or domain_classifier")
    domain = DOMAIN_NAMES.get(name, f"{name}_domain")
    if domain not in registered:
        raise ValueError(f"metric {name!r} has no domain-classifier variant; "
                         f"those that do: {', '.join(n for n in registered if n.endswith('_domain'))}")
    return domain


def training_set(spec: str, images_like: torch.Tensor) -> tuple[Any, Any]:
    """(train, test) splits of ``--train-on``: ``NAME:SPLIT`` (the dataset's train split and the
    named split), or a folder read as ``datasets.image_folder`` (one subfolder per class; its
    ``train/``/``test/`` subfolders or a hashed split) at the size and channels of ``images_like``."""
    from ..components import resolve
    path = Path(spec)
    if ":" in spec and not path.exists():
        name, split = spec.split(":", 1)
        held_out = "test" if split == "train" else split
        return resolve("datasets", name, split="train"), resolve("datasets", name, split=held_out)
    if not path.is_dir():
        raise FileNotFoundError(f"--train-on {spec!r} is neither a folder of class subfolders nor a "
                                "dataset split such as 'shapes:train'")
    channels, size = int(images_like.shape[1]), int(images_like.shape[-1])
    kwargs = dict(root=str(path), resolution=size, channels=channels)
    return (resolve("datasets", "image_folder", split="train", **kwargs),
            resolve("datasets", "image_folder", split="test", **kwargs))


def compare(a_spec: str, b_spec: str, metrics: list[str], extractor: str | None,
            num_samples: int, train_on: str | None = None) -> dict[str, float]:
    """Score A (as the generated set) against B (as the reference) with ``metrics``.

    The domain classifier is trained on ``train_on`` (a folder of class subfolders or a
    ``NAME:SPLIT``), else on the dataset behind B or A when one is a ``NAME:SPLIT``; its test
    accuracy (on the held-out split of that data) is added as ``domain_classifier_test_accuracy``."""
    from ..components import resolve
    from ..interfaces import optional
    from ..registry import get_registry
    from ..storage import cache_dir
    from .evaluation import Evaluation
    registered = get_registry().names("metrics")
    names = [metric_for(m, extractor, registered) for m in metrics]
    a, b = load(a_spec, num_samples), load(b_spec, num_samples)
    domain = any(n.endswith("_domain") for n in names)
    held_out = None
    if train_on:
        train, held_out = training_set(train_on, b.images)
    else:
        train = b.source_dataset or a.source_dataset
        held_out = b if b.source_dataset is not None else a if a.source_dataset is not None else None
    if domain and train is None:
        raise ValueError("the domain classifier is trained on labelled images: give --train-on FOLDER "
                         "(one subfolder per class) or --train-on NAME:SPLIT (e.g. shapes:train), or "
                         "give A or B as a dataset split such as 'shapes:test'")
    if domain and int(train.images.shape[1]) != int(b.images.shape[1]):
        raise ValueError(f"the domain classifier's training images have {int(train.images.shape[1])} "
                         f"channel(s) but {b_spec} has {int(b.images.shape[1])}")
    results: dict[str, float] = {}
    if domain:
        # Built here with the held-out split, so its accuracy is reported (and the weights cached
        # for the evaluation below, which builds it again with B as the test set).
        classifier = resolve("feature_extractors", "domain_classifier", dataset=train, test_dataset=held_out)
        accuracy = optional(classifier, "test_accuracy")
        if accuracy is not None:
            results["domain_classifier_test_accuracy"] = float(accuracy)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    evaluation = Evaluation(FixedSampler(a), train or b, b, None, str(cache_dir()), device)
    return {**evaluation.run(names, num_samples=len(a.images)), **results}
