"""``ganbench.run.ema.EMA`` on a one-parameter model, with hand-computed numbers: from step
``start`` on, shadow = decay * shadow + (1 - decay) * param; before it, a copy of the weights;
buffers copied, never averaged; the state round-trips."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from ganbench.run.ema import EMA


class One(nn.Module):
    """One parameter w and one buffer b."""

    def __init__(self, w: float = 1.0, b: float = 0.0):
        super().__init__()
        self.w = nn.Parameter(torch.tensor([w]))
        self.register_buffer("b", torch.tensor([b]))


def set_(model: One, w: float | None = None, b: float | None = None) -> None:
    with torch.no_grad():
        if w is not None:
            model.w.fill_(w)
        if b is not None:
            model.b.fill_(b)


def value(t: torch.Tensor) -> float:
    return t.item()


def test_update_from_start_on_is_decay_times_shadow_plus_one_minus_decay_times_param():
    model = One(1.0)
    ema = EMA(model, decay=0.9, start=0)
    set_(model, w=3.0)
    ema.update(model, step=0)
    # 0.9 * 1.0 + 0.1 * 3.0 = 1.2   (with decay and 1 - decay swapped: 0.1 + 2.7 = 2.8)
    assert value(ema.shadow.w) == pytest.approx(1.2, abs=1e-6)
    set_(model, w=-2.0)
    ema.update(model, step=1)
    # 0.9 * 1.2 + 0.1 * (-2.0) = 0.88
    assert value(ema.shadow.w) == pytest.approx(0.88, abs=1e-6)
    assert value(model.w) == -2.0                    # the model itself is never touched


def test_other_decay_hand_computed():
    model = One(4.0)
    ema = EMA(model, decay=0.75, start=0)
    set_(model, w=0.0)
    ema.update(model, step=5)
    assert value(ema.shadow.w) == pytest.approx(3.0, abs=1e-6)       # 0.75 * 4 + 0.25 * 0
    set_(model, w=8.0)
    ema.update(model, step=6)
    assert value(ema.shadow.w) == pytest.approx(4.25, abs=1e-6)      # 0.75 * 3 + 0.25 * 8


def test_before_start_the_shadow_copies_the_weights_then_averages():
    model = One(1.0)
    ema = EMA(model, decay=0.9, start=3)
    for step, w in zip(range(3), (5.0, 7.0, 3.0)):
        set_(model, w=w)
        ema.update(model, step=step)
        assert value(ema.shadow.w) == w, f"step {step} < start: a copy, not an average"
    set_(model, w=13.0)
    ema.update(model, step=3)                                  # step == start: averaging begins
    assert value(ema.shadow.w) == pytest.approx(0.9 * 3.0 + 0.1 * 13.0, abs=1e-6)   # 4.0


def test_buffers_are_copied_not_averaged():
    model = One(1.0, b=2.0)
    ema = EMA(model, decay=0.9, start=0)
    set_(model, w=3.0, b=10.0)
    ema.update(model, step=0)
    assert value(ema.shadow.b) == 10.0                         # an average would give 2.8
    assert value(ema.shadow.w) == pytest.approx(1.2, abs=1e-6)


def test_shadow_is_a_separate_frozen_eval_copy():
    model = One(1.0)
    ema = EMA(model, decay=0.9)
    assert ema.shadow is not model and ema.shadow.w is not model.w
    assert not ema.shadow.training and not ema.shadow.w.requires_grad
    set_(model, w=5.0)
    assert value(ema.shadow.w) == 1.0                          # only update() moves it


def test_state_dict_round_trip():
    model = One(1.0, b=2.0)
    ema = EMA(model, decay=0.9, start=0)
    set_(model, w=3.0, b=4.0)
    ema.update(model, step=0)
    state = ema.state_dict()
    other = EMA(One(0.0, b=0.0), decay=0.9, start=0)
    other.load_state_dict(state)
    assert value(other.shadow.w) == value(ema.shadow.w) and value(other.shadow.b) == 4.0
    # the restored average continues exactly like the original
    set_(model, w=-1.0)
    ema.update(model, step=1)
    other.update(model, step=1)
    assert torch.equal(other.shadow.w, ema.shadow.w)
    assert value(ema.shadow.w) == pytest.approx(0.9 * 1.2 + 0.1 * -1.0, abs=1e-6)   # 0.98


@pytest.mark.parametrize("decay", [0.0, 1.0, -0.5, 1.5])
def test_decay_outside_the_open_unit_interval_is_refused(decay):
    with pytest.raises(ValueError, match="ema_decay"):
        EMA(One(), decay=decay)
