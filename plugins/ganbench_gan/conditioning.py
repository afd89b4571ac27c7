"""Pieces every architecture shares: label handling, normalized layer building, the projection head.

Conditioning lives here once so that no backbone carries its own copy: class labels become a
vector (one-hot for ids, as given for soft labels), class embeddings are bias-free linear maps of
that vector (so a soft label embeds as the probability-weighted mean of class embeddings), and
the discriminator's conditional score is ``c(h) + <embed(y), h>``.
"""
from __future__ import annotations

from typing import Any, Iterable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganbench.components import resolve


def class_vector(y: Tensor, num_classes: int) -> Tensor:
    """Int class ids [B] -> one-hot float [B, K]; a float [B, K] vector passes through."""
    if y.dtype in (torch.int64, torch.int32, torch.int16, torch.uint8):
        if y.dim() != 1:
            raise ValueError(f"class ids must have shape [B], got {tuple(y.shape)}")
        return F.one_hot(y.long(), num_classes).float()
    if y.dim() != 2 or y.shape[1] != num_classes:
        raise ValueError(f"soft labels must have shape [B, {num_classes}], got {tuple(y.shape)}")
    return y


class NoFeatureNorm(nn.Module):
    """The feature layer used when no normalizer supplies one: ``m(x, y) = x``."""

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        return x


def _as_normalizer(spec: Any) -> Any:
    if not callable(spec) and hasattr(spec, "wrap") and hasattr(spec, "feature_layer"):
        return spec   # an already built normalizer (a factory, even a class, is callable)
    return resolve("normalizers", spec)


class NormalizedLayers:
    """Builds conv/linear layers and feature norms through a list of normalizers.

    ``specs`` is what gin gives an architecture (registered names or ``@normalizers.x``
    factories, a single one or a list). Every weight layer goes through each normalizer's
    ``wrap``; at most one normalizer may supply activation normalization.
    """

    def __init__(self, specs: Any, *, where: str) -> None:
        if specs is None:
            specs = ()
        elif isinstance(specs, str) or callable(specs) or hasattr(specs, "wrap"):
            specs = (specs,)
        self.normalizers = [_as_normalizer(s) for s in specs]
        self.where = where
        self._check_one_feature_norm()

    def _check_one_feature_norm(self) -> None:
        with_features = [n for n in self.normalizers if n.feature_layer(1, 0) is not None]
        if len(with_features) > 1:
            names = ", ".join(type(n).__name__ for n in with_features)
            raise ValueError(f"{self.where} lists several activation normalizers ({names}); "
                             "keep at most one of batch_norm / conditional_batch_norm / layer_norm")

    def wrap(self, layer: nn.Module) -> nn.Module:
        for normalizer in self.normalizers:
            layer = normalizer.wrap(layer)
        return layer

    def conv(self, cin: int, cout: int, kernel: int = 3, stride: int = 1, padding: int | None = None,
             bias: bool = True) -> nn.Module:
        pad = kernel // 2 if padding is None else padding
        return self.wrap(nn.Conv2d(cin, cout, kernel, stride, pad, bias=bias))

    def deconv(self, cin: int, cout: int) -> nn.Module:
        """A 4x4 stride-2 transposed conv: doubles the spatial size."""
        return self.wrap(nn.ConvTranspose2d(cin, cout, 4, 2, 1))

    def linear(self, fin: int, fout: int, bias: bool = True) -> nn.Module:
        return self.wrap(nn.Linear(fin, fout, bias=bias))

    def feature_norm(self, channels: int, num_classes: int = 0) -> nn.Module:
        """The activation normalizer for ``channels`` features (identity when none is listed)."""
        for normalizer in self.normalizers:
            layer = normalizer.feature_layer(channels, num_classes)
            if layer is not None:
                return layer
        return NoFeatureNorm()


class ProjectionHead(nn.Module):
    """Discriminator head ``c(h) + <embed(y), h>`` (Miyato & Koyama, 2018); ``c(h)`` alone when
    unconditional, when ``y`` is None, or when ``projection`` is False (see ``set_projection``)."""

    def __init__(self, feature_dim: int, num_classes: int, layers: NormalizedLayers) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.projection = True
        self.linear = layers.linear(feature_dim, 1)
        # A bias-free linear map of the one-hot label is a class embedding that also takes soft labels.
        self.embed = layers.linear(num_classes, feature_dim, bias=False) if num_classes else None

    def forward(self, h: Tensor, y: Tensor | None) -> Tensor:
        score = self.linear(h).squeeze(1)
        if y is None or self.embed is None or not self.projection:
            return score
        embedded = self.embed(class_vector(y, self.num_classes).to(h.dtype))
        return score + (embedded * h).sum(dim=1)

    def extra_repr(self) -> str:
        return f"num_classes={self.num_classes}, projection={self.projection}"


class ProjectionDiscriminator(nn.Module):
    """A discriminator from a trunk module (x -> [B, feature_dim]) and a projection head."""

    def __init__(self, trunk: nn.Module, feature_dim: int, num_classes: int,
                 layers: NormalizedLayers) -> None:
        super().__init__()
        self.trunk = trunk
        self.feature_dim = feature_dim
        self.num_classes = num_classes
        self.head = ProjectionHead(feature_dim, num_classes, layers)

    def features(self, x: Tensor) -> Tensor:
        return self.trunk(x)

    def logits(self, h: Tensor, y: Tensor | None) -> Tensor:
        return self.head(h, y)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        return self.logits(self.features(x), y)


class _LogitsWithoutLabels:
    """``D.logits`` of a discriminator without a ProjectionHead, called with y dropped."""

    drops_labels = True

    def __init__(self, logits: Any) -> None:
        self.logits = logits

    def __call__(self, h: Tensor, y: Tensor | None = None) -> Tensor:
        return self.logits(h, None)


def set_projection(D: nn.Module, enabled: bool, *, who: str) -> None:
    """Keep (``enabled``) or switch off the class projection of D's adversarial score, so that
    ``D.logits(h, y) == c(h)`` while G stays conditional: what AC-GAN, TAC-GAN, ContraGAN and
    ReACGAN use (their class signal comes from their own head on D~ instead).

    The one switch for every architecture: the shared ProjectionHead's flag, or, for a
    discriminator built without it (PGGAN, third-party ones), ``D.logits`` wrapped to drop y.
    ``who`` (e.g. ``"regularizers.tac.projection"``) names the binding that asked, so two
    terms asking for opposite settings of the one shared head fail naming both.
    """
    requests = D.__dict__.setdefault("_projection_requests", {})
    requests[who] = bool(enabled)
    if len(set(requests.values())) > 1:
        on = [w for w, v in requests.items() if v]
        off = [w for w, v in requests.items() if not v]
        raise ValueError(f"{', '.join(on)} keep D's class projection but {', '.join(off)} switch it "
                         "off; D has one adversarial head, so set these bindings to the same value")
    if not getattr(D, "num_classes", 0):
        return       # an unconditional D has no projection to switch
    heads = [m for m in D.modules() if isinstance(m, ProjectionHead)]
    for head in heads:
        head.projection = bool(enabled)
    if not heads and not enabled and not getattr(D.logits, "drops_labels", False):
        D.logits = _LogitsWithoutLabels(D.logits)


def check_resolution(name: str, resolution: int, supported: Iterable[int]) -> None:
    supported = sorted(supported)
    if resolution not in supported:
        raise ValueError(f"architectures.{name} supports resolutions {supported}, got {resolution}; "
                         "pick one of those (or resize the dataset)")


def check_labels(G: nn.Module, y: Tensor | None) -> None:
    """A conditional generator needs labels; an unconditional one must not silently ignore them."""
    if G.num_classes and y is None:
        raise ValueError(f"{type(G).__name__} is conditional ({G.num_classes} classes) but got y=None")
