"""Kills the survivors of `make mutation --module pggan_drift` (docs/testing.md): eps_drift = 0 is a
valid setting (it switches PGGAN's drift penalty off) while a negative eps is refused."""
from __future__ import annotations

import pytest
import torch

from ganbench.interfaces import Batch
from ganbench_pggan.drift import Drift


def batch_with(real_logits):
    empty = torch.zeros(0)
    return Batch(G=None, D=None, real=empty, real_labels=None, real_index=empty, fake=empty,
                 fake_labels=None, real_logits=real_logits)


def test_zero_eps_is_accepted_and_switches_the_penalty_off():
    # eps_drift = 0 is the ablation "WGAN-GP without drift": it must build and add exactly 0.
    term = Drift(eps_drift=0.0)
    assert term.d_term(batch_with(torch.tensor([1.0, -2.0, 3.0]))).item() == 0.0
    with pytest.raises(ValueError, match="eps_drift must be >= 0"):
        Drift(eps_drift=-1e-3)
