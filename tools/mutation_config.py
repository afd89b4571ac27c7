"""What `make mutation` mutates and how (tools/mutation.py): the science modules with their
covering fast tests, the mutation operators, and the test command."""

from __future__ import annotations

import re
import shlex
import sys
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
    # the stratified subset itself (shared by the labelled subset and Experiment.train_images)
    "core_subsets": (
        "ganbench/subsets.py",
        ["tests/label_efficiency/test_subsets_and_simple_labelers.py",
         "tests/label_efficiency/test_mutants_subsets.py", "tests/core/test_augmentation_step.py"],
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
    # S2GAN's and Clustering's pre-training of F (rotation loss, + gamma * CE on the labelled images)
    "pretrain": (
        "plugins/ganbench_label_efficiency/pretrain.py",
        ["tests/label_efficiency/test_label_leaks.py", "tests/label_efficiency/test_pretrained_labelers.py"],
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
            "tests/report/test_tables_resize_and_rank_tests.py",
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
            "tests/report/test_tables_resize_and_rank_tests.py",
            "--deselect=tests/report/test_tables.py::test_latex_table_is_balanced_with_one_row_per_variant",
        ],
    ),
    "grid": ("ganbench/config/benchmark.py", ["tests/core/test_grid.py"]),
    # Issue 21's metrics (density/coverage, PRD, intra-FID and CAS, memorization)
    "density_coverage": (
        "plugins/ganbench_metrics/density_coverage.py",
        ["tests/metrics/test_density_coverage_prd.py", "tests/metrics/test_metric_directions.py"],
    ),
    "prd": (
        "plugins/ganbench_metrics/prd.py",
        ["tests/metrics/test_prd.py", "tests/metrics/test_metric_directions.py"],
    ),
    "class_metrics": (
        "plugins/ganbench_metrics/class_metrics.py",
        ["tests/metrics/test_class_metrics.py", "tests/metrics/test_metric_directions.py"],
    ),
    "memorization": (
        "plugins/ganbench_metrics/memorization.py",
        ["tests/metrics/test_class_metrics.py", "tests/metrics/test_metric_directions.py"],
    ),
    # Issue 19: augmentations, the adaptive p, the limited-data regularizers, the overfitting probe
    "diffaugment": ("plugins/ganbench_augment/diffaugment.py", ["tests/augment/test_augmentations.py"]),
    "ada_transforms": ("plugins/ganbench_augment/ada_transforms.py", ["tests/augment/test_augmentations.py"]),
    "ada": ("plugins/ganbench_augment/ada.py", ["tests/augment/test_augmentations.py",
                                                "tests/augment/test_adaptive.py"]),
    "adaptive": ("plugins/ganbench_augment/adaptive.py", ["tests/augment/test_adaptive.py",
                                                          "tests/augment/test_augmentations.py"]),
    "augment_regularizers": ("plugins/ganbench_augment/regularizers.py",
                             ["tests/augment/test_augment_regularizers.py"]),
    # PGGAN (issue of the PGGAN + SWD study): the drift penalty, equalized LR / pixel norm /
    # minibatch stddev, the growth schedule; and the label handling and projection head every
    # architecture shares
    "pggan_drift": ("plugins/ganbench_pggan/drift.py", ["tests/pggan/test_drift.py"]),
    "pggan_layers": ("plugins/ganbench_pggan/layers.py", ["tests/pggan/test_layers.py"]),
    "pggan_schedule": ("plugins/ganbench_pggan/schedule.py", ["tests/pggan/test_schedule.py", "tests/pggan/test_growth.py"]),
    "conditioning": ("plugins/ganbench_gan/conditioning.py",
                     ["tests/conditioning/test_projection_switch.py", "tests/gan/test_normalizers.py",
                      "tests/gan/test_architectures.py"]),
    "augment_ops": ("plugins/ganbench_augment/ops.py",
                    ["tests/augment/test_augmentations.py", "tests/augment/test_augment_regularizers.py"]),
    "overfitting": ("ganbench/run/overfitting.py", ["tests/core/test_augmentation_step.py",
                                                    "tests/core/test_mutants_overfitting.py"]),
    # Issue 20: the conditioning losses and StyleGAN2's layers and path-length penalty
    "conditional_losses": ("plugins/ganbench_gan/conditional_losses.py",
                           ["tests/conditioning/test_conditional_losses.py"]),
    "stylegan2_layers": ("plugins/ganbench_stylegan2/layers.py", ["tests/stylegan2/test_networks.py"]),
    "path_length": ("plugins/ganbench_stylegan2/path_length.py", ["tests/stylegan2/test_path_length.py"]),
    # Search spaces and what a search study reports (budget curves) and how sure a table is
    "search_space": ("ganbench/config/search.py", ["tests/core/test_search.py", "tests/core/test_grid.py"]),
    "report_search": ("ganbench/report/search.py", ["tests/core/test_search.py",
                                                    "tests/report/test_tables_resize_and_rank_tests.py"]),
    "confidence": (
        "ganbench/report/confidence.py",
        ["tests/report/test_confidence.py", "tests/report/test_mutants_tables.py",
         "tests/report/test_tables_resize_and_rank_tests.py"],
    ),
}

# tests/<area>/test_mutants_<module>.py and test_mutants_<module>_<what>.py files, written to kill
# survivors, join the module's tests.
MUTANT_TEST_DIRS = ["tests/gan", "tests/core", "tests/metrics", "tests/label_efficiency", "tests/report",
                    "tests/augment", "tests/conditioning", "tests/stylegan2", "tests/pggan"]

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


def wanted(op: str) -> bool:
    return op in OPERATORS or any(p.match(op) for p in OPERATOR_PATTERNS)


def test_files(name: str, tests: list[str]) -> list[str]:
    """The module's covering tests plus its tests/<area>/test_mutants_<name>[_<what>].py files."""
    files = list(tests)
    for d in MUTANT_TEST_DIRS:
        extra = [ROOT / d / f"test_mutants_{name}.py"] + sorted((ROOT / d).glob(f"test_mutants_{name}_*.py"))
        files += [str(p.relative_to(ROOT)) for p in extra if p.exists() and str(p.relative_to(ROOT)) not in files]
    return files


def test_command(files: list[str]) -> str:
    # entries such as "--deselect=tests/x.py::test_slow" are pytest options, not files
    return f"{shlex.quote(sys.executable)} {PYTEST} " + " ".join(shlex.quote(f) for f in files)
