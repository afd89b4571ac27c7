"""Path-length regularization: lengths against finite differences, the EMA of ``a``, laziness."""
import math

import pytest
import torch
from torch import nn

from ganbench.interfaces import Batch
from ganbench_stylegan2.architecture import stylegan2
from ganbench_stylegan2.path_length import PathLengthPenalty, path_lengths

TINY = dict(z_dim=4, w_dim=4, mapping_layers=1, channel_base=32, channel_max=4)


def test_lengths_equal_a_finite_difference_jacobian_product():
    torch.manual_seed(0)
    G, _ = stylegan2(8, 1, 0, **TINY)
    G = G.double().eval()                      # noise strengths are 0: synthesis is deterministic
    z = torch.randn(2, 4, dtype=torch.float64)
    torch.manual_seed(7)
    lengths = path_lengths(G, z, None)
    torch.manual_seed(7)
    ws = G.mapping(z, None).detach().clone()
    img = G.synthesis(ws)
    y = torch.randn_like(img) / math.sqrt(img.shape[2] * img.shape[3])   # the same draw
    grad = torch.zeros_like(ws)
    eps = 1e-6
    for index in range(ws[0].numel()):
        step = torch.zeros(ws[0].numel(), dtype=ws.dtype)
        step[index] = eps
        step = step.reshape(ws.shape[1:])
        plus = (G.synthesis(ws + step) * y).flatten(1).sum(1)
        minus = (G.synthesis(ws - step) * y).flatten(1).sum(1)
        grad.reshape(2, -1)[:, index] = (plus - minus) / (2 * eps)
    expected = grad.square().sum(2).mean(1).sqrt()                  # sqrt(mean_l ||J_l^T y||^2)
    assert torch.allclose(lengths.double(), expected, rtol=1e-5)


class LinearG(nn.Module):
    """g(ws) = A vec(ws): the path length is known in closed form, ||A^T y||."""

    z_dim, num_ws, w_dim = 3, 2, 3

    def __init__(self):
        super().__init__()
        self.A = nn.Parameter(torch.randn(1 * 4 * 4, self.num_ws * self.w_dim))

    def mapping(self, z, y):
        return z.unsqueeze(1).repeat(1, self.num_ws, 1) * 2.0

    def synthesis(self, ws):
        return (ws.flatten(1) @ self.A.T).reshape(-1, 1, 4, 4)


def _batch(G, n=8):
    fake = torch.zeros(n, 1, 4, 4)
    return Batch(G, None, fake, None, torch.arange(n), fake, None)


def test_penalty_uses_the_ema_of_lengths_and_is_lazy():
    torch.manual_seed(0)
    G = LinearG()
    term = PathLengthPenalty(weight=2.0, every=4, decay=0.01)
    term.setup(G, None, 0)
    torch.manual_seed(3)
    value = term.g_term(_batch(G))                                  # step 0: due
    torch.manual_seed(3)
    torch.randn(4, 3)                                               # z: batch 8 // shrink 2
    y = torch.randn(4, 1, 4, 4) / 4.0
    grad = (y.flatten(1) @ G.A).reshape(4, 2, 3)
    lengths = grad.square().sum(2).mean(1).sqrt()
    a = 0.01 * lengths.mean()                                       # lerp(0, mean, 0.01)
    assert torch.allclose(term.pl_mean, a)
    assert value.item() == pytest.approx((2.0 * 4 * (lengths - a).square().mean()).item(), rel=1e-5)
    assert [term.g_term(_batch(G)) for _ in range(3)] == [None, None, None]
    assert term.g_term(_batch(G)) is not None and term.d_term(_batch(G)) is None
    value.backward()
    assert G.A.grad is not None and G.A.grad.abs().sum() > 0


def test_state_holds_the_ema_and_the_step_count():
    G = LinearG()
    term = PathLengthPenalty(every=2)
    term.g_term(_batch(G)), term.g_term(_batch(G)), term.g_term(_batch(G))
    state = term.state_dict()
    fresh = PathLengthPenalty(every=2)
    fresh.load_state_dict(state)
    assert torch.equal(fresh.pl_mean, term.pl_mean) and fresh.pl_mean > 0
    assert fresh.g_steps_seen == 3


def test_setup_rejects_a_generator_without_mapping_and_synthesis():
    with pytest.raises(ValueError, match="mapping"):
        PathLengthPenalty().setup(nn.Linear(2, 2), None, 0)


@pytest.mark.parametrize("bad", [dict(weight=-1.0), dict(every=0), dict(decay=0.0), dict(batch_shrink=0)])
def test_bad_settings_are_refused(bad):
    with pytest.raises(ValueError, match="path_length"):
        PathLengthPenalty(**bad)
