"""Rotation self-supervision: the rotations, the loss against a hand computation, where gradients go."""
import math
from types import SimpleNamespace

import pytest
import torch
from torch import nn

from ganbench_label_efficiency.rotation import RotationSelfSupervision, four_rotations


class PixelD(nn.Module):
    """D~(x) = the 4 pixels of a 1x2x2 image, unchanged; one parameter so setup can find a device."""

    feature_dim = 4

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(()))

    def features(self, x):
        return self.scale * x.flatten(1)


def test_four_rotations_are_counter_clockwise_quarter_turns():
    image = torch.tensor([[1.0, 2.0], [3.0, 4.0]]).view(1, 1, 2, 2)
    rotated, targets = four_rotations(image)
    assert rotated.view(4, 4).tolist() == [[1, 2, 3, 4], [2, 4, 1, 3], [4, 3, 2, 1], [3, 1, 4, 2]]
    assert targets.tolist() == [0, 1, 2, 3]


def ss_with_identity_head(**kwargs):
    term = RotationSelfSupervision(**kwargs)
    D = PixelD()
    term.setup(None, D, num_classes=0)
    with torch.no_grad():   # logit j = pixel j
        term.head.weight.copy_(torch.eye(4))
        term.head.bias.zero_()
    return term, D


def hand_loss():
    # Rotations of [[1,2],[3,4]] flatten to [1,2,3,4], [2,4,1,3], [4,3,2,1], [3,1,4,2]; every row
    # has the same log-sum-exp, and the target logits (rotation r -> entry r) are 1, 4, 2, 2.
    lse = math.log(sum(math.exp(v) for v in (1, 2, 3, 4)))
    return lse - (1 + 4 + 2 + 2) / 4


def test_d_and_g_terms_match_hand_computation_on_the_rotated_fraction():
    term, _ = ss_with_identity_head(d_weight=1.5, g_weight=0.2, rotated_fraction=0.25)
    first = torch.tensor([[1.0, 2.0], [3.0, 4.0]]).view(1, 1, 2, 2)
    # Only the first quarter of the batch (1 of 4 images) is rotated; the others would change the loss.
    batch = torch.cat([first, torch.full((3, 1, 2, 2), 9.0)])
    batch_data = SimpleNamespace(real=batch, fake=batch.clone())
    assert term.d_term(batch_data).item() == pytest.approx(1.5 * hand_loss(), rel=1e-5)
    assert term.g_term(batch_data).item() == pytest.approx(0.2 * hand_loss(), rel=1e-5)


def test_g_term_reaches_the_generator_and_head_is_the_only_own_parameter():
    term, D = ss_with_identity_head()
    g_weight = nn.Parameter(torch.tensor(0.5))
    fake = g_weight * torch.arange(16.0).view(4, 1, 2, 2)
    term.g_term(SimpleNamespace(fake=fake, real=None)).backward()
    assert g_weight.grad is not None and g_weight.grad.abs() > 0
    own = {id(p) for p in term.parameters()}
    assert own == {id(term.head.weight), id(term.head.bias)}
    assert id(D.scale) not in own


def test_zero_weight_switches_a_side_off_and_bad_settings_are_rejected():
    term, _ = ss_with_identity_head(g_weight=0.0)
    assert term.g_term(SimpleNamespace(fake=torch.zeros(4, 1, 2, 2))) is None
    with pytest.raises(ValueError, match="rotated_fraction"):
        RotationSelfSupervision(rotated_fraction=0)
    with pytest.raises(ValueError, match="d_weight"):
        RotationSelfSupervision(d_weight=-1)
