"""``experiment_summary`` (what ``experiment.json`` records) names every component by its
registered name, looked up in the registry: a third-party class registered under another name
than its class name shows that name, however gin or Python handed it to the Experiment."""
from __future__ import annotations

import json

import gin
import pytest

from ganbench import config
from ganbench.config import Experiment, experiment_summary
from ganbench.hookspecs import hookimpl
from ganbench.registry import get_plugins

# A name no other test registers: gin's configurables are process-wide, so a name is never reused.
NAME = "focal_summary_test"


class FocalLossImpl:
    """A made-up third-party loss whose class name is not its registered name."""

    def __init__(self, gamma: float = 2.0):
        self.gamma = gamma

    def d_loss(self, real_logits, fake_logits):
        return (fake_logits - real_logits).mean()

    def g_loss(self, fake_logits):
        return -fake_logits.mean()


def sharpen(weight: float = 1.0):
    """A made-up third-party metric factory (a function) registered under another name."""
    return lambda ctx: {"sharpness": weight}


class ThirdParty:
    @hookimpl
    def register_losses(self, register):
        register(NAME, FocalLossImpl, summary="focal loss, for the summary test")

    @hookimpl
    def register_metrics(self, register):
        register("sharpness_summary_test", sharpen, summary="a metric, for the summary test")


@pytest.fixture
def third_party():
    plugins = get_plugins()
    info = plugins.register(ThirdParty(), name="summary_test_plugin")
    assert info.components == [f"losses.{NAME}", "metrics.sharpness_summary_test"], info.errors
    try:
        yield
    finally:
        plugins.unregister("summary_test_plugin")
        gin.clear_config()


def summary_of(*bindings: str) -> dict:
    config.parse([], list(bindings))
    summary = experiment_summary(Experiment())
    json.dumps(summary)            # what cell.py writes must be JSON-able
    return summary


def test_third_party_class_is_recorded_by_its_registered_name(third_party):
    summary = summary_of(f"Experiment.loss = @losses.{NAME}",
                         "Experiment.metrics = [@metrics.sharpness_summary_test, 'fid_domain']")
    assert summary["loss"] == NAME                    # not "FocalLossImpl"
    assert summary["metrics"] == ["sharpness_summary_test", "fid_domain"]


def test_scoped_function_factory_gives_the_registered_name(third_party):
    summary = summary_of("Experiment.metrics = [@fast/metrics.sharpness_summary_test]",
                         "fast/metrics.sharpness_summary_test.weight = 2.0")
    assert summary["metrics"] == ["sharpness_summary_test"]      # not "sharpen"


@pytest.mark.parametrize("how", ["scoped reference", "evaluated reference", "string"])
def test_every_way_of_naming_the_component_gives_the_registered_name(third_party, how):
    binding = {"scoped reference": f"Experiment.loss = @myscope/losses.{NAME}",
               "evaluated reference": f"Experiment.loss = @losses.{NAME}()",   # an instance
               "string": f"Experiment.loss = '{NAME}'"}[how]
    assert summary_of(binding)["loss"] == NAME


def test_python_values_gin_reference_raw_factory_and_instance(third_party):
    config.parse([], [f"Experiment.loss = @losses.{NAME}"])
    reference = gin.query_parameter("Experiment.loss")          # gin's ConfigurableReference
    assert isinstance(reference, gin.config.ConfigurableReference)
    for value in (reference, FocalLossImpl, FocalLossImpl(gamma=1.0)):
        assert experiment_summary(Experiment(loss=value))["loss"] == NAME, value


def test_builtins_keep_their_registered_names():
    summary = summary_of("Experiment.loss = @losses.hinge",
                         "Experiment.architecture = @architectures.dcgan",
                         "Experiment.dataset = @datasets.shapes",
                         "Experiment.regularizers = [@regularizers.r1, @regularizers.wgan_gp]",
                         "Experiment.metrics = [@metrics.swd, 'fid_domain']",
                         "Experiment.steps = 7", "Experiment.g_betas = (0.5, 0.9)")
    gin.clear_config()
    assert (summary["loss"], summary["architecture"], summary["dataset"]) == ("hinge", "dcgan", "shapes")
    assert summary["regularizers"] == ["r1", "wgan_gp"]          # classes R1Penalty, WGANGradientPenalty
    assert summary["metrics"] == ["swd", "fid_domain"]
    # values that are not components stay as they are
    assert (summary["steps"], summary["g_betas"], summary["ema_decay"]) == (7, [0.5, 0.9], None)


def test_defaults_are_unchanged():
    gin.clear_config()
    summary = experiment_summary(Experiment())
    assert summary["loss"] == "hinge" and summary["architecture"] == "dcgan"
    assert summary["metrics"] == ["fid_domain", "is_domain"] and summary["regularizers"] == []
    assert summary["labeler"] == "full" and summary["dataset"] == "shapes"


def test_unregistered_callable_keeps_its_name():
    def my_own_loss():
        return None
    assert experiment_summary(Experiment(loss=my_own_loss))["loss"] == "my_own_loss"
