"""Path-length regularization: the official defaults, y's 1 / sqrt(H W) scale on a non-square
image, the bounds of the settings, the generator check, weight 0 and the shrunk batch size."""
import math

import pytest
import torch
from torch import nn

from ganbench.components import resolve
from ganbench.interfaces import Batch
from ganbench_stylegan2.path_length import PathLengthPenalty, path_lengths


class WideG(nn.Module):
    """g(ws) = A vec(ws) as a 1 x 2 x 8 image (non-square); records the batch sizes it maps."""

    z_dim, num_ws, w_dim = 3, 2, 3

    def __init__(self):
        super().__init__()
        self.A = nn.Parameter(torch.randn(2 * 8, self.num_ws * self.w_dim, generator=torch.Generator().manual_seed(0)))
        self.mapped = []

    def mapping(self, z, y):
        self.mapped.append(z.shape[0])
        return z.unsqueeze(1).repeat(1, self.num_ws, 1)

    def synthesis(self, ws):
        return (ws.flatten(1) @ self.A.T).reshape(-1, 1, 2, 8)


def _batch(G, n):
    fake = torch.zeros(n, 1, 2, 8)
    return Batch(G, None, fake, None, torch.arange(n), fake, None)


def test_official_defaults():
    term = resolve("regularizers", "path_length")
    assert (term.weight, term.every, term.decay, term.batch_shrink) == (2.0, 4, 0.01, 2)


def test_y_is_scaled_by_one_over_sqrt_of_height_times_width():
    G = WideG()
    torch.manual_seed(5)
    lengths = path_lengths(G, torch.randn(3, 3), None)
    torch.manual_seed(5)
    torch.randn(3, 3)
    y = torch.randn(3, 1, 2, 8) / math.sqrt(2 * 8)
    grad = (y.flatten(1) @ G.A).reshape(3, 2, 3)
    assert torch.allclose(lengths, grad.square().sum(2).mean(1).sqrt(), rtol=1e-5)


def test_settings_at_their_bounds_are_accepted():
    PathLengthPenalty(weight=0.0, every=1, decay=1.0, batch_shrink=1)
    PathLengthPenalty(weight=0.5)


@pytest.mark.parametrize("bad", [dict(every=True), dict(every=2.5), dict(batch_shrink=False),
                                 dict(batch_shrink=1.5), dict(decay=1.5), dict(decay=-0.1)])
def test_settings_out_of_bounds_are_refused(bad):
    with pytest.raises(ValueError, match="regularizers.path_length"):
        PathLengthPenalty(**bad)


@pytest.mark.parametrize("half", ["mapping", "synthesis"])
def test_setup_needs_both_mapping_and_synthesis(half):
    G = nn.Linear(2, 2)
    setattr(G, half, lambda *args: None)
    with pytest.raises(ValueError, match="mapping"):
        PathLengthPenalty().setup(G, None, 0)


def test_weight_zero_never_runs_G_and_weight_one_does():
    G = WideG()
    off = PathLengthPenalty(weight=0.0, every=1)
    assert [off.g_term(_batch(G, 4)) for _ in range(2)] == [None, None] and G.mapped == []
    assert PathLengthPenalty(weight=1.0, every=1).g_term(_batch(G, 4)) is not None


@pytest.mark.parametrize("batch_size,shrink,n", [(1, 2, 1), (2, 2, 1), (3, 2, 1), (8, 2, 4), (9, 4, 2)])
def test_penalty_uses_batch_over_shrink_images_at_least_one(batch_size, shrink, n):
    G = WideG()
    value = PathLengthPenalty(every=1, batch_shrink=shrink).g_term(_batch(G, batch_size))
    assert G.mapped == [n] and torch.isfinite(value)
