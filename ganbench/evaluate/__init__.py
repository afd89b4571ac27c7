"""Evaluation: metrics on a generator (``evaluation``: one fixed sample pool, memoised features,
cached reference statistics) and on what ``ganbench eval`` compares (``sources``: image folders,
.npz files, dataset splits, run directories)."""
from .evaluation import EVAL_SEED, Evaluation, Sampler, evaluate_run, to_uint8, truncated_normal

__all__ = ["EVAL_SEED", "Evaluation", "Sampler", "evaluate_run", "to_uint8", "truncated_normal"]
