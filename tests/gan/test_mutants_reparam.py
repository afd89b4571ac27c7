"""Kills mutants of ``plugins/ganbench_gan/reparam.py`` that tests/gan/test_normalizers.py lets
survive (`make mutation`, docs/testing.md): spectral norm's power iteration against a hand-written
one for 1 and 3 iterations, the iteration-count check and the default epsilons."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from ganbench_gan.reparam import SpectralNormalized, WeightNormalized


def _reference(w: torch.Tensor, u: torch.Tensor, iterations: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Miyato et al.'s power iteration: (sigma, new u) after `iterations` steps from u."""
    v = F.normalize(w.t() @ u, dim=0)
    for _ in range(iterations - 1):
        u = F.normalize(w @ v, dim=0)
        v = F.normalize(w.t() @ u, dim=0)
    u = F.normalize(w @ v, dim=0)
    return torch.linalg.vector_norm(w @ v), u


def _layer() -> nn.Linear:
    # singular values 1.0 and 0.95 (close, so each iteration still moves the estimate)
    layer = nn.Linear(2, 3, bias=False)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 0.95], [0.0, 0.0]]))
    return layer


@pytest.mark.parametrize("iterations", [1, 2, 3])
def test_power_iteration_matches_the_reference(iterations):
    sn = SpectralNormalized(_layer(), power_iterations=iterations)
    u0 = F.normalize(torch.tensor([0.3, 1.0, 0.2]), dim=0)
    sn.u = u0.clone()
    sigma = sn.sigma()
    ref_sigma, ref_u = _reference(sn.layer.weight.detach(), u0, iterations)
    torch.testing.assert_close(sigma, ref_sigma, rtol=1e-7, atol=1e-7)
    torch.testing.assert_close(sn.u, ref_u, rtol=1e-7, atol=1e-7)
    # eval mode: the same estimate from the stored u, and u unchanged
    sn.eval()
    u1 = sn.u.clone()
    ref_eval = torch.linalg.vector_norm(sn.layer.weight.detach() @ F.normalize(sn.layer.weight.detach().t() @ u1, dim=0))
    torch.testing.assert_close(sn.sigma(), ref_eval, rtol=1e-7, atol=1e-7)
    assert torch.equal(sn.u, u1)


def test_iterations_differ():
    # the reference itself separates 1, 2 and 3 iterations on this layer
    w = _layer().weight.detach()
    u0 = F.normalize(torch.tensor([0.3, 1.0, 0.2]), dim=0)
    sigmas = [float(_reference(w, u0, k)[0]) for k in (1, 2, 3)]
    assert sigmas[0] < sigmas[1] < sigmas[2] < 1.0


@pytest.mark.parametrize("bad", [0, -1])
def test_at_least_one_power_iteration(bad):
    with pytest.raises(ValueError, match="power_iterations"):
        SpectralNormalized(nn.Linear(2, 2), power_iterations=bad)


def test_defaults():
    sn = SpectralNormalized(nn.Linear(2, 2))
    assert (sn.power_iterations, sn.eps) == (1, 1e-12)
    assert WeightNormalized(nn.Linear(2, 2)).eps == 1e-12
