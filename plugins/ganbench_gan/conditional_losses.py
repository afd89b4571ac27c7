"""Classifier-based conditional discriminators beyond AC-GAN: TAC-GAN, ContraGAN (2C), ReACGAN (D2D-CE).

Each is a regularizer term that owns its heads on D's trunk features D~(x) (``D.features``), so
it works with every architecture that follows the D.features / D.logits contract. By default
each switches the architecture's class projection off (``conditioning.set_projection``): as in
the papers, D's adversarial score is unconditional and the class signal comes from the term.
Definitions, defaults and sources: docs/conditioning.md.

Labels may be class ids [B] or soft labels [B, K]. A soft label embeds as the probability-weighted
mean of the class proxies (as in ``conditioning``), and two samples count as the same class with
probability <y_i, y_j>, which is the indicator 1[y_i = y_j] for class ids.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganbench.interfaces import Batch

from .conditioning import class_vector, set_projection
from .regularizers import (ACGANClassifier, _check_weight, _Term, batch_features, check_projection,
                           class_cross_entropy)


# --------------------------------------------------------------------------- shared pieces
class NormalizedEmbeddingHead(nn.Module):
    """Unit-norm data embeddings f = normalize(W h + b) and class proxies v = normalize(P y).

    ``P`` is a bias-free linear map of the one-hot (or soft) label: a class embedding, like the
    projection head's. Both sides live on the unit sphere, so their products are cosines.
    """

    def __init__(self, feature_dim: int, num_classes: int, embed_dim: int) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.embed = nn.Linear(feature_dim, embed_dim)
        self.proxies = nn.Linear(num_classes, embed_dim, bias=False)

    def forward(self, h: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        embed = F.normalize(self.embed(h).float(), dim=1)
        proxy = F.normalize(self.proxies(class_vector(y, self.num_classes).to(h.dtype)).float(), dim=1)
        return embed, proxy


def same_class_probability(labels: Tensor, num_classes: int) -> Tensor:
    """[B, B] probability that samples i and j share a class: <y_i, y_j> (0/1 for class ids)."""
    one_hot = class_vector(labels, num_classes).float().detach()
    return (one_hot @ one_hot.T).clamp(0.0, 1.0)


def _off_diagonal_log_weights(weights: Tensor) -> Tensor:
    """log of pair weights with the diagonal (a sample against itself) excluded: -inf there,
    so a log-sum-exp over a row sums only the pairs the loss keeps."""
    eye = torch.eye(len(weights), dtype=torch.bool, device=weights.device)
    return weights.log().masked_fill(eye, float("-inf"))


def conditional_contrastive_loss(embed: Tensor, proxy: Tensor, same_class: Tensor,
                                 temperature: float) -> Tensor:
    """ContraGAN's 2C loss (Kang & Park, 2020), mean over the batch.

    -log [ (exp(f_i.v_i/t) + sum_{k!=i} 1[y_k=y_i] exp(f_i.f_k/t))
           / (exp(f_i.v_i/t) + sum_{k!=i} exp(f_i.f_k/t)) ]
    with unit-norm embeddings f, class proxies v and temperature t. Computed with log-sum-exp.
    """
    to_proxy = (embed * proxy).sum(dim=1, keepdim=True) / temperature
    to_data = embed @ embed.T / temperature
    positives = to_data + _off_diagonal_log_weights(same_class)
    everyone = to_data + _off_diagonal_log_weights(torch.ones_like(same_class))
    log_numerator = torch.logsumexp(torch.cat([to_proxy, positives], 1), 1)
    log_denominator = torch.logsumexp(torch.cat([to_proxy, everyone], 1), 1)
    return (log_denominator - log_numerator).mean()


def data_to_data_cross_entropy(embed: Tensor, proxy: Tensor, same_class: Tensor, temperature: float,
                               positive_margin: float, negative_margin: float) -> Tensor:
    """ReACGAN's D2D-CE loss (Kang et al., 2021), mean over the batch.

    -log [ exp(min(f_i.v_i - m_p, 0)/t)
           / (exp(min(f_i.v_i - m_p, 0)/t) + sum_{j in N_i} exp(max(f_i.f_j - m_n, 0)/t)) ]
    where N_i are the other samples of a different class (false negatives removed). Computed
    with log-sum-exp, without StudioGAN's row-max shift of the negatives (which changes the value).
    """
    positive = ((embed * proxy).sum(dim=1, keepdim=True) - positive_margin).clamp(max=0) / temperature
    negatives = (embed @ embed.T - negative_margin).clamp(min=0) / temperature
    other_class = _off_diagonal_log_weights((1.0 - same_class).clamp(min=0.0))
    log_denominator = torch.logsumexp(torch.cat([positive, negatives + other_class], 1), 1)
    return (log_denominator - positive.squeeze(1)).mean()


def _check_positive(binding: str, value: float, hint: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{binding} must be a number > 0, got {value!r}; {hint}")


def _check_classes(name: str, num_classes: int) -> None:
    if num_classes < 1:
        raise ValueError(f"regularizers.{name} needs class labels, but the run is unconditional "
                         f"(num_classes=0); use a labeler that provides classes or drop {name}")


# ------------------------------------------------------------------------------ TAC-GAN
class TwinAuxiliaryClassifier(ACGANClassifier):
    """TAC-GAN (Gong et al., 2019): AC-GAN's classifier C plus a twin classifier C_mi on D~.

    D minimises weight * CE(C(real), y) + twin_weight * CE(C_mi(fake), y_fake);
    G minimises g_weight * CE(C(fake), y_fake) - g_twin_weight * CE(C_mi(fake), y_fake).
    Both heads are linear and train with D's optimizer; g_* default to their D-side weights.
    """

    name = "tac"

    def __init__(self, weight: float = 1.0, g_weight: float | None = None, twin_weight: float = 1.0,
                 g_twin_weight: float | None = None, projection: bool = False) -> None:
        super().__init__(weight, g_weight, projection)
        _check_weight(self.name, twin_weight, "twin_weight")
        if g_twin_weight is not None:    # G's minus sign is built in: the weight stays >= 0
            _check_weight(self.name, g_twin_weight, "g_twin_weight")
        self.twin_weight = twin_weight
        self.g_twin_weight = twin_weight if g_twin_weight is None else g_twin_weight
        self.twin_head: nn.Module | None = None

    def setup(self, G: nn.Module, D: nn.Module, num_classes: int) -> None:
        super().setup(G, D, num_classes)
        self.twin_head = nn.Linear(D.feature_dim, num_classes).to(next(D.parameters()).device)

    def _twin_cross_entropy(self, batch: Batch) -> Tensor:
        if self.twin_head is None:
            raise RuntimeError("regularizers.tac used before setup(G, D, num_classes)")
        return class_cross_entropy(self.twin_head(batch_features(batch, "fake")), batch.fake_labels)

    def d_term(self, batch: Batch) -> Tensor | None:
        classifier = super().d_term(batch)
        if batch.fake_labels is None:
            return classifier
        twin = self.twin_weight * self._twin_cross_entropy(batch)
        return twin if classifier is None else classifier + twin

    def g_term(self, batch: Batch) -> Tensor | None:
        if batch.fake_labels is None:
            return None
        return super().g_term(batch) - self.g_twin_weight * self._twin_cross_entropy(batch)

    def extra_repr(self) -> str:
        return (f"{super().extra_repr()}, twin_weight={self.twin_weight}, "
                f"g_twin_weight={self.g_twin_weight}")


# ----------------------------------------------------------------- embedding-based terms
class _EmbeddingTerm(_Term):
    """A loss on normalized embeddings of D~ and class proxies: D on the reals, G on the fakes."""

    name = ""
    paper_setting = ""     # said in error messages, so a fix has a sensible value to start from

    def __init__(self, weight: float, g_weight: float | None, temperature: float, embed_dim: int,
                 projection: bool) -> None:
        super().__init__()
        _check_weight(self.name, weight)
        if g_weight is not None:
            _check_weight(self.name, g_weight, "g_weight")
        _check_positive(f"regularizers.{self.name}.temperature", temperature,
                        f"use e.g. {self.paper_setting}")
        if isinstance(embed_dim, bool) or not isinstance(embed_dim, int) or embed_dim < 1:
            raise ValueError(f"regularizers.{self.name}.embed_dim must be an integer >= 1, got "
                             f"{embed_dim!r}; the papers use 512 at 32x32")
        check_projection(self.name, projection)
        self.weight, self.temperature, self.embed_dim = weight, temperature, embed_dim
        self.g_weight = weight if g_weight is None else g_weight
        self.projection = projection
        self.head: NormalizedEmbeddingHead | None = None

    def setup(self, G: nn.Module, D: nn.Module, num_classes: int) -> None:
        _check_classes(self.name, num_classes)
        device = next(D.parameters()).device
        self.head = NormalizedEmbeddingHead(D.feature_dim, num_classes, self.embed_dim).to(device)
        set_projection(D, self.projection, who=f"regularizers.{self.name}.projection")

    def loss(self, embed: Tensor, proxy: Tensor, same_class: Tensor) -> Tensor:
        raise NotImplementedError

    def _side(self, batch: Batch, side: str, labels: Tensor | None, weight: float) -> Tensor | None:
        if labels is None:
            return None
        if self.head is None:
            raise RuntimeError(f"regularizers.{self.name} used before setup(G, D, num_classes)")
        embed, proxy = self.head(batch_features(batch, side), labels)
        return weight * self.loss(embed, proxy, same_class_probability(labels, self.head.num_classes))

    def d_term(self, batch: Batch) -> Tensor | None:
        return self._side(batch, "real", batch.real_labels, self.weight)

    def g_term(self, batch: Batch) -> Tensor | None:
        return self._side(batch, "fake", batch.fake_labels, self.g_weight)

    def extra_repr(self) -> str:
        return (f"weight={self.weight}, g_weight={self.g_weight}, temperature={self.temperature}, "
                f"embed_dim={self.embed_dim}, projection={self.projection}")


class ContraGAN2C(_EmbeddingTerm):
    """ContraGAN (Kang & Park, 2020): the conditional contrastive (2C) loss on D~.

    D minimises weight * 2C(reals), G minimises g_weight * 2C(fakes). Defaults are the CIFAR-10
    setting of the paper and of StudioGAN: weight 1, temperature 1, 512-d embeddings.
    """

    name = "contragan_2c"
    paper_setting = "1.0 (ContraGAN's setting)"

    def __init__(self, weight: float = 1.0, g_weight: float | None = None, temperature: float = 1.0,
                 embed_dim: int = 512, projection: bool = False) -> None:
        super().__init__(weight, g_weight, temperature, embed_dim, projection)

    def loss(self, embed: Tensor, proxy: Tensor, same_class: Tensor) -> Tensor:
        return conditional_contrastive_loss(embed, proxy, same_class, self.temperature)


class DataToDataCrossEntropy(_EmbeddingTerm):
    """ReACGAN (Kang et al., 2021): the data-to-data cross-entropy (D2D-CE) on D~.

    D minimises weight * D2D-CE(reals), G minimises g_weight * D2D-CE(fakes). Defaults are
    ReACGAN's CIFAR-10 setting (StudioGAN configs/CIFAR10/ReACGAN.yaml): weight 0.5,
    temperature 0.5, positive margin 0.98, 512-d embeddings; the negative margin defaults to
    1 - positive_margin, as StudioGAN computes it.
    """

    name = "d2d_ce"
    paper_setting = "0.5 (ReACGAN's CIFAR-10 setting)"

    def __init__(self, weight: float = 0.5, g_weight: float | None = None, temperature: float = 0.5,
                 positive_margin: float = 0.98, negative_margin: float | None = None,
                 embed_dim: int = 512, projection: bool = False) -> None:
        super().__init__(weight, g_weight, temperature, embed_dim, projection)
        if negative_margin is None:
            negative_margin = round(1.0 - positive_margin, 12)   # 0.02, not 0.020000000000000018
        for arg, value in (("positive_margin", positive_margin), ("negative_margin", negative_margin)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not -1 <= value <= 1:
                raise ValueError(f"regularizers.d2d_ce.{arg} must be a cosine in [-1, 1], got "
                                 f"{value!r}; ReACGAN uses positive_margin 0.98 (negative 0.02)")
        self.positive_margin, self.negative_margin = positive_margin, negative_margin

    def loss(self, embed: Tensor, proxy: Tensor, same_class: Tensor) -> Tensor:
        return data_to_data_cross_entropy(embed, proxy, same_class, self.temperature,
                                          self.positive_margin, self.negative_margin)

    def extra_repr(self) -> str:
        return (f"{super().extra_repr()}, positive_margin={self.positive_margin}, "
                f"negative_margin={self.negative_margin}")
