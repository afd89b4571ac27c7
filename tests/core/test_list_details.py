"""`ganbench list [KIND [NAME]] --details`: every component's summary and gin parameters with
their defaults, the arguments the core passes itself, and architecture sizes; --json the same."""
from __future__ import annotations

import inspect
import json

import pytest

from ganbench import cli
from ganbench.hookspecs import hookimpl
from ganbench.registry import get_plugins


def listing(capsys, *args: str) -> str:
    assert cli.main(["list", *args]) == 0
    return capsys.readouterr().out


def test_details_show_parameters_with_their_defaults(capsys):
    out = listing(capsys, "regularizers", "--details")
    assert "  regularizers.r1  [gan]  R1: weight/2 * E||grad D(real)||^2\n      weight = 10.0\n      every = 1\n" in out
    assert "      on = 'd'\n" in out                       # regularizers.l2: defaults as repr
    assert "losses." not in out and "architectures" not in out   # the kind filter


def test_details_say_when_a_component_has_no_parameters(capsys):
    out = listing(capsys, "losses", "--details")
    assert "  losses.hinge  [gan]  hinge loss (D and G sides)\n      (no gin parameters)\n" in out


def test_core_arguments_are_named_and_not_listed_as_gin_parameters(capsys):
    out = listing(capsys, "datasets", "shapes", "--details")
    assert "core arguments (passed by ganbench, not gin): split" in out
    assert "      num_train = 20000\n" in out and "split =" not in out
    assert "datasets.silhouettes" not in out                  # one component by name


def test_json_details_hold_the_factory_defaults(capsys):
    rows = json.loads(listing(capsys, "regularizers", "--details", "--json"))
    r1 = next(r for r in rows if r["name"] == "r1")
    factory = get_plugins().registry.get("regularizers", "r1").load()
    assert r1["parameters"]["weight"] == repr(inspect.signature(factory).parameters["weight"].default)
    assert r1["parameters"] == {"weight": "10.0", "every": "1"}
    assert r1["core_arguments"] == [] and r1["var_keyword"] is False and r1["plugin"] == "gan"
    assert {r["kind"] for r in rows} == {"regularizers"}


def test_architectures_keep_their_parameter_counts(capsys):
    out = listing(capsys, "architectures", "dcgan", "--details", "--resolution", "16")
    assert "architectures (G/D sizes at 16x16, 10 classes, default settings):" in out
    assert "core arguments (passed by ganbench, not gin): resolution, channels, num_classes" in out
    assert "      z_dim = 128\n" in out and "resolution =" not in out
    assert "size: G 1.195M, D 0.157M parameters" in out
    row = json.loads(listing(capsys, "architectures", "dcgan", "--details", "--resolution", "16", "--json"))[0]
    G, D = get_plugins().registry.get("architectures", "dcgan").load()(resolution=16, channels=3, num_classes=10)
    assert row["G_params"] == sum(p.numel() for p in G.parameters()) and row["G_params"] > 1_000_000
    assert row["D_params"] == sum(p.numel() for p in D.parameters())
    assert row["core_arguments"] == ["resolution", "channels", "num_classes"]


def loose_metric(num_samples=None, **options):
    """A metric that takes any keyword."""
    return lambda ctx: {}


def needs_a_value(scale, *, shift: float = 0.5):
    """A loss whose first parameter has no default."""
    return None


class LooseFactories:
    @hookimpl
    def register_metrics(self, register):
        register("loose_for_test", loose_metric)
        register("opaque_for_test", dict, summary="a factory without a readable signature")

    @hookimpl
    def register_losses(self, register):
        register("needs_a_value_for_test", needs_a_value)


@pytest.fixture
def loose_plugin():
    plugins = get_plugins()
    plugins.register(LooseFactories(), name="test_loose")
    yield plugins
    plugins.unregister("test_loose")


def test_kwargs_and_unreadable_signatures_are_shown_without_crashing(capsys, loose_plugin):
    out = listing(capsys, "metrics", "--details")
    assert ("  metrics.loose_for_test  [test_loose]  A metric that takes any keyword.\n"
            "      num_samples = None\n"
            "      **kwargs: takes any keyword, so its other gin parameters cannot be listed\n") in out
    assert "  metrics.opaque_for_test  [test_loose]  a factory without a readable signature\n" in out
    assert "      parameters cannot be listed: its signature cannot be inspected" in out
    assert "metrics.fid_domain" in out                    # the others are still listed
    rows = {r["name"]: r for r in json.loads(listing(capsys, "metrics", "--details", "--json"))}
    assert rows["loose_for_test"]["var_keyword"] is True
    assert rows["loose_for_test"]["parameters"] == {"num_samples": "None"}
    assert "cannot be inspected" in rows["opaque_for_test"]["error"]


def test_a_parameter_without_default_is_marked_required(capsys, loose_plugin):
    out = listing(capsys, "losses", "needs_a_value_for_test", "--details")
    assert "      scale = <required>\n      shift = 0.5\n" in out
    row = json.loads(listing(capsys, "losses", "needs_a_value_for_test", "--details", "--json"))[0]
    assert row["parameters"] == {"scale": None, "shift": "0.5"}


def test_unknown_kind_or_name_is_one_line_with_the_valid_names(capsys):
    assert cli.main(["list", "losss", "--details"]) == 2
    assert "unknown kind 'losss'; kinds are architectures, losses" in capsys.readouterr().err
    assert cli.main(["list", "losses", "hinj"]) == 2
    err = capsys.readouterr().err
    assert "unknown losses 'hinj'. Did you mean hinge?" in err and "Traceback" not in err


def test_list_without_details_is_unchanged(capsys):
    out = listing(capsys, "losses")
    assert out.startswith("losses:\n  hinge ") and "[gan]" in out and "(no gin parameters)" not in out
