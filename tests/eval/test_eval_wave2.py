"""Wave-two evaluation: several sample sets per evaluation (mean, std, min) and the new metrics
through `ganbench eval`."""
import json

import pytest
import torch

from ganbench import cli
from ganbench.evaluate.evaluation import EVAL_SEED, Evaluation, spread_of_sets


class SeededSampler:
    """A stand-in generator: a constant image whose value depends on the seed it is drawn with."""

    num_classes = 0

    def __init__(self):
        self.seeds = []

    def __call__(self, n, labels=None, seed=EVAL_SEED):
        self.seeds.append(seed)
        value = (seed * 7) % 200
        return torch.full((n, 1, 2, 2), value, dtype=torch.uint8), None


def mean_pixel():
    def metric(ctx):
        return {"mean_pixel": ctx.samples(ctx.num_samples)[0].float().mean().item()}
    return metric


def evaluation(sampler):
    reference = type("Ref", (), {"images": torch.zeros(1, 1, 2, 2, dtype=torch.uint8)})()
    return Evaluation(sampler, reference, reference, None, "/nonexistent", torch.device("cpu"))


def test_sample_sets_report_mean_std_and_min_over_independent_pools():
    sampler = SeededSampler()
    single = evaluation(sampler).run([mean_pixel], num_samples=4)
    three = evaluation(sampler).run([mean_pixel], num_samples=4, sample_sets=3)
    values = [float((s * 7) % 200) for s in sampler.seeds[1:]]
    assert len(set(sampler.seeds[1:])) == 3 and sampler.seeds[1] == EVAL_SEED
    assert single == {"mean_pixel": values[0]}          # set 0 is the default pool
    assert set(three) == {"mean_pixel", "mean_pixel_std", "mean_pixel_min"}
    assert three["mean_pixel"] == pytest.approx(sum(values) / 3)
    assert three["mean_pixel_min"] == min(values)
    assert three["mean_pixel_std"] == pytest.approx(torch.tensor(values).std().item())
    with pytest.raises(ValueError, match="positive"):
        evaluation(sampler).run([mean_pixel], sample_sets=0)


def test_spread_leaves_out_results_a_set_did_not_produce():
    out = spread_of_sets([{"a": 1.0, "b": 2.0}, {"a": 3.0}])
    assert out == {"a": 2.0, "a_std": pytest.approx(2 ** 0.5), "a_min": 1.0}


SHAPES = ["-p", "datasets.shapes.num_train = 300", "-p", "datasets.shapes.num_test = 120",
          "-p", "datasets.shapes.resolution = 16", "-p", "feature_extractors.domain_classifier.epochs = 1"]


def test_eval_prints_the_new_feature_metrics_and_memorization(capsys):
    args = ["eval", "shapes:train", "shapes:test", "--metric", "density_coverage", "--metric", "prd",
            "--extractor", "domain_classifier", "--json", *SHAPES]
    assert cli.main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"density_domain", "coverage_domain", "prd_f8_domain", "prd_f1_8_domain"} <= set(out)
    assert 0 < out["coverage_domain"] <= 1 and 0 < out["prd_f1_8_domain"] <= 1
    # A = the training images themselves: memorized, against held-out B's train split
    assert cli.main(["eval", "shapes:train", "shapes:test", "--metric", "memorization", "--json", *SHAPES]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["memorization_ratio"] == 0.0 and out["novel_fraction"] == 0.0


def test_eval_explains_metrics_that_do_not_apply(capsys):
    assert cli.main(["eval", "shapes:train", "shapes:test", "--metric", "intra_fid",
                     "--extractor", "domain_classifier", *SHAPES]) != 0
    assert "needs a class-conditional generator" in capsys.readouterr().err
    assert cli.main(["eval", "shapes:train", "shapes:test", "--metric", "memorization",
                     "--resize", "clean", *SHAPES]) != 0
    assert "--resize clean applies to Inception metrics" in capsys.readouterr().err


def test_eval_memorization_of_held_out_images_is_one(capsys):
    assert cli.main(["eval", "shapes:test", "shapes:test", "--metric", "memorization", "--json", *SHAPES]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["memorization_ratio"] == 1.0 and out["novel_fraction"] > 0.97


def test_resize_option_binds_clean_mode_for_inception_metrics():
    assert cli.resize_bindings(["fid", "memorization", "prd"], "clean") == [
        "metrics.fid.resize = 'clean'", "metrics.prd.resize = 'clean'"]
    assert cli.resize_bindings(["fid"], "legacy") == []
