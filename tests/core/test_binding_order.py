"""Which binding wins (docs/guide.md): the study file top to bottom, then the variant's lines in
order (an include re-applies everything its file sets), then -p; the last one wins. A variant's
include that resets a value the study file's own lines set is warned about, once."""
import pytest

from ganbench import config, study

FRAGMENT = """\
Experiment.g_lr = 0.0001
Experiment.steps = 6
"""

STUDY = """\
include 'recipe.gin'
Experiment.dataset = @datasets.shapes
datasets.shapes.resolution = 16
datasets.shapes.num_train = 64
datasets.shapes.num_test = 32
Experiment.architecture = @architectures.dcgan
architectures.dcgan.base_width = 8
Experiment.metrics = [@metrics.swd]
Experiment.steps = 6
Experiment.g_lr = 0.0002
Benchmark.name = 'order'
Benchmark.seeds = 1
Benchmark.axes = {'beta': [0.0, 0.5]}
Benchmark.variants = {
    'plain': [],
    'via include': ["include 'frag.gin'", 'Experiment.g_betas = ({beta}, 0.999)'],
    'direct': ['Experiment.g_lr = 0.0001'],
    'set again after': ["include 'frag.gin'", 'Experiment.g_lr = 0.0002'],
    'recipe switch': ["include 'recipe2.gin'"],
}
"""


@pytest.fixture
def study_file(tmp_path):
    (tmp_path / "frag.gin").write_text(FRAGMENT)
    # d_lr is set by the study file's include, not by its own lines: a variant may switch it
    (tmp_path / "recipe.gin").write_text("Experiment.d_lr = 0.0002\n")
    (tmp_path / "recipe2.gin").write_text("Experiment.d_lr = 0.0004\n")
    path = tmp_path / "study.gin"
    path.write_text(STUDY)
    return path


def warnings(err):
    return [line for line in err.splitlines() if line.startswith("ganbench: warning:")]


def test_a_variant_include_that_resets_a_study_value_warns_once(study_file, capsys):
    _, _, cells, _ = study.plan(study_file, study_file.parent / "runs")
    study.validate(study_file, cells)
    found = warnings(capsys.readouterr().err)
    line = STUDY.splitlines().index("Experiment.g_lr = 0.0002") + 1
    assert found == [
        f"ganbench: warning: variant 'via include' includes 'frag.gin', which resets Experiment.g_lr = "
        f"0.0002 set in study.gin line {line} to 0.0001; set it again after the include in the "
        "variant to keep it"]   # one per (variant, parameter), though the variant has two cells;
    # Experiment.steps is set to the value it already had: no reset, no warning


def test_no_warning_when_a_later_binding_sets_the_value(study_file, capsys):
    _, _, cells, _ = study.plan(study_file, study_file.parent / "runs")
    study.validate(study_file, cells, ["Experiment.g_lr = 0.0003"])
    assert warnings(capsys.readouterr().err) == []


@pytest.mark.parametrize("variant, bindings, g_lr, d_lr", [
    ("plain", [], 0.0002, 0.0002),
    ("via include", [], 0.0001, 0.0002),                       # the include came last
    ("direct", [], 0.0001, 0.0002),
    ("set again after", [], 0.0002, 0.0002),
    ("recipe switch", [], 0.0002, 0.0004),
    ("via include", ["Experiment.g_lr = 0.0003"], 0.0003, 0.0002),   # -p after the variant
])
def test_the_last_binding_wins(study_file, variant, bindings, g_lr, d_lr):
    _, _, cells, _ = study.plan(study_file, study_file.parent / "runs")
    cell = next(c for c in cells if c.variant == variant)
    config.parse([study_file], list(cell.bindings) + bindings)
    exp = config.Experiment()
    assert (exp.g_lr, exp.d_lr) == (g_lr, d_lr)
