"""SWD's GPU sort branch on a CPU-only machine (`make mutation` survivors swd.py `x.sort(dim=2)`
and `x.sort(dim=0)`, docs/testing.md): ``_sorted_rows`` sorts with numpy on CPU and with
``torch.sort`` elsewhere; a tensor that reports a CUDA device (its data stays on the CPU) takes
the GPU branch, so its result can be checked against the CPU one."""
from __future__ import annotations

from types import SimpleNamespace

import torch

from ganbench_metrics import swd


class ReportsCuda(torch.Tensor):
    """A CPU tensor whose ``.device`` says CUDA: what the branch in ``_sorted_rows`` looks at."""

    @property
    def device(self):
        return SimpleNamespace(type="cuda")


def test_the_gpu_branch_sorts_each_row_like_the_cpu_branch():
    x = torch.randn(5, 9, generator=torch.Generator().manual_seed(0))
    on_gpu = swd._sorted_rows(x.clone().as_subclass(ReportsCuda))
    assert isinstance(on_gpu, ReportsCuda)                 # the branch under test was taken
    on_gpu = on_gpu.as_subclass(torch.Tensor)
    on_cpu = swd._sorted_rows(x.clone())
    assert torch.equal(on_gpu, on_cpu)
    assert torch.equal(on_gpu, torch.from_numpy(x.numpy().copy()).sort(dim=1).values)
    assert not torch.equal(on_gpu, x.sort(dim=0).values)   # rows, not columns
