"""End to end with the installed example plugin: a tiny grid names its loss, metric and gin
fragment; once it is uninstalled, the same names fail with a message saying what to install."""
from __future__ import annotations

import json
import math
import re
import shutil

import pytest

from ganbench.registry import missing_include_hint, unknown_message
from ganbench.results import read_done

TINY_STUDY = """
include 'relativistic/rel_hinge.gin'    # shipped by the plugin, found via gin_search_paths

Benchmark.variants = {
    'RaHinge': [],
    'hinge': ['Experiment.loss = @losses.hinge'],
}
Benchmark.seeds = 1
Benchmark.table_metrics = ['nn_distance_ratio']
Benchmark.executor = 'inprocess'

Experiment.dataset = @datasets.shapes
datasets.shapes.num_train = 512
datasets.shapes.num_test = 128
datasets.shapes.resolution = 16
Experiment.architecture = @architectures.dcgan
architectures.dcgan.base_width = 8
architectures.dcgan.z_dim = 16
Experiment.labeler = @labelers.single
Experiment.metrics = [@metrics.nearest_neighbour_distance]
Experiment.eval_samples = 64
Experiment.steps = 5
Experiment.batch_size = 16
Experiment.log_every = 5
Experiment.checkpoint_every = 5
Experiment.device = 'cpu'
Experiment.threads = 1
"""


@pytest.mark.slow
def test_tiny_grid_runs_with_the_example_plugin(ganbench_cli, relativistic_site, tmp_path):
    (tmp_path / "rel_study.gin").write_text(TINY_STUDY)
    done = ganbench_cli(["run", "rel_study.gin", "--out", "runs"], sites=[relativistic_site], timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "nn_distance_ratio" in done.stdout and "RaHinge" in done.stdout   # the printed table
    study = tmp_path / "runs" / "rel_study"
    for cell, loss_class in (("rahinge", "relativistic_hinge"), ("hinge", None)):
        run_dir = study / cell / "seed-0"
        result = read_done(run_dir)
        assert result["status"] == "done", result
        metrics = result["metrics"]
        assert 0 < metrics["nn_distance"] < 1 and math.isfinite(metrics["nn_distance_ratio"])
        assert metrics["nn_distance_ratio"] > 0
        loss_name = json.loads((run_dir / "experiment.json").read_text())["loss"]
        assert (loss_name == loss_class) if loss_class else (loss_name != "RelativisticHinge")
        versions = json.loads((run_dir / "versions.json").read_text())
        assert versions["plugins"]["relativistic"]["version"] == "0.1.0"
    operative = (study / "rahinge" / "seed-0" / "config.gin").read_text()
    assert "Experiment.loss = @losses.relativistic_hinge" in operative   # the fragment's bindings
    assert re.search(r"^(losses\.)?relativistic_hinge\.margin = 1\.0$", operative, re.M)
    assert "Experiment.g_betas = (0.5, 0.999)" in operative
    train_log = [json.loads(line) for line in (study / "rahinge" / "seed-0" / "metrics.jsonl").open()]
    g_losses = [r["g_loss"] for r in train_log if r["kind"] == "train"]
    assert g_losses and all(g >= 0 for g in g_losses)   # RaHinge's G loss is a sum of hinges


UNINSTALLED_STUDY = """
Benchmark.variants = {'RaHinge': []}
Experiment.loss = @losses.relativistic_hinge
"""


def test_uninstalled_plugin_names_the_package_to_install(ganbench_cli, relativistic_site, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(relativistic_site, site)
    (tmp_path / "study.gin").write_text(UNINSTALLED_STUDY)
    installed = ganbench_cli(["run", "study.gin", "--dry-run"], sites=[site])
    assert installed.returncode == 0, installed.stderr
    assert "rahinge/seed-0: todo" in installed.stdout
    shutil.rmtree(site)   # uninstall: the distribution and its entry point are gone
    missing = ganbench_cli(["run", "study.gin", "--dry-run"], sites=[site])
    assert missing.returncode == 2
    assert "study.gin:3: unknown losses 'relativistic_hinge'" in missing.stderr
    assert "provided by the plugin package 'ganbench-relativistic'" in missing.stderr
    assert "pip install ganbench-relativistic" in missing.stderr
    assert "Valid losses: " in missing.stderr and "hinge" in missing.stderr
    assert "Traceback" not in missing.stderr


MISSPELLED_STUDY = """
Benchmark.variants = {'RaHinge': []}
Experiment.loss = @losses.relativistic_hinge
losses.relativistic_hinge.margn = 2.0
"""


def test_plugin_parameters_are_listed_and_a_misspelled_one_is_named(ganbench_cli, relativistic_site, tmp_path):
    listed = ganbench_cli(["list", "losses", "relativistic_hinge", "--details"], sites=[relativistic_site])
    assert listed.returncode == 0, listed.stderr
    assert "  losses.relativistic_hinge  [relativistic]  relativistic average hinge loss" in listed.stdout
    assert "\n      margin = 1.0\n" in listed.stdout
    (tmp_path / "study.gin").write_text(MISSPELLED_STUDY)
    typo = ganbench_cli(["run", "study.gin", "--dry-run"], sites=[relativistic_site])
    assert typo.returncode == 2
    assert typo.stderr == ("ganbench: error: study.gin:4: unknown parameter 'margn' of losses.relativistic_hinge. "
                           "Did you mean margin? Valid parameters of losses.relativistic_hinge: margin "
                           "(`ganbench list losses relativistic_hinge --details` shows them with their defaults).\n")


def test_uninstalled_plugin_fragment_names_the_package_once(ganbench_cli, tmp_path):
    (tmp_path / "study.gin").write_text("Benchmark.variants = {'a': []}\ninclude 'relativistic/rel_hinge.gin'\n")
    missing = ganbench_cli(["run", "study.gin", "--dry-run"])
    assert missing.returncode == 2
    assert missing.stderr.startswith("ganbench: error: study.gin:2: included file 'relativistic/rel_hinge.gin' "
                                     "was not found in the gin search path")
    assert missing.stderr.count("study.gin") == 1 and missing.stderr.count("pip install ganbench-relativistic") == 1
    assert missing.stderr.count("\n") == 1 and "Traceback" not in missing.stderr


def test_unknown_message_hints_only_for_known_plugin_components():
    known = unknown_message("metrics", "nearest_neighbour_distance", ["fid_domain"])
    assert "pip install ganbench-relativistic" in known and "Valid metrics: fid_domain." in known
    typo = unknown_message("losses", "hinje", ["hinge", "wasserstein"])
    assert "Did you mean hinge?" in typo and "pip install" not in typo
    assert "pip install ganbench-relativistic" in missing_include_hint("relativistic/rel_hinge.gin")
    unknown = missing_include_hint("nowhere/thing.gin")
    assert "may be missing" in unknown and "ganbench plugins" in unknown and "pip install" not in unknown
