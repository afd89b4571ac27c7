"""Boundaries of the conditional losses' settings (bools are not numbers, embed_dim and
num_classes may be 1), the pair probability staying in [0, 1], and the default negative margin
being 1 - positive_margin to float precision."""
import pytest
import torch
from torch import nn

from ganbench.components import resolve
from ganbench_gan.conditional_losses import same_class_probability


class TrunkD(nn.Module):
    feature_dim = 2

    def __init__(self):
        super().__init__()
        self.c = nn.Linear(2, 1)

    def forward(self, x, y=None):
        return self.c(x).squeeze(1)


@pytest.mark.parametrize("name,kwargs,binding", [
    ("contragan_2c", dict(temperature=True), "regularizers.contragan_2c.temperature"),
    ("d2d_ce", dict(positive_margin=True), "regularizers.d2d_ce.positive_margin"),
    ("d2d_ce", dict(negative_margin=False), "regularizers.d2d_ce.negative_margin"),
])
def test_bools_are_not_numbers(name, kwargs, binding):
    with pytest.raises(ValueError, match=binding.replace(".", r"\.")):
        resolve("regularizers", name, **kwargs)


@pytest.mark.parametrize("name", ["tac", "contragan_2c", "d2d_ce"])
def test_one_class_and_one_embedding_dimension_are_accepted(name):
    kwargs = {} if name == "tac" else {"embed_dim": 1}
    term = resolve("regularizers", name, **kwargs)
    term.setup(None, TrunkD(), num_classes=1)


def test_pair_probability_stays_in_zero_one_for_any_soft_labels():
    labels = torch.tensor([[2.0, 0.0], [-1.0, 0.0], [0.5, 0.5]])
    p = same_class_probability(labels, 2)
    assert torch.equal(p, torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.5]]))


def test_default_negative_margin_is_one_minus_positive_margin():
    positive = 0.123456789012345
    d2d = resolve("regularizers", "d2d_ce", positive_margin=positive)
    assert d2d.negative_margin == pytest.approx(1 - positive, rel=0, abs=1e-12)
    assert resolve("regularizers", "d2d_ce", positive_margin=0.7).negative_margin == 0.3
