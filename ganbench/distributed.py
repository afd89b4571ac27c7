"""Data-parallel training across processes launched by ``torchrun``.

Why not ``torch.nn.parallel.DistributedDataParallel``: DDP synchronises gradients through hooks
armed by the wrapped module's ``forward``, but the loop calls ``D.features`` and ``D.logits``
separately (heads of other plugins hang off the trunk) and runs several backward passes through
the same modules per step (gradient penalties, rotation heads), which DDP's bucketed hooks do
not support cleanly. Instead every rank starts from rank 0's weights and gradients are averaged
with one coalesced all-reduce per optimizer step, which is what DDP computes. Batch-norm
statistics are reduced across ranks by the normalizers (see ``all_reduce_mean``), spectral-norm
vectors stay identical because they depend only on the (identical) weights, and EMA copies
follow identical parameters. Only rank 0 writes files.
"""
from __future__ import annotations

import os
from typing import Any

import torch
import torch.distributed as dist


def is_distributed() -> bool:
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def rank() -> int:
    return dist.get_rank() if is_distributed() else 0


def world_size() -> int:
    return dist.get_world_size() if is_distributed() else 1


def init_from_env() -> bool:
    """Join the process group that torchrun describes in the environment; no-op otherwise."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1 or is_distributed():
        return is_distributed()
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    if backend == "nccl":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    dist.init_process_group(backend)
    return True


def broadcast_modules(*modules: torch.nn.Module) -> None:
    """Copy rank 0's parameters and buffers to every rank."""
    if not is_distributed():
        return
    for module in modules:
        for tensor in list(module.parameters()) + list(module.buffers()):
            dist.broadcast(tensor.data, src=0)


def average_gradients(params: list[torch.Tensor]) -> None:
    """Average gradients over ranks with one flat all-reduce (what DDP would compute)."""
    if not is_distributed():
        return
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat)
    flat /= world_size()
    offset = 0
    for g in grads:
        g.copy_(flat[offset:offset + g.numel()].view_as(g))
        offset += g.numel()


def all_reduce_mean(tensor: torch.Tensor) -> torch.Tensor:
    """Differentiable mean over ranks (for batch-norm statistics); identity when not distributed.

    Every rank must call it in the same order (it is a collective), in forward and backward."""
    if not is_distributed():
        return tensor
    return _AllReduceSum.apply(tensor) / world_size()


class _AllReduceSum(torch.autograd.Function):
    """y = sum over ranks of x. Each rank's loss depends on y, so the gradient of the summed loss
    with respect to one rank's x is the sum over ranks of dL_r/dy: an all-reduce again.
    (torch.distributed.nn.functional.all_reduce does the same but is deprecated.)"""

    @staticmethod
    def forward(ctx, tensor: torch.Tensor) -> torch.Tensor:
        out = tensor.clone(memory_format=torch.contiguous_format)
        dist.all_reduce(out)
        return out

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        grad = grad.clone(memory_format=torch.contiguous_format)
        dist.all_reduce(grad)
        return grad


def barrier() -> None:
    if is_distributed():
        dist.barrier()


def all_ranks_true(flag: bool) -> bool:
    """True when ``flag`` is True on every rank (a collective: every rank must call it), so that
    ranks whose local losses differ still agree on a decision such as "diverged"."""
    if not is_distributed():
        return flag
    device = f"cuda:{torch.cuda.current_device()}" if dist.get_backend() == "nccl" else "cpu"
    value = torch.tensor([1.0 if flag else 0.0], device=device)
    dist.all_reduce(value, op=dist.ReduceOp.MIN)
    return bool(value.item() == 1.0)


def gather_to_first(obj: Any) -> list[Any] | None:
    """Every rank's ``obj`` (picklable), as a list in rank order on rank 0 and None elsewhere;
    ``[obj]`` when not distributed. A collective: every rank must call it."""
    if not is_distributed():
        return [obj]
    gathered = [None] * world_size() if rank() == 0 else None
    dist.gather_object(obj, gathered, dst=0)
    return gathered
