"""Benchmark grid expansion, stable cell ids and path safety."""
import pytest

from ganbench.config.benchmark import Benchmark, expand, slug


@pytest.fixture(autouse=True)
def no_gin_bindings():
    """Benchmark is gin-configurable: bindings an earlier test parsed (Benchmark.seeds = 1...)
    would fill the fields these tests leave at their defaults."""
    import gin
    gin.clear_config()
    yield


def make(**kw):
    return Benchmark(**{"variants": {"BigGAN (100%)": ["Experiment.labeler = @labelers.full"],
                                     "S3GAN": ["labelers.s2gan.fraction = {fraction}",
                                               "Experiment.steps = {steps}"]},
                        "axes": {"fraction": [0.05, 0.1], "steps": [10, 20]}, **kw})


def test_variants_expand_only_over_the_axes_they_mention():
    cells = expand(make())
    ids = [c.id for c in cells]
    assert ids == ["biggan-100",
                   "s3gan__fraction-0.05__steps-10", "s3gan__fraction-0.05__steps-20",
                   "s3gan__fraction-0.1__steps-10", "s3gan__fraction-0.1__steps-20"]
    assert cells[2].bindings == ("labelers.s2gan.fraction = 0.05", "Experiment.steps = 20")
    assert dict(cells[0].axis_values) == {}


def test_ids_are_stable_and_seeds_default_to_three():
    assert [c.id for c in expand(make())] == [c.id for c in expand(make())]
    assert make().seed_list() == [0, 1, 2]
    assert make(seeds=[7, 9]).seed_list() == [7, 9]


@pytest.mark.parametrize("name", ["../../etc", "a/b", "..", "/abs", "x\\y"])
def test_slug_never_escapes(name):
    s = slug(name)
    assert "/" not in s and "\\" not in s and s not in ("", ".", "..") and not s.startswith(".")


def test_bad_benchmarks_are_rejected_with_reasons():
    with pytest.raises(ValueError, match="which is neither an axis"):
        Benchmark(variants={"a": ["x = {nope}"]})
    with pytest.raises(ValueError, match="variants is empty"):
        Benchmark()
    with pytest.raises(ValueError, match="seeds"):
        Benchmark(variants={"a": []}, seeds=0)
    with pytest.raises(ValueError, match="same directory name"):
        Benchmark(variants={"A b": [], "a-b": []})


def test_labelled_axis_values_name_columns_and_bind_values():
    bench = Benchmark(variants={"hinge": ["Experiment.regularizers = {penalty}"]},
                      axes={"penalty": {"none": "[]", "r1": "[@regularizers.r1]"}})
    cells = expand(bench)
    assert [c.id for c in cells] == ["hinge__penalty-none", "hinge__penalty-r1"]
    assert cells[1].bindings == ("Experiment.regularizers = [@regularizers.r1]",)
    assert dict(cells[1].axis_values) == {"penalty": "r1"}
