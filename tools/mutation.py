"""Mutation testing of ganbench's science modules with cosmic-ray (`make mutation`).

For each science module this script

1. runs the module's covering fast tests once, unmutated, under coverage (they must pass; the
   wall time sets the per-mutant timeout);
2. builds the module's mutants with cosmic-ray's operators, restricted to one representative
   replacement per operator (see OPERATORS below);
3. skips mutants inside annotations (every science module has `from __future__ import
   annotations` and nothing evaluates them; counted in the last column), and marks mutants on
   lines those tests never execute as survived without running them (a mutant in code that
   never runs cannot be killed; they are listed so a test can be added);
4. applies every other mutant in place, one at a time (cosmic-ray's operators and its
   apply/restore), runs only the covering tests (`pytest -x -q -p no:cacheprovider FILES`) in a
   child forked from this process, which has already imported torch and the other third-party
   libraries but nothing from ganbench (so the child imports the mutated source; no bytecode is
   written), with a per-mutant timeout, and restores the file;
5. prints and writes a per-module table (build/mutation/report.md, build/mutation/report.json)
   and the surviving mutants with their diffs (build/mutation/survivors.md).

Mutating in place is why cosmic-ray was chosen: the project is installed in editable mode and
plugins load through entry points, so a tool that copies the sources elsewhere may test the
unmutated originals. A module whose covering tests kill no mutant at all is reported as an error
(it would mean the mutants never reach the imported code).

Known equivalent mutants (the mutated program behaves identically) are listed in EQUIVALENT with
the reason; they are left out of the score: score = killed / (total - equivalent). The reasons
are also in docs/testing.md.

Usage: python tools/mutation.py [--module NAME ...] [--list] [--recheck] [--deadline HH:MM]
--recheck re-runs only the survivors recorded in build/mutation/report.json (after adding tests).
Run it from a checkout that nobody else is using: the mutants are applied in place, one at a
time, and restored after each test run (also on SIGINT/SIGTERM; after a SIGKILL, repair with
`git checkout -- <module>`). It refuses to start when a module it would mutate has uncommitted
changes. To run several checkouts side by side, point PYTHONPATH at each (`PYTHONPATH=$PWD:$PWD/plugins`)
so that its imports do not go to the editable install's checkout.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "mutation"
PYTEST = "-m pytest -x -q -p no:cacheprovider -m 'not slow'"

# module name -> (path, covering fast test files)
MODULES: dict[str, tuple[str, list[str]]] = {
    "losses": ("plugins/ganbench_gan/losses.py", ["tests/gan/test_losses.py"]),
    "regularizers": (
        "plugins/ganbench_gan/regularizers.py",
        ["tests/gan/test_regularizers.py", "tests/gan/test_penalty_points.py"],
    ),
    "normalizers": ("plugins/ganbench_gan/normalizers.py", ["tests/gan/test_normalizers.py"]),
    "reparam": ("plugins/ganbench_gan/reparam.py", ["tests/gan/test_normalizers.py"]),
    "ema": ("ganbench/run/ema.py", ["tests/core/test_ema.py"]),
    "fid": ("plugins/ganbench_metrics/fid.py", ["tests/metrics/test_fid.py"]),
    "kid": ("plugins/ganbench_metrics/kid.py", ["tests/metrics/test_kid_is.py"]),
    "inception_score": ("plugins/ganbench_metrics/inception_score.py", ["tests/metrics/test_kid_is.py"]),
    "precision_recall": (
        "plugins/ganbench_metrics/precision_recall.py",
        ["tests/metrics/test_precision_recall.py"],
    ),
    "swd": (
        "plugins/ganbench_metrics/swd.py",
        ["tests/metrics/test_swd.py", "tests/metrics/test_swd_normalisation.py"],
    ),
    "ms_ssim": ("plugins/ganbench_metrics/ms_ssim.py", ["tests/metrics/test_ms_ssim.py"]),
    "label_accuracy": (
        "plugins/ganbench_metrics/label_accuracy.py",
        ["tests/metrics/test_metric_plugins.py", "tests/metrics/test_metric_directions.py",
         "tests/metrics/test_mutants_label_metrics.py"],
    ),
    "label_metrics": ("plugins/ganbench_metrics/label_metrics.py", ["tests/metrics/test_metric_plugins.py"]),
    "feature_metrics": (
        "plugins/ganbench_metrics/feature_metrics.py",
        ["tests/metrics/test_metric_plugins.py", "tests/metrics/test_fid.py"],
    ),
    "image_metrics": (
        "plugins/ganbench_metrics/image_metrics.py",
        ["tests/metrics/test_metric_plugins.py", "tests/metrics/test_metric_directions.py"],
    ),
    "subsets": (
        "plugins/ganbench_label_efficiency/subsets.py",
        ["tests/label_efficiency/test_subsets_and_simple_labelers.py"],
    ),
    "simple": (
        "plugins/ganbench_label_efficiency/simple.py",
        ["tests/label_efficiency/test_subsets_and_simple_labelers.py"],
    ),
    "kmeans": ("plugins/ganbench_label_efficiency/kmeans.py", ["tests/label_efficiency/test_kmeans.py"]),
    "pretrained": (
        "plugins/ganbench_label_efficiency/pretrained.py",
        ["tests/label_efficiency/test_pretrained_labelers.py", "tests/label_efficiency/test_clustering_soft_labels.py"],
    ),
    "cotraining": ("plugins/ganbench_label_efficiency/cotraining.py", ["tests/label_efficiency/test_cotraining.py"]),
    "rotation": ("plugins/ganbench_label_efficiency/rotation.py", ["tests/label_efficiency/test_rotation_ss.py"]),
    "labeler_base": (
        "plugins/ganbench_label_efficiency/base.py",
        ["tests/label_efficiency/test_label_leaks.py", "tests/label_efficiency/test_subsets_and_simple_labelers.py"],
    ),
    "results": ("ganbench/results.py", ["tests/core/test_results.py"]),
    # test_latex_table_is_balanced... trains a toy study first (15 s); it is left out here and
    # tests/report/test_mutants_tables.py checks the table formatting on synthetic summaries.
    "tables": (
        "ganbench/report/tables.py",
        [
            "tests/report/test_tables.py",
            "tests/report/test_number_format.py",
            "tests/report/test_confidence.py",
            "--deselect=tests/report/test_tables.py::test_latex_table_is_balanced_with_one_row_per_variant",
        ],
    ),
    # the rendering primitives tables.py writes with (formats, booktabs, escaping, CSV)
    "report_text": (
        "ganbench/report/text.py",
        [
            "tests/report/test_tables.py",
            "tests/report/test_number_format.py",
            "tests/report/test_confidence.py",
            "tests/report/test_mutants_tables.py",
            "--deselect=tests/report/test_tables.py::test_latex_table_is_balanced_with_one_row_per_variant",
        ],
    ),
    "grid": ("ganbench/config/benchmark.py", ["tests/core/test_grid.py"]),
}

# tests/<area>/test_mutants_<module>.py files written to kill survivors join the module's tests.
MUTANT_TEST_DIRS = ["tests/gan", "tests/core", "tests/metrics", "tests/label_efficiency", "tests/report"]

# One representative replacement per operator (mutmut's choice, roughly): cosmic-ray's full set
# replaces every binary operator by all 11 others and every comparison by all 7 others, which
# multiplies the run time by ~8 for mutants that nearly always die together.
OPERATORS = {
    "core/ReplaceBinaryOperator_Add_Sub",
    "core/ReplaceBinaryOperator_Sub_Add",
    "core/ReplaceBinaryOperator_Mul_Div",
    "core/ReplaceBinaryOperator_Div_Mul",
    "core/ReplaceBinaryOperator_FloorDiv_Div",
    "core/ReplaceBinaryOperator_Mod_FloorDiv",
    "core/ReplaceBinaryOperator_Pow_Mul",
    "core/ReplaceBinaryOperator_BitOr_BitAnd",
    "core/ReplaceBinaryOperator_BitAnd_BitOr",
    "core/ReplaceBinaryOperator_LShift_RShift",
    "core/ReplaceBinaryOperator_RShift_LShift",
    "core/ReplaceBinaryOperator_BitXor_BitOr",
    "core/ReplaceComparisonOperator_Eq_NotEq",
    "core/ReplaceComparisonOperator_NotEq_Eq",
    "core/ReplaceComparisonOperator_Lt_LtE",
    "core/ReplaceComparisonOperator_LtE_Lt",
    "core/ReplaceComparisonOperator_Gt_GtE",
    "core/ReplaceComparisonOperator_GtE_Gt",
    "core/ReplaceComparisonOperator_Is_IsNot",
    "core/ReplaceComparisonOperator_IsNot_Is",
    "core/ReplaceUnaryOperator_USub_UAdd",
    "core/ReplaceUnaryOperator_Delete_Not",
    "core/ReplaceUnaryOperator_Delete_USub",
    "core/ReplaceAndWithOr",
    "core/ReplaceOrWithAnd",
    "core/ReplaceTrueWithFalse",
    "core/ReplaceFalseWithTrue",
    "core/ReplaceBreakWithContinue",
    "core/ReplaceContinueWithBreak",
    "core/NumberReplacer",
    "core/AddNot",
    "core/ZeroIterationForLoop",
    "core/ExceptionReplacer",
}
# cosmic-ray's In/NotIn replacements have names of this form in some versions.
OPERATOR_PATTERNS = [re.compile(r"core/ReplaceComparisonOperator_(In_NotIn|NotIn_In)$")]

# (module, line, operator, mutated line stripped) -> why the mutant is equivalent (the mutated
# program cannot be told apart from the original through any input the code accepts). Keep
# docs/testing.md in sync. A changed line no longer matches, and its mutant counts again.
EQUIVALENT: dict[tuple[str, int, str, str], str] = {
    ("ema", 18, "NumberReplacer", "def __init__(self, model: nn.Module, decay: float, start: int = -1) -> None:"):
        "steps are never negative, so `step >= start` is the same for start 0 and -1",
    ("ema", 29, "NumberReplacer", "if decay == 1.0:"):
        "decay is validated to lie in (0, 1) and is 0.0 before start; with the copy branch never "
        "taken, lerp(dst, src, 1.0) computes src - (src - dst) * 0 = src exactly (torch's lerp "
        "uses that form for weights >= 0.5), the same as the copy",
    ("ema", 29, "NumberReplacer", "if decay == -1.0:"):
        "same as decay == 1.0: the branch is never taken and lerp with weight 1 equals the copy",
    ('fid', 36, 'NumberReplacer', 'offset = np.eye(sigma1.shape[ 1]) * SINGULAR_OFFSET'):
        'sigma1 is square (checked above), so shape[1] is shape[0]',
    ('fid', 36, 'NumberReplacer', 'offset = np.eye(sigma1.shape[ -1]) * SINGULAR_OFFSET'):
        'sigma1 is square (checked above), so shape[-1] is shape[0]',
    ('precision_recall', 12, 'NumberReplacer', 'BLOCK_ROWS = 1023'):
        'the row blocks only bound memory: every row of distances is computed from that row and all '
        'points whatever the block size, and the blocks are concatenated in order',
    ('precision_recall', 12, 'NumberReplacer', 'BLOCK_ROWS = 1025'):
        'the row blocks only bound memory: every row of distances is computed from that row and all '
        'points whatever the block size, and the blocks are concatenated in order',
    ('kmeans', 13, 'NumberReplacer', 'nearest = torch.cdist(x, centres[ -1]).squeeze(1) ** 2'):
        'centres holds exactly one centre at that point, so [-1] is [0]',
    ('kmeans', 25, 'NumberReplacer', 'dist = torch.cdist(x, centres) ** 3'):
        'dist is only used through argmin over centres and argmax over points of non-negative '
        'distances (the empty-cluster rule), which d, d**2, d**3 and 2*d order the same way',
    ('kmeans', 25, 'NumberReplacer', 'dist = torch.cdist(x, centres) ** 1'):
        'dist is only used through argmin/argmax of non-negative distances, which d and d**2 order the same way',
    ('kmeans', 25, 'ReplaceBinaryOperator_Pow_Mul', 'dist = torch.cdist(x, centres) * 2'):
        'dist is only used through argmin/argmax of non-negative distances, which 2*d and d**2 order the same way',
    ('kmeans', 28, 'ReplaceBreakWithContinue', 'continue'):
        'the assignments are a fixed point once they repeat: further iterations recompute the same '
        'centres and assignments (the break only saves time)',
    ('kmeans', 32, 'NumberReplacer', 'centres = sums / counts.clamp(min= 0).unsqueeze(1)'):
        'the clamp only matters for empty clusters, whose centre (0/0 here) is replaced by a point '
        'in the loop below before it is used',
    ('kmeans', 35, 'NumberReplacer', 'worst = dist.gather(1, assign.unsqueeze(1)).squeeze( 0).argmax()'):
        'the gathered tensor is [N, 1] with N >= k >= 2 when a cluster is empty, so squeeze(0) is a '
        'no-op and argmax() over the flattened [N, 1] gives the same index',
    ('image_metrics', 15, 'NumberReplacer', 'PAIR_BATCH = 101'):
        'the pairs are scored in batches only to bound memory; MS-SSIM of a pair does not depend on '
        'the other pairs of its batch, and the batches are concatenated in order',
    ('image_metrics', 15, 'NumberReplacer', 'PAIR_BATCH = 99'):
        'the pairs are scored in batches only to bound memory; MS-SSIM of a pair does not depend on '
        'the other pairs of its batch, and the batches are concatenated in order',
    ('image_metrics', 53, 'NumberReplacer', 'first, second = images[:num_pairs_now], images[num_pairs_now: 3 * num_pairs_now]'):
        'ctx.samples(2n) returns exactly 2n images (EvalContext contract), so [n:3n] is [n:2n]',
    ('label_metrics', 65, 'NumberReplacer', 'asked.append(torch.full_like(predicted[- 0], c))'):
        'every class is sampled num_samples_per_class times, so predicted[0] has the shape of '
        'predicted[-1] and full_like only takes the shape (and dtype) from it',
    ('swd', 131, 'NumberReplacer', 'self.sizes = pyramid_resolutions(real.shape[- 2])'):
        '_check_square above makes shape[-2] equal to shape[-1]',
    ('ms_ssim', 70, 'ReplaceUnaryOperator_Delete_USub', 'padding = [s % 2 for s in x.shape[2:]]'):
        'x is checked to be 4-D [N, C, H, W], where shape[2:] is shape[-2:]',
    ('swd', 33, 'ReplaceBinaryOperator_FloorDiv_Div', 'while levels[-1] / 2 >= COARSEST_LEVEL and levels[-1] % 2 == 0:'):
        'for an integer r, r / 2 >= 16 and r // 2 >= 16 both mean r >= 32 (the appended size still uses //)',
    ('ms_ssim', 70, 'ReplaceUnaryOperator_USub_UAdd', 'padding = [s % 2 for s in x.shape[+2:]]'):
        'x is checked to be 4-D [N, C, H, W], where shape[2:] is shape[-2:]',
    ('ms_ssim', 65, 'ReplaceUnaryOperator_USub_UAdd', 'size = min(window, *x.shape[+2:])'):
        'x is checked to be 4-D [N, C, H, W], where shape[2:] is shape[-2:]',
    ('ms_ssim', 65, 'ReplaceUnaryOperator_Delete_USub', 'size = min(window, *x.shape[2:])'):
        'x is checked to be 4-D [N, C, H, W], where shape[2:] is shape[-2:]',
    ('tables', 272, 'NumberReplacer', 'return sorted(chosen, key=lambda s: order.get(s.variant, 1)) if variants else chosen'):
        "every chosen cell's variant is in order (the filter above), so the default is never used",
    ('tables', 272, 'NumberReplacer', 'return sorted(chosen, key=lambda s: order.get(s.variant, -1)) if variants else chosen'):
        "every chosen cell's variant is in order (the filter above), so the default is never used",
    ('swd', 100, 'ReplaceTrueWithFalse', 'return dirs / dirs.norm(dim=0, keepdim=False)'):
        'the norms of the columns, [count] without keepdim, broadcast over the last dimension '
        'exactly as [1, count] does',
    ('tables', 152, 'ReplaceBinaryOperator_Add_Sub', 'complete = summary is not None and summary.seeds_done - summary.seeds_failed >= summary.seeds_total'):
        'the two differ only when a seed crashed (seeds_failed > 0), and a crashed seed is a failure of '
        'every metric, so competes() returns False through `not summary.failures(metric)` either way',
    ('ms_ssim', 59, 'ReplaceUnaryOperator_Delete_USub', 'if min(x.shape[2:]) < 2 ** (scales - 1):'):
        'x is checked to be 4-D just above, where shape[2:] is shape[-2:]',
    ('ms_ssim', 59, 'ReplaceUnaryOperator_USub_UAdd', 'if min(x.shape[+2:]) < 2 ** (scales - 1):'):
        'x is checked to be 4-D just above, where shape[2:] is shape[-2:]',
    ('ms_ssim', 61, 'ReplaceUnaryOperator_Delete_USub', 'f"{2 ** (scales - 1)} pixels per side, got {tuple(x.shape[2:])}")'):
        'x is checked to be 4-D just above, where shape[2:] is shape[-2:]',
    ('ms_ssim', 61, 'ReplaceUnaryOperator_USub_UAdd', 'f"{2 ** (scales - 1)} pixels per side, got {tuple(x.shape[+2:])}")'):
        'x is checked to be 4-D just above, where shape[2:] is shape[-2:]',
    ('tables', 211, 'ReplaceComparisonOperator_LtE_Lt', 'return p is not None and p < confidence.ALPHA + 1e-12'):
        'p is an exact rank-test probability (a ratio of small integer counts), never exactly '
        'ALPHA + 1e-12, so <= and < against that threshold agree',
    ('tables', 234, 'ReplaceComparisonOperator_LtE_Lt', 'row.append(f"p={p:.2f}" + (confidence.mark(fmt) if p < confidence.ALPHA + 1e-12 else "")'):
        'p is an exact rank-test probability (a ratio of small integer counts), never exactly '
        'ALPHA + 1e-12, so <= and < against that threshold agree',
    ('kmeans', 69, 'NumberReplacer', 'confusion = np.zeros((predicted.max() + 2, truth.max() + 1), dtype=np.int64)'):
        'an extra all-zero row of the confusion matrix cannot raise the maximum matching, and the '
        'accuracy is the matched sum over len(truth)',
    ('kmeans', 69, 'NumberReplacer', 'confusion = np.zeros((predicted.max() + 1, truth.max() + 2), dtype=np.int64)'):
        'an extra all-zero column of the confusion matrix cannot raise the maximum matching',
    ('normalizers', 68, 'NumberReplacer', 'unbiased = var * (count / max(count - 1, 0))'):
        'count is the global number of values per channel, at least 2 on this path (it runs only with world_size() > 1), so max(count - 1, 0) == max(count - 1, 1)',
    ('normalizers', 43, 'NumberReplacer', 'return self.forward(x[:, :, None, None])[:, :, 0, -1]'):
        'the indexed dimensions have size 1 (added by [:, :, None, None]), where index -1 is index 0',
    ('normalizers', 43, 'NumberReplacer', 'return self.forward(x[:, :, None, None])[:, :, -1, 0]'):
        'the indexed dimensions have size 1 (added by [:, :, None, None]), where index -1 is index 0',
    ('normalizers', 55, 'ReplaceBinaryOperator_FloorDiv_Div', 'x.numel() / x.shape[1] * distributed.world_size())'):
        'x.numel() is a multiple of x.shape[1], so / gives the same (exact, float) count as //, and count is only used in a float division',
    ('reparam', 115, 'NumberReplacer', 'self.u = F.normalize(w @ v, dim= -1, eps=self.eps)'):
        'u and v are 1-D vectors: F.normalize over dim -1 is dim 0',
    ('reparam', 100, 'NumberReplacer', 'self.register_buffer("u", F.normalize(torch.randn(rows), dim= -1, eps=eps))'):
        'u and v are 1-D vectors: F.normalize over dim -1 is dim 0',
    ('reparam', 108, 'NumberReplacer', 'v = F.normalize(w.t() @ u, dim= -1, eps=self.eps)'):
        'u and v are 1-D vectors: F.normalize over dim -1 is dim 0',
    ('reparam', 112, 'NumberReplacer', 'v = F.normalize(w.t() @ u, dim= -1, eps=self.eps)'):
        'u and v are 1-D vectors: F.normalize over dim -1 is dim 0',
    ('reparam', 111, 'NumberReplacer', 'u = F.normalize(w @ v, dim= -1, eps=self.eps)'):
        'u and v are 1-D vectors: F.normalize over dim -1 is dim 0',
    ('reparam', 37, 'NumberReplacer', 'if dim != -1:'):
        'dim is 0 or 1; for 0 the mutant calls weight.transpose(0, 0), which is the identity, for 1 it transposes as before',
    ('results', 65, 'NumberReplacer', 'if f.read( 2) != b"\\n":'):
        'the file position is one byte before the end, so read(2) returns the same single byte as read(1)',
    ('results', 155, 'NumberReplacer', 'reason = f"{head.rsplit(\'.\', 2)[-1]}:{rest}"'):
        "rsplit('.', n)[-1] is the text after the last dot for every n >= 1",
    ('rotation', 17, 'ReplaceUnaryOperator_USub_UAdd', 'if images.shape[-1] != images.shape[+2]:'):
        'four_rotations takes [B, C, H, W] batches (4-D, its documented input; every caller passes one), where shape[2] is shape[-2]',
    ('rotation', 17, 'ReplaceUnaryOperator_Delete_USub', 'if images.shape[-1] != images.shape[2]:'):
        'four_rotations takes [B, C, H, W] batches (4-D, its documented input; every caller passes one), where shape[2] is shape[-2]',
    ('rotation', 18, 'ReplaceUnaryOperator_Delete_USub', 'raise ValueError(f"rotation prediction needs square images, got {tuple(images.shape[2:])}")'):
        'for the 4-D batches four_rotations takes, shape[2:] is shape[-2:]',
    ('rotation', 18, 'ReplaceUnaryOperator_USub_UAdd', 'raise ValueError(f"rotation prediction needs square images, got {tuple(images.shape[+2:])}")'):
        'for the 4-D batches four_rotations takes, shape[2:] is shape[-2:]',
    ('rotation', 19, 'ReplaceUnaryOperator_USub_UAdd', 'rotated = torch.cat([torch.rot90(images, r, dims=(+2, -1)) for r in range(4)])'):
        'for the 4-D batches four_rotations takes, dim 2 is dim -2',
    ('rotation', 19, 'ReplaceUnaryOperator_Delete_USub', 'rotated = torch.cat([torch.rot90(images, r, dims=(2, -1)) for r in range(4)])'):
        'for the 4-D batches four_rotations takes, dim 2 is dim -2',
    ('rotation', 64, 'NumberReplacer', 'logits = self.head(self._D[ -1].features(rotated))'):
        '_D holds exactly one module (set in setup), so [-1] is [0]',
    ('cotraining', 80, 'NumberReplacer', 'D = self._D[ -1]'):
        '_D holds exactly one module (set in setup), so [-1] is [0]',
}


@dataclass
class ModuleResult:
    name: str
    path: str
    tests: list[str]
    total: int = 0
    killed: int = 0
    timeout: int = 0
    survived: int = 0
    uncovered: int = 0
    equivalent: int = 0
    incompetent: int = 0
    annotation: int = 0  # not generated: inside an annotation that is never evaluated
    baseline_s: float = 0.0
    wall_s: float = 0.0
    survivors: list[dict] = field(default_factory=list)
    sha1: str = ""  # of the module's source, so that --recheck refuses a changed module
    rechecked_killed: int = 0  # survivors of the full run that --recheck found killed

    @property
    def score(self) -> float | None:
        denom = self.total - self.equivalent
        return None if denom == 0 else self.killed_all / denom

    @property
    def killed_all(self) -> int:
        return self.killed + self.timeout + self.incompetent


def _wanted(op: str) -> bool:
    return op in OPERATORS or any(p.match(op) for p in OPERATOR_PATTERNS)


def _test_files(name: str, tests: list[str]) -> list[str]:
    files = list(tests)
    for d in MUTANT_TEST_DIRS:
        extra = ROOT / d / f"test_mutants_{name}.py"
        if extra.exists():
            files.append(str(extra.relative_to(ROOT)))
    return files


def _test_command(files: list[str]) -> str:
    # entries such as "--deselect=tests/x.py::test_slow" are pytest options, not files
    return f"{shlex.quote(sys.executable)} {PYTEST} " + " ".join(shlex.quote(f) for f in files)


def _baseline(name: str, path: str, files: list[str]) -> tuple[float, set[int]]:
    """Run the tests unmutated under coverage; return (seconds, executed lines of `path`)."""
    data = OUT / f"{name}.coverage"
    if data.exists():
        data.unlink()
    cmd = [sys.executable, "-m", "coverage", "run", f"--data-file={data}", f"--include={ROOT / path}"]
    cmd += shlex.split(PYTEST) + files
    t0 = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.monotonic() - t0
    if proc.returncode != 0:
        sys.exit(f"{name}: the unmutated tests fail; fix them first:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}")
    import coverage

    cov = coverage.Coverage(data_file=str(data))
    cov.load()
    if not cov.get_data().measured_files():
        sys.exit(f"{name}: coverage saw no line of {path}: the tests do not import it from here")
    _, statements, _, missing, _ = cov.analysis2(str(ROOT / path))
    return elapsed, set(missing)


# Third-party libraries the tests import, loaded once in this process so that each forked test
# run starts without paying for them (importing torch alone takes seconds on the 2-core VM).
# Nothing from ganbench or its plugins is imported here: every child imports them afresh from
# the mutated sources.
PRELOAD = ["numpy", "scipy", "scipy.linalg", "torch", "torch.nn", "torchvision", "gin", "pluggy",
           "PIL.Image", "pytest", "_pytest.python", "matplotlib", "matplotlib.pyplot", "sklearn"]


def _preload() -> None:
    import importlib

    os.environ.setdefault("MPLBACKEND", "Agg")
    for mod in PRELOAD:
        try:
            importlib.import_module(mod)
        except ImportError:
            pass
    leaked = [m for m in sys.modules if m.split(".")[0].startswith("ganbench")]
    if leaked:
        sys.exit(f"preloading imported project modules, mutants would not be seen: {leaked[:5]}")


def _run_forked(files: list[str], timeout: float) -> str:
    """Run pytest on `files` in a forked child; 'killed', 'survived' or 'timeout'."""
    import signal

    pid = os.fork()
    if pid == 0:  # child
        code = 70
        try:
            os.setsid()
            sys.dont_write_bytecode = True
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            import pytest

            code = int(pytest.main(shlex.split(PYTEST)[2:] + files))
        except BaseException:  # noqa: BLE001 - any failure in the child kills the mutant
            code = 71
        finally:
            os._exit(code)
    t_end = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return "survived" if os.waitstatus_to_exitcode(status) == 0 else "killed"
        if time.monotonic() > t_end:
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
            os.waitpid(pid, 0)
            return "timeout"
        time.sleep(0.05)


def _annotation_spans(path: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Source spans of the annotations in `path`, if it has `from __future__ import annotations`
    (then annotations are strings that nothing in ganbench evaluates: a mutant inside one is
    equivalent, so none is generated there). Empty without the future import."""
    import ast

    tree = ast.parse((ROOT / path).read_text())
    future = any(isinstance(n, ast.ImportFrom) and n.module == "__future__"
                 and any(a.name == "annotations" for a in n.names) for n in tree.body)
    if not future:
        return []
    spans = []
    for node in ast.walk(tree):
        anns = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            anns.append(node.returns)
            a = node.args
            anns += [x.annotation for x in a.posonlyargs + a.args + a.kwonlyargs]
            anns += [x.annotation for x in (a.vararg, a.kwarg) if x is not None]
        elif isinstance(node, ast.AnnAssign):
            anns.append(node.annotation)
        for ann in anns:
            if ann is not None:
                spans.append(((ann.lineno, ann.col_offset), (ann.end_lineno, ann.end_col_offset)))
    return spans


def _in_spans(pos: tuple[int, int], spans) -> bool:
    return any(a <= tuple(pos) < b for a, b in spans)


def _sha1(path: str) -> str:
    import hashlib

    return hashlib.sha1((ROOT / path).read_bytes()).hexdigest()


def recheck_module(name: str, old: dict) -> ModuleResult:
    """Re-run only the survivors of an earlier full run of `name` (build/mutation/report.json)
    against the current tests (e.g. a new tests/<area>/test_mutants_<name>.py), and re-apply
    EQUIVALENT. Killed mutants stay killed: tests are only ever added."""
    import cosmic_ray.plugins
    from cosmic_ray.mutating import use_mutation

    path, tests = MODULES[name]
    if old.get("sha1") and old["sha1"] != _sha1(path):
        sys.exit(f"[{name}] {path} changed since the full run; run it again without --recheck")
    files = _test_files(name, tests)
    keep = {k: v for k, v in old.items() if k in ModuleResult.__dataclass_fields__}
    res = ModuleResult(**{**keep, "tests": files, "survivors": []})
    t_start = time.monotonic()
    t_fork = time.monotonic()
    if _run_forked(files, 600) != "survived":
        sys.exit(f"{name}: the unmutated tests fail when forked from this process")
    timeout = max(30.0, 4 * (time.monotonic() - t_fork))
    print(f"[{name}] recheck of {len(old['survivors'])} survivors with {' '.join(files)}", flush=True)
    for entry in old["survivors"]:
        key = (name, entry["line"], entry["operator"], entry["mutant"])
        if entry["status"] == "equivalent":
            res.survivors.append(entry)
            continue
        res.survived -= 1
        res.uncovered -= entry["status"] == "uncovered"
        if key in EQUIVALENT:
            res.equivalent += 1
            res.survivors.append(dict(entry, status="equivalent", reason=EQUIVALENT[key]))
            continue
        operator = cosmic_ray.plugins.get_operator("core/" + entry["operator"])()
        if _line_text(path, entry["line"]) != entry["source"]:
            sys.exit(f"[{name}] line {entry['line']} changed since the full run")
        with use_mutation(Path(path), operator, entry["occurrence"]) as (_, mutated):
            if mutated is None or mutated.splitlines()[entry["line"] - 1].strip() != entry["mutant"]:
                sys.exit(f"[{name}] mutant {entry} no longer applies as recorded")
            outcome = _run_forked(files, timeout)
        if outcome == "survived":
            res.survived += 1
            res.survivors.append(dict(entry, status="survived"))
            print(f"[{name}] still survives: line {entry['line']} {entry['operator']}: {entry['mutant']}", flush=True)
        else:
            setattr(res, outcome, getattr(res, outcome) + 1)
            res.rechecked_killed += 1
    if subprocess.run(["git", "diff", "--quiet", "--", path], cwd=ROOT).returncode != 0:
        sys.exit(f"[{name}] {path} differs from git after the recheck; restore it with git checkout")
    res.wall_s = old["wall_s"] + time.monotonic() - t_start
    return res


def _line_text(path: str, line: int) -> str:
    lines = (ROOT / path).read_text().splitlines()
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def run_module(name: str, deadline: float | None) -> ModuleResult:
    import cosmic_ray.plugins
    from cosmic_ray.commands.init import init
    from cosmic_ray.mutating import use_mutation
    from cosmic_ray.work_db import WorkDB, use_db

    path, tests = MODULES[name]
    files = _test_files(name, tests)
    res = ModuleResult(name, path, files, sha1=_sha1(path))
    t_start = time.monotonic()
    res.baseline_s, missing = _baseline(name, path, files)
    command = _test_command(files)
    t_fork = time.monotonic()
    if _run_forked(files, 600) != "survived":
        sys.exit(f"{name}: the unmutated tests fail when forked from this process: {command}")
    fork_s = time.monotonic() - t_fork
    timeout = max(30.0, 4 * fork_s)
    db_path = OUT / f"{name}.sqlite"
    if db_path.exists():
        db_path.unlink()
    print(f"[{name}] baseline {res.baseline_s:.1f}s (forked {fork_s:.1f}s), timeout {timeout:.0f}s: {command}", flush=True)
    spans = _annotation_spans(path)
    with use_db(str(db_path), WorkDB.Mode.create) as db:
        init([Path(path)], db, {})
        items = [it for it in db.pending_work_items if _wanted(it.mutations[0].operator_name)]
        res.annotation = sum(_in_spans(it.mutations[0].start_pos, spans) for it in items)
        items = [it for it in items if not _in_spans(it.mutations[0].start_pos, spans)]
        print(f"[{name}] {len(items)} mutants ({res.annotation} in annotations skipped)", flush=True)
        for i, item in enumerate(items, 1):
            m = item.mutations[0]
            line = m.start_pos[0]
            res.total += 1
            entry = {
                "line": line,
                "operator": m.operator_name.removeprefix("core/"),
                "occurrence": m.occurrence,
                "source": _line_text(path, line),
            }
            if deadline is not None and time.time() > deadline:
                sys.exit(f"[{name}] deadline passed; module not finished")
            operator = cosmic_ray.plugins.get_operator(m.operator_name)()
            with use_mutation(Path(path), operator, m.occurrence) as (original, mutated):
                if mutated is None:
                    res.total -= 1
                    continue
                outcome = "uncovered" if line in missing else _run_forked(files, timeout)
            diff = "".join(difflib.unified_diff(
                original.splitlines(True), mutated.splitlines(True), path, path, n=0))
            mutated_lines = mutated.splitlines()
            entry["mutant"] = mutated_lines[line - 1].strip() if line <= len(mutated_lines) else ""
            key = (name, line, entry["operator"], entry["mutant"])
            if outcome in ("survived", "uncovered") and key in EQUIVALENT:
                res.equivalent += 1
                entry.update(status="equivalent", reason=EQUIVALENT[key], diff=diff)
                res.survivors.append(entry)
            elif outcome in ("survived", "uncovered"):
                res.survived += 1
                res.uncovered += outcome == "uncovered"
                entry.update(status=outcome, diff=diff)
                res.survivors.append(entry)
            else:
                setattr(res, outcome, getattr(res, outcome) + 1)
            if outcome in ("survived", "uncovered"):
                print(f"[{name}] {i}/{len(items)} {outcome}: line {line} {entry['operator']}: {entry['source']}", flush=True)
    # Restore guard: the module must be byte-identical to the committed one again.
    diff = subprocess.run(["git", "diff", "--quiet", "--", path], cwd=ROOT)
    if diff.returncode != 0:
        sys.exit(f"[{name}] {path} differs from git after the run; restore it with git checkout")
    covered = res.total - res.uncovered
    if covered > 0 and res.killed_all == 0:
        sys.exit(f"[{name}] no mutant was killed: the tests do not reach the mutated file")
    res.wall_s = time.monotonic() - t_start
    return res


def _fmt(results: list[ModuleResult]) -> str:
    rows = [
        "| module | path | mutants | killed | timeout | survived (of which not executed) | equivalent | score | wall | in annotations (not run) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        score = "n/a" if r.score is None else f"{100 * r.score:.1f}%"
        rows.append(
            f"| {r.name} | `{r.path}` | {r.total} | {r.killed + r.incompetent} | {r.timeout} | "
            f"{r.survived} ({r.uncovered}) | {r.equivalent} | {score} | {r.wall_s:.0f} s | {r.annotation} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--module", action="append", choices=sorted(MODULES), help="only these (repeatable)")
    ap.add_argument("--list", action="store_true", help="list modules, test files and mutant counts")
    ap.add_argument("--deadline", help="stop (exit 3) if a module is still running at this UTC time, HH:MM")
    ap.add_argument("--recheck", action="store_true",
                    help="re-run only the survivors recorded in build/mutation/report.json")
    ap.add_argument("--min-score", type=float, default=0.9, help="exit 1 if a module scores below (0.9)")
    args = ap.parse_args(argv)
    names = args.module or list(MODULES)
    OUT.mkdir(parents=True, exist_ok=True)
    os.chdir(ROOT)

    if args.list:
        from cosmic_ray.commands.init import _all_work_items

        for n in names:
            path, tests = MODULES[n]
            spans = _annotation_spans(path)
            count = sum(_wanted(w.mutations[0].operator_name) and not _in_spans(w.mutations[0].start_pos, spans)
                        for w in _all_work_items([Path(path)], {}))
            print(f"{n:18} {count:5d}  {path}  <- {' '.join(_test_files(n, tests))}")
        return 0

    dirty = subprocess.run(["git", "status", "--porcelain", "--"] + [MODULES[n][0] for n in names],
                           cwd=ROOT, capture_output=True, text=True).stdout.strip()
    if dirty:
        sys.exit(f"refusing to mutate modules with uncommitted changes:\n{dirty}")

    deadline = None
    if args.deadline:
        hh, mm = map(int, args.deadline.split(":"))
        now = time.gmtime()
        deadline = time.mktime(time.struct_time((now.tm_year, now.tm_mon, now.tm_mday, hh, mm, 0, 0, 0, 0))) - time.timezone

    import signal

    # An interrupted run must restore the module being mutated: turn SIGTERM (and a SIGINT that
    # a non-interactive shell set to "ignore" for a background job) into exceptions.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    _preload()
    t0 = time.monotonic()
    results = []
    previous = {}
    if args.recheck:
        previous = {r["name"]: r for r in json.loads((OUT / "report.json").read_text())}
        missing = [n for n in names if n not in previous]
        if missing:
            sys.exit(f"--recheck: no full run recorded for {missing}")
    for n in names:
        results.append(recheck_module(n, previous[n]) if args.recheck else run_module(n, deadline))
        print(_fmt(results[-1:]).splitlines()[-1], flush=True)
        _write(results, time.monotonic() - t0)
    wall = time.monotonic() - t0
    _write(results, wall)
    print(_fmt(results))
    print(f"wall time {wall / 60:.1f} min; report in {OUT.relative_to(ROOT)}/report.md, survivors in survivors.md")
    low = [r.name for r in results if r.score is not None and r.score < args.min_score]
    if low:
        print(f"below {100 * args.min_score:.0f}%: {', '.join(low)}")
        return 1
    return 0


def _from_json(d: dict) -> ModuleResult:
    return ModuleResult(**{k: v for k, v in d.items() if k in ModuleResult.__dataclass_fields__})


def _write(results: list[ModuleResult], wall: float) -> None:
    # Merge with modules recorded by earlier invocations (a module run again replaces its row).
    merged: dict[str, dict] = {}
    if (OUT / "report.json").exists():
        merged = {r["name"]: r for r in json.loads((OUT / "report.json").read_text())}
    merged.update({r.name: dict(vars(r), score=r.score) for r in results})
    order = [n for n in MODULES if n in merged]
    (OUT / "report.json").write_text(json.dumps([merged[n] for n in order], indent=1, default=str))
    results = [_from_json(merged[n]) for n in order]
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    (OUT / "report.md").write_text(
        f"Mutation testing, cosmic-ray, {stamp}, this invocation's wall time {wall / 60:.1f} min\n\n"
        f"{_fmt(results)}\n"
    )
    lines = ["# Surviving mutants", ""]
    for r in results:
        for s in r.survivors:
            lines.append(f"## {r.path}:{s['line']} {s['operator']} ({s['status']})")
            lines.append(f"`{s['source']}` -> `{s.get('mutant', '')}`")
            if s.get("reason"):
                lines.append(f"equivalent: {s['reason']}")
            if s.get("diff"):
                lines += ["```diff", s["diff"].rstrip(), "```"]
            lines.append("")
    (OUT / "survivors.md").write_text("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
