"""Search spaces: hyperparameters drawn for each trial of a study, the Compare GAN way.

A study declares distributions over named parameters and a number of trials::

    Benchmark.search = {
        'lr': ('log_uniform', 1e-5, 1e-2),       # uniform in log space
        'beta1': ('choice', [0.0, 0.5, 0.9]),
        'd_steps': ('int', 1, 5),                # inclusive
        'gp': ('uniform', 0.1, 100.0),
        'd_lr': ('expr', 'lr * 2'),              # derived from the others (a TTUR ratio)
    }
    Benchmark.trials = 16
    Benchmark.variants = {'hinge': ['Experiment.g_lr = {lr}', 'Experiment.d_lr = {d_lr}', ...]}

A variant that mentions ``{name}`` of a search parameter gets one cell per trial (``<variant>__
trial-<i>``), and only of the parameters it mentions, like axes. Trials are the points of a
scrambled Sobol sequence (scipy) seeded by the space itself: every variant sees the same draws of
the parameters it shares with the others (a fair, paired comparison), the first N draws do not
depend on how many are asked for (raising ``trials`` keeps the trials already run), and changing
the space changes the draws (the changed-configuration check then names the runs).
"""
from __future__ import annotations

import ast
import hashlib
import json
import math
import operator
from typing import Any, Mapping, Sequence

KINDS = ("log_uniform", "uniform", "int", "choice", "expr")
SIGNIFICANT = 4    # drawn floats are rounded to 4 significant digits: readable, and exact in gin text


def check_space(space: Mapping[str, Sequence[Any]]) -> None:
    """Raise ValueError naming the parameter for a malformed distribution or an empty range."""
    for name, spec in space.items():
        where = f"Benchmark.search[{name!r}]"
        if not name.isidentifier():
            raise ValueError(f"{where}: parameter names must be identifiers (they appear as {{{name}}} in bindings)")
        if not isinstance(spec, (list, tuple)) or not spec or spec[0] not in KINDS:
            raise ValueError(f"{where} = {spec!r}: expected (kind, ...) with kind one of {', '.join(KINDS)}, "
                             "e.g. ('log_uniform', 1e-5, 1e-2) or ('choice', [1, 2, 5])")
        kind, args = spec[0], list(spec[1:])
        if kind == "choice":
            if len(args) != 1 or not isinstance(args[0], (list, tuple)) or not args[0]:
                raise ValueError(f"{where} = {spec!r}: a choice needs a non-empty list of values")
        elif kind == "expr":
            if len(args) != 1 or not isinstance(args[0], str):
                raise ValueError(f"{where} = {spec!r}: an expr needs one expression, e.g. ('expr', 'lr * 2')")
            unknown = sorted(expression_names(args[0]) - (set(space) - {name}))
            if unknown:
                raise ValueError(f"{where}: the expression names {unknown}, which are not search parameters")
        else:
            _check_range(where, spec, kind, args)


def _check_range(where: str, spec: Sequence[Any], kind: str, args: list[Any]) -> None:
    if len(args) != 2 or not all(isinstance(a, (int, float)) and math.isfinite(a) for a in args):
        raise ValueError(f"{where} = {spec!r}: {kind} needs (low, high) numbers")
    low, high = args
    if not low < high:
        raise ValueError(f"{where} = {spec!r}: the range is empty (low must be below high)")
    if kind == "log_uniform" and low <= 0:
        raise ValueError(f"{where} = {spec!r}: log_uniform needs low > 0")
    if kind == "int" and not (float(low).is_integer() and float(high).is_integer()):
        raise ValueError(f"{where} = {spec!r}: int needs integer bounds")


def draw(space: Mapping[str, Sequence[Any]], trials: int) -> list[dict[str, Any]]:
    """The first ``trials`` points of the space (a list of {name: value}), deterministic."""
    from scipy.stats import qmc
    check_space(space)
    sampled = sorted(n for n, spec in space.items() if spec[0] != "expr")
    if trials <= 0:
        return []
    # Sobol points come in powers of two (scipy warns otherwise); the first ones do not depend
    # on how many are drawn, so the prefix is the same trials whatever ``trials`` is
    count = 2 ** math.ceil(math.log2(trials))
    units = (qmc.Sobol(len(sampled), scramble=True, seed=space_seed(space)).random(count)[:trials]
             if sampled else [[] for _ in range(trials)])
    points = []
    for unit in units:
        point = {name: from_unit(space[name], float(u)) for name, u in zip(sampled, unit)}
        for name, spec in space.items():
            if spec[0] == "expr":
                point[name] = _round(evaluate(spec[1], point))
        points.append(point)
    return points


def space_seed(space: Mapping[str, Sequence[Any]]) -> int:
    blob = json.dumps({k: list(v) for k, v in sorted(space.items())}, sort_keys=True, default=repr)
    return int(hashlib.sha256(blob.encode()).hexdigest()[:8], 16)


def from_unit(spec: Sequence[Any], u: float) -> Any:
    """Map u in [0, 1) to the distribution ``spec``."""
    kind = spec[0]
    if kind == "choice":
        values = list(spec[1])
        return values[min(int(u * len(values)), len(values) - 1)]
    low, high = spec[1], spec[2]
    if kind == "int":
        return int(low) + min(int(u * (high - low + 1)), int(high - low))
    if kind == "log_uniform":
        return _round(math.exp(math.log(low) + u * (math.log(high) - math.log(low))))
    return _round(low + u * (high - low))


def _round(value: float) -> float:
    return float(f"{value:.{SIGNIFICANT}g}")


_OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
              ast.Div: operator.truediv, ast.Pow: operator.pow, ast.USub: operator.neg}


def evaluate(expression: str, values: Mapping[str, Any]) -> float:
    """Arithmetic over numbers and drawn parameters (+ - * / ** and parentheses), nothing else."""
    def walk(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return node.value
        if isinstance(node, ast.Name) and node.id in values:
            return values[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            return _OPERATORS[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.UnaryOp) and type(node.op) in _OPERATORS:
            return _OPERATORS[type(node.op)](walk(node.operand))
        raise ValueError(f"search expression {expression!r}: only numbers, search parameters and "
                         "+ - * / ** are allowed")
    return walk(ast.parse(expression, mode="eval"))


def expression_names(expression: str) -> set[str]:
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as err:
        raise ValueError(f"search expression {expression!r} is not valid: {err.msg}") from None
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def gin_literal(value: Any) -> str:
    """How a drawn value is written into a binding (``{lr}`` -> ``0.0003``)."""
    return repr(value)
