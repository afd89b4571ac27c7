"""A metric that fails costs only its own results, a crashed seed reads as failed (not "not run"),
and a feature extractor no plugin registers stops a study before anything trains."""
import json
import traceback

import pytest

from ganbench import cli, study
from ganbench.config import ConfigError
from ganbench.evaluate import Evaluation
from ganbench.hookspecs import hookimpl
from ganbench.plugins import get_plugins
from ganbench.report import tables
from ganbench.report.html import status_section
from ganbench.results import error_reason, load_results, read_study_manifest, seed_dir, summarize, write_done

STUDY = """
Experiment.dataset = @datasets.shapes
datasets.shapes.resolution = 16
datasets.shapes.num_train = 64
datasets.shapes.num_test = 32
Experiment.architecture = @architectures.dcgan
architectures.dcgan.base_width = 8
architectures.dcgan.z_dim = 16
Experiment.loss = @losses.hinge
Experiment.steps = 4
Experiment.batch_size = 8
Experiment.log_every = 2
Experiment.checkpoint_every = 2
Experiment.eval_samples = 32
Experiment.metrics = [@metrics.broken_for_test, @metrics.swd]
Experiment.threads = 1
Benchmark.name = 'partial'
Benchmark.seeds = 1
Benchmark.table_metrics = ['broken_for_test_score', 'swd_avg']
"""


def broken_for_test():
    """Test metric: always raises (a plugin author's bug)."""
    def metric(ctx):
        raise ValueError("features have shape (32, 0) | cannot score")
    return metric


class BrokenMetricPlugin:
    @hookimpl
    def register_metrics(self, register):
        register("broken_for_test", broken_for_test)


@pytest.fixture
def broken_metric():
    plugins = get_plugins()
    plugins.register(BrokenMetricPlugin(), name="test_broken_metric")
    yield
    plugins.unregister("test_broken_metric")


def test_a_failing_metric_keeps_the_others_and_the_table_says_why(tmp_path, broken_metric, capsys):
    gin_file = tmp_path / "partial.gin"
    gin_file.write_text(STUDY + "Benchmark.variants = {'a': [], 'b': ['Experiment.metrics = [@metrics.swd]']}\n")
    status = study.run_study(gin_file, out=tmp_path / "runs")
    assert status == {"a/seed-0": "done", "b/seed-0": "done"}
    assert "metric 'broken_for_test' failed" in capsys.readouterr().err
    study_dir = tmp_path / "runs" / "partial"
    run_dir = study_dir / "a" / "seed-0"
    done = json.loads((run_dir / "done").read_text())
    # the trained run is kept: status done, the good metric's values and the failure
    assert done["status"] == "done" and done["step"] == 4 and (run_dir / "checkpoint.pt").exists()
    assert done["metrics"]["swd_avg"] > 0 and "broken_for_test_score" not in done["metrics"]
    assert done["metric_errors"] == {"broken_for_test": "ValueError: features have shape (32, 0) | cannot score"}
    assert not (run_dir / "error.txt").exists()
    evals = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()
             if '"eval"' in line]
    assert evals[-1]["metric_errors"] == done["metric_errors"]

    table = (study_dir / "tables.md").read_text()
    broken = table.split("## broken_for_test_score")[1].split("##")[0]
    assert "failed (1/1: ValueError: features have shape (32, 0) \\| cannot score)" in broken
    assert "not run" not in table and "pending" not in table
    swd = table.split("## swd_avg")[1]
    a_row = next(line for line in swd.splitlines() if line.startswith("| a "))
    assert "failed" not in swd and a_row.split("|")[2].strip("* ")[0].isdigit()
    # b never ran the broken metric: not a failure there
    assert "| b " in broken and "n/a" in broken.split("| b ")[1]
    latex = (study_dir / "table_broken_for_test_score.tex").read_text()
    assert r"failed (1/1: ValueError: features have shape (32, 0) | cannot score)" in latex
    csv = (study_dir / "table_broken_for_test_score.csv").read_text().splitlines()
    assert csv[1] == 'a,"failed (1/1: ValueError: features have shape (32, 0) | cannot score)"'
    # the full reason is in results.json and in the HTML report's status section
    rows = {r["cell"]: r for r in json.loads((study_dir / "results.json").read_text())}
    assert rows["a"]["metric_errors"] == [{"seed": 0, "metric": "broken_for_test",
                                           "error": done["metric_errors"]["broken_for_test"]}]
    assert rows["a"]["seeds_failed"] == 0 and rows["a"]["metrics"]["swd_avg"]["n"] == 1
    section = status_section(read_study_manifest(study_dir), load_results(study_dir))
    assert "seed 0: metric broken_for_test failed: ValueError: features have shape" in section
    # deleting done re-scores the seed from its final checkpoint, without training again
    trained = (run_dir / "metrics.jsonl").read_text().count('"kind": "train"')
    (run_dir / "done").unlink()
    assert study.run_study(gin_file, out=tmp_path / "runs") == {"a/seed-0": "done"}
    again = json.loads((run_dir / "done").read_text())
    assert again["step"] == 4 and again["metrics"] == done["metrics"]
    assert (run_dir / "metrics.jsonl").read_text().count('"kind": "train"') == trained


def test_evaluation_run_records_errors_only_when_asked(broken_metric):
    """``ganbench eval`` (no errors dict) still fails loudly; a study's evaluation keeps going."""
    class Ctx(Evaluation):
        def __init__(self):
            pass

        def context(self, seed=0, num_samples=2000):
            return None

    def fine():
        return lambda ctx: {"fine": 1}

    errors = {}
    assert Ctx().run(["broken_for_test", fine], errors=errors) == {"fine": 1.0}
    assert errors == {"broken_for_test": "ValueError: features have shape (32, 0) | cannot score"}
    with pytest.raises(ValueError, match="cannot score"):
        Ctx().run(["broken_for_test", fine])


CELLS = [{"id": "a", "variant": "A", "axis_values": []}, {"id": "b", "variant": "B", "axis_values": []}]
INFO = {"name": "t", "axes": {}, "variants": ["A", "B"], "seeds": [0, 1, 2],
        "table_metrics": ["fid", "is"], "extra_tables": []}


def crash_text(message):
    try:
        raise RuntimeError(message)
    except RuntimeError as err:
        return "".join(traceback.format_exception(type(err), err, err.__traceback__))


def test_a_crashed_seed_reads_as_failed_not_as_not_run(tmp_path):
    for seed, fid in enumerate([3.0, 4.0, 5.0]):
        write_done(seed_dir(tmp_path, "b", seed), "done", {"fid": fid, "is": 2.0})
    write_done(seed_dir(tmp_path, "a", 0), "done", {"fid": 1.0, "is": 2.0})
    for seed in (1, 2):
        path = seed_dir(tmp_path, "a", seed)
        path.mkdir(parents=True)
        (path / "error.txt").write_text(crash_text("CUDA out of memory, tried 2 GiB"))
    a, b = summarize(tmp_path, CELLS, [0, 1, 2])
    assert (a.seeds_done, a.seeds_failed, a.seed_errors[1]) == (1, 2, "RuntimeError: CUDA out of memory, tried 2 GiB")
    md = tables.metric_table(INFO, [a, b], "fid")
    # A's 1.00 would be the best median, but a cell with failed seeds is never bold
    assert "1.00 (2/3 failed: RuntimeError: CUDA out of memory, tried 2 GiB)" in md
    assert "**4.00** [3.00, 5.00]" in md and "**1.00" not in md and "not run" not in md
    # every seed crashed: failed, with the reason, in every format
    for seed in (0,):
        (seed_dir(tmp_path, "a", seed) / "done").unlink()
        (seed_dir(tmp_path, "a", seed) / "error.txt").write_text(crash_text("disk quota exceeded"))
    summaries = summarize(tmp_path, CELLS, [0, 1, 2])
    md = tables.metric_table(INFO, summaries, "fid")
    assert "failed (3/3: RuntimeError: disk quota exceeded)" in md and "pending" not in md
    assert "**4.00**" in md
    html = tables.metric_table(INFO, summaries, "fid", "html")
    assert "failed (3/3: RuntimeError: disk quota exceeded)" in html and "<b>4.00</b>" in html
    csv = tables.metric_table(INFO, summaries, "fid", "csv").splitlines()
    assert csv == ["fid,value", "A,failed (3/3: RuntimeError: disk quota exceeded)", "B,4"]
    # a seed not started yet is still "not run"
    (seed_dir(tmp_path, "a", 2) / "error.txt").unlink()
    md = tables.metric_table(INFO, summarize(tmp_path, CELLS, [0, 1, 2]), "fid")
    assert "failed (2/3: RuntimeError: disk quota exceeded; 1 not run)" in md


def test_metric_failures_are_put_on_the_metric_s_results(tmp_path):
    """A failure is shown on the results whose name the metric's name is or starts; a result no
    failed metric's name matches gets every failure of the seed, named; others stay n/a."""
    errors = {"swd": "ValueError: images differ in shape", "inception_score": "ValueError: no logits"}
    for seed in range(3):
        write_done(seed_dir(tmp_path, "a", seed), "done", {"fid": 1.0 + seed}, metric_errors=errors)
        write_done(seed_dir(tmp_path, "b", seed), "done", {"fid": 9.0, "swd_avg": 2.0})
    info = dict(INFO, table_metrics=["fid", "swd_avg", "is", "ms_ssim"])
    a, b = summarize(tmp_path, CELLS, [0, 1, 2])
    assert a.failures("fid") == [] and b.failures("swd_avg") == []
    assert a.failures("swd_avg") == [(s, "ValueError: images differ in shape") for s in range(3)]
    assert "failed (3/3: ValueError: images differ in shape)" in tables.metric_table(info, [a, b], "swd_avg")
    is_md = tables.metric_table(info, [a, b], "is")
    assert "failed (3/3: inception_score: ValueError: no logits; swd: ValueError:...)" in is_md
    assert "**2.00**" in tables.metric_table(info, [a, b], "fid")     # a's own values still count
    assert "n/a" in tables.metric_table(info, [a, b], "ms_ssim").split("| B")[1]
    # LaTeX escapes the plugin's text
    a.metric_errors[0] = a.metric_errors[1] = a.metric_errors[2] = {"swd": "KeyError: 'x_1' & {y}"}
    latex = tables.metric_table(info, [a, b], "swd_avg", "latex")
    assert r"failed (3/3: KeyError: 'x\_1' \& \{y\})" in latex
    assert latex.count("{") - latex.count(r"\{") == latex.count("}") - latex.count(r"\}")


def test_error_reason_is_the_final_exception_without_its_module():
    text = crash_text("first").replace("RuntimeError", "ganbench_faults.InjectedFault")
    assert error_reason(text) == "InjectedFault: first"
    assert error_reason("") == "unknown error (empty error.txt)"


UNKNOWN_EXTRACTOR = STUDY.replace("@metrics.broken_for_test, ", "").replace(
    "Benchmark.table_metrics = ['broken_for_test_score', 'swd_avg']", "Benchmark.table_metrics = ['swd_avg']")


def test_an_unknown_extractor_stops_the_study_before_training(tmp_path):
    gin_file = tmp_path / "extractor.gin"
    gin_file.write_text(UNKNOWN_EXTRACTOR + "Benchmark.variants = {'good': [], 'typo': "
                        "['Experiment.metrics = [@metrics.swd, @metrics.fid]', "
                        "\"metrics.fid.extractor = 'inceptoin_v3'\"]}\n")
    out = tmp_path / "runs"
    with pytest.raises(ConfigError) as caught:
        study.run_study(gin_file, out=out)
    message = str(caught.value)
    for text in ("in variant 'typo'", "metric 'fid'", "'inceptoin_v3'", "Did you mean inception_v3",
                 "domain_classifier"):
        assert text in message, message
    assert not out.exists() and not list(tmp_path.rglob("checkpoint.pt"))


def test_an_unknown_extractor_fails_the_dry_run_too(tmp_path, capsys):
    gin_file = tmp_path / "extractor.gin"
    gin_file.write_text(UNKNOWN_EXTRACTOR + "Benchmark.variants = {'cc': "
                        "['Experiment.metrics = [@metrics.class_consistency]', "
                        "\"metrics.class_consistency.classifier = 'domain_clasifier'\"]}\n")
    code = cli.main(["run", str(gin_file), "--out", str(tmp_path / "runs"), "--dry-run"])
    err = capsys.readouterr().err
    assert code == 2 and "metric 'class_consistency'" in err and "'domain_clasifier'" in err
    assert "Did you mean domain_classifier" in err and not (tmp_path / "runs").exists()


def test_builtin_metrics_declare_their_extractors():
    from ganbench.interfaces import optional
    from ganbench_metrics import feature_metrics, image_metrics, label_metrics
    assert optional(feature_metrics.fid(), "feature_extractors") == ("inception_v3",)
    assert optional(feature_metrics.kid(extractor="x"), "feature_extractors") == ("x",)
    for make in (feature_metrics.fid_domain, feature_metrics.kid_domain, feature_metrics.is_domain,
                 feature_metrics.precision_recall_domain, label_metrics.class_consistency):
        assert optional(make(), "feature_extractors") == ("domain_classifier",)
    assert optional(image_metrics.swd(), "feature_extractors", ()) == ()


def test_experiment_sample_sets_reach_the_final_evaluation(tmp_path):
    """Experiment.sample_sets = 2: the cell's metrics are means over two sample pools, with
    their spread (EDM2-style reporting of several sample sets)."""
    import json
    from ganbench import study
    gin_file = tmp_path / "s.gin"
    gin_file.write_text(STUDY_FOR_SAMPLE_SETS)
    assert study.run_study(gin_file, out=tmp_path / "runs") == {"a/seed-0": "done"}
    metrics = json.loads((tmp_path / "runs" / "sets" / "a" / "seed-0" / "done").read_text())["metrics"]
    assert {"swd_avg", "swd_avg_std", "swd_avg_min"} <= set(metrics)
    assert metrics["swd_avg_min"] <= metrics["swd_avg"] and metrics["swd_avg_std"] > 0


STUDY_FOR_SAMPLE_SETS = """
Experiment.dataset = @datasets.shapes
datasets.shapes.resolution = 16
datasets.shapes.num_train = 128
datasets.shapes.num_test = 64
Experiment.architecture = @architectures.dcgan
architectures.dcgan.base_width = 8
architectures.dcgan.z_dim = 16
Experiment.steps = 2
Experiment.batch_size = 8
Experiment.eval_samples = 64
Experiment.sample_sets = 2
Experiment.metrics = [@metrics.swd]
Experiment.threads = 1
Benchmark.name = 'sets'
Benchmark.variants = {'a': []}
Benchmark.seeds = 1
Benchmark.table_metrics = ['swd_avg']
"""
