"""The drift regularizer on known logits."""
import pytest
import torch

from ganbench.interfaces import Batch
from ganbench_pggan.drift import Drift


def batch_with(real_logits):
    empty = torch.zeros(0)
    return Batch(G=None, D=None, real=empty, real_labels=None, real_index=empty, fake=empty,
                 fake_labels=None, real_logits=real_logits)


def test_drift_is_eps_times_mean_square_of_real_logits():
    logits = torch.tensor([1.0, -2.0, 3.0, 0.0])
    term = Drift()
    term.setup(None, None, 0)
    assert term.d_term(batch_with(logits)).item() == pytest.approx(0.001 * 14 / 4)
    assert Drift(eps_drift=0.5).d_term(batch_with(logits)).item() == pytest.approx(0.5 * 3.5)
    assert term.g_term(batch_with(logits)) is None
    assert list(term.parameters()) == []


def test_drift_gradient_reaches_the_logits():
    logits = torch.tensor([2.0, -1.0], requires_grad=True)
    Drift(eps_drift=0.1).d_term(batch_with(logits)).backward()
    torch.testing.assert_close(logits.grad, 2 * 0.1 * logits.detach() / 2)


def test_drift_without_real_logits_or_with_negative_eps_is_a_clear_error():
    with pytest.raises(ValueError, match="needs batch.real_logits"):
        Drift().d_term(batch_with(None))
    with pytest.raises(ValueError, match="eps_drift must be >= 0"):
        Drift(eps_drift=-1)
