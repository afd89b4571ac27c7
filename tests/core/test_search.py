"""Search spaces (Compare GAN's tuning budget): deterministic, extensible draws in range, the
exact expected best of k trials, named errors before training, and a tiny search study that
extends without retraining."""
from __future__ import annotations

import itertools
import json
import math
import statistics

import pytest
from scipy import stats

from ganbench import study
from ganbench.config import ConfigError
from ganbench.config.search import check_space, draw
from ganbench.report.search import best_of_k

@pytest.fixture(autouse=True)
def forget_gin_bindings():
    """The studies here bind Benchmark.search; later tests build Benchmark() without it."""
    import gin
    yield
    gin.clear_config()


SPACE = {"lr": ("log_uniform", 1e-5, 1e-2), "beta1": ("choice", [0.0, 0.5, 0.9]),
         "d_steps": ("int", 1, 5), "gp": ("uniform", 0.1, 100.0), "d_lr": ("expr", "lr * 2")}


def test_draws_are_deterministic_and_raising_the_count_keeps_earlier_trials():
    assert draw(SPACE, 5) == draw(SPACE, 5)
    assert draw(SPACE, 12)[:5] == draw(SPACE, 5)
    other = dict(SPACE, gp=("uniform", 0.1, 50.0))
    assert draw(other, 5) != draw(SPACE, 5)        # another space, other draws


def test_every_distribution_stays_in_its_range():
    points = draw(SPACE, 64)
    assert all(1e-5 <= p["lr"] <= 1e-2 and 0.1 <= p["gp"] <= 100.0 for p in points)
    assert {p["beta1"] for p in points} == {0.0, 0.5, 0.9}
    assert {p["d_steps"] for p in points} == {1, 2, 3, 4, 5}          # inclusive bounds, all hit
    assert all(p["d_lr"] == float(f"{p['lr'] * 2:.4g}") for p in points)


def test_log_uniform_is_uniform_in_log_space():
    lows = [(math.log(p["lr"]) - math.log(1e-5)) / (math.log(1e-2) - math.log(1e-5)) for p in draw(SPACE, 256)]
    assert stats.kstest(lows, "uniform").pvalue > 0.2
    # and not uniform on the linear scale: most draws sit far below the middle of [1e-5, 1e-2]
    linear = [(p["lr"] - 1e-5) / (1e-2 - 1e-5) for p in draw(SPACE, 256)]
    assert stats.kstest(linear, "uniform").pvalue < 1e-6 and statistics.median(linear) < 0.05


@pytest.mark.parametrize("space, message", [
    ({"lr": ("log_uniform", 1e-2, 1e-5)}, "the range is empty"),
    ({"lr": ("log_uniform", 0.0, 1e-2)}, "log_uniform needs low > 0"),
    ({"x": ("choice", [])}, "non-empty list"),
    ({"x": ("gaussian", 0, 1)}, "kind one of"),
    ({"x": ("expr", "y * 2")}, "not search parameters"),
    ({"x": ("int", 1.5, 3)}, "integer bounds"),
])
def test_bad_spaces_are_named_errors(space, message):
    with pytest.raises(ValueError, match=message):
        check_space(space)


def brute_force(finished: list[float], started: int, k: int) -> tuple[float, float]:
    """Mean best over all k-subsets that hold a finished trial, and the share that hold none."""
    values = finished + [math.inf] * (started - len(finished))
    bests = [min(c) for c in itertools.combinations(values, k)]
    some = [b for b in bests if b != math.inf]
    return (sum(some) / len(some) if some else math.nan), 1 - len(some) / len(bests)


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 6])
def test_expected_best_equals_brute_force_over_all_k_subsets(k):
    finished = [31.0, 12.5, 40.0, 12.5, 18.0]           # a tie included; one trial diverged
    mean, p_none = brute_force(finished, 6, k)
    best = best_of_k(finished, 6, k, lower_is_better=True)
    assert best["mean"] == pytest.approx(mean, rel=1e-12)
    assert best["p_none"] == pytest.approx(p_none, abs=1e-12)
    # higher-is-better mirrors it
    assert best_of_k([-x for x in finished], 6, k, lower_is_better=False)["mean"] == pytest.approx(-mean)


def test_budget_band_holds_the_quantiles_of_the_best():
    finished = [5.0, 1.0, 3.0, 2.0, 4.0]
    best = best_of_k(finished, 5, 2, lower_is_better=True)
    bests = sorted(min(c) for c in itertools.combinations(finished, 2))   # 10 subsets
    assert best["low"] == bests[0] == 1.0               # >= 10% of draws contain the best trial
    assert best["high"] == bests[math.ceil(0.9 * len(bests)) - 1]


TINY = """
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
Experiment.metrics = [@metrics.swd]
Experiment.threads = 1
Benchmark.name = 'search'
Benchmark.search = {'lr': ('log_uniform', 1e-4, 1e-3), 'beta1': ('choice', [0.0, 0.5])}
Benchmark.trials = %d
Benchmark.seeds = 1
Benchmark.table_metrics = ['swd_avg']
Benchmark.variants = {'hinge': ['Experiment.loss = @losses.hinge', 'Experiment.g_lr = {lr}',
                                'Experiment.d_lr = {lr}', 'Experiment.g_betas = ({beta1}, 0.999)'],
                      'fixed': []}
"""


def test_a_search_study_runs_tabulates_and_extends_without_retraining(tmp_path):
    gin_file = tmp_path / "search.gin"
    gin_file.write_text(TINY % 2)
    out = tmp_path / "runs"
    status = study.run_study(gin_file, out=out)
    assert status == {"hinge__trial-000/seed-0": "done", "hinge__trial-001/seed-0": "done", "fixed/seed-0": "done"}
    config = (out / "search" / "hinge__trial-001" / "seed-0" / "config.gin").read_text()
    point = draw({'lr': ('log_uniform', 1e-4, 1e-3), 'beta1': ('choice', [0.0, 0.5])}, 2)[1]
    assert f"Experiment.g_lr = {point['lr']!r}" in config and f"Experiment.d_lr = {point['lr']!r}" in config
    tables = (out / "search" / "tables.md").read_text()
    assert "swd_avg: best trial per method" in tables and "expected best of k trials" in tables
    assert (out / "search" / "search_swd_avg_budget.png").exists()
    results = {r["cell"]: r.get("params") for r in json.loads((out / "search" / "results.json").read_text())}
    assert results["hinge__trial-000"] == draw({'lr': ('log_uniform', 1e-4, 1e-3), 'beta1': ('choice', [0.0, 0.5])}, 1)[0]
    assert results["fixed"] is None
    from ganbench.report.html import render_report
    report = render_report(out / "search")
    assert "swd_avg: best trial per method" in report and "search_swd_avg_budget" in report
    first = (out / "search" / "hinge__trial-000" / "seed-0" / "done").stat().st_mtime_ns
    gin_file.write_text(TINY % 3)                                  # raise the trial count
    assert study.run_study(gin_file, out=out) == {"hinge__trial-002/seed-0": "done"}
    assert (out / "search" / "hinge__trial-000" / "seed-0" / "done").stat().st_mtime_ns == first


def test_an_unknown_binding_in_a_search_variant_fails_before_training(tmp_path):
    gin_file = tmp_path / "search.gin"
    gin_file.write_text((TINY % 2).replace("'Experiment.d_lr = {lr}'", "'Experiment.d_lrr = {lr}'"))
    with pytest.raises(ConfigError, match="unknown parameter 'd_lrr' of Experiment"):
        study.run_study(gin_file, out=tmp_path / "runs")
    assert not list((tmp_path / "runs").rglob("checkpoint.pt"))


def test_a_search_parameter_no_variant_uses_is_an_error(tmp_path):
    gin_file = tmp_path / "search.gin"
    gin_file.write_text((TINY % 2).replace("'beta1': ('choice', [0.0, 0.5])}", "'beta1': ('choice', [0.0, 0.5]), 'gp': ('uniform', 1, 10)}"))
    with pytest.raises(Exception, match=r"\['gp'\] appear in no variant"):
        study.plan(gin_file, tmp_path / "runs")
