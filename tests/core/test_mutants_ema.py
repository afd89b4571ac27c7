"""Kills mutants of ``ganbench/run/ema.py`` that tests/core/test_ema.py let survive
(`make mutation`, docs/testing.md)."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from ganbench.run.ema import EMA


def test_default_start_averages_from_step_zero():
    # ema.py:18 `start: int = 0` -> 1: step 0 would copy the weights instead of averaging.
    model = nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        model.weight.fill_(1.0)
    ema = EMA(model, decay=0.5)
    with torch.no_grad():
        model.weight.fill_(3.0)
    ema.update(model, step=0)
    assert ema.shadow.weight.item() == pytest.approx(2.0)
