"""Kills mutants of ``ganbench/report/tables.py``'s ``accuracy_lines`` (`make mutation`,
docs/testing.md): the line per data-trained extractor that states its held-out accuracy, which
bounds what the ``*_domain`` scores and class consistency of a table can show."""
from __future__ import annotations

from ganbench.report import tables as T


def _fact(extractors, runs=None, train="cifar10/train[:500]", test="cifar10/test"):
    fact = {"train": train, "test": test}
    if extractors is not None:
        fact["extractors"] = extractors
    if runs is not None:
        fact["runs"] = runs
    return fact


def test_one_line_per_extractor_with_accuracy_test_split_and_runs():
    # 0.875 prints as 87.5%; extractors in name order; one without a recorded accuracy (an
    # extractor that could not be evaluated) is skipped, and the ones after it are still listed
    facts = [_fact({"domain_classifier": {"test_accuracy": 0.875, "test_images": 10000},
                    "a_probe": {"test_accuracy": None, "test_images": 10000},
                    "z_probe": {"test_accuracy": 0.5}}, runs=3),
             _fact({"domain_classifier": {"test_accuracy": 0.25, "test_images": 200}}, runs=1,
                   train="svhn/train", test="svhn/test")]
    assert T.accuracy_lines(facts) == [
        "Domain classifier test accuracy: 87.5% on 10000 test images (cifar10/test; trained on "
        "cifar10/train[:500]; 3 run(s)).",
        "Z probe test accuracy: 50.0% on ? test images (cifar10/test; trained on cifar10/train[:500]; "
        "3 run(s)).",
        "Domain classifier test accuracy: 25.0% on 200 test images (svhn/test; trained on svhn/train; "
        "1 run(s)).",
    ]


def test_no_extractors_no_lines_and_unknown_run_count_is_zero():
    # data without a trained extractor says nothing; a fact without a run count counts 0 runs
    assert T.accuracy_lines([_fact(None, runs=2), _fact({}, runs=2)]) == []
    assert T.accuracy_lines([]) == []
    (line,) = T.accuracy_lines([_fact({"domain_classifier": {"test_accuracy": 1.0, "test_images": 5}})])
    assert line.endswith("; 0 run(s)).") and "100.0% on 5 test images" in line


def test_render_all_ends_with_the_accuracy_lines():
    # the report states the bound under the tables, one paragraph per line
    info = {"name": "s", "seeds": [0], "variants": ["a"], "axes": {}, "table_metrics": [],
            "extra_tables": [],
            "data_facts": [_fact({"domain_classifier": {"test_accuracy": 0.9, "test_images": 50}}, runs=2)]}
    text = T.render_all(info, [])
    assert text.endswith("\nDomain classifier test accuracy: 90.0% on 50 test images (cifar10/test; "
                         "trained on cifar10/train[:500]; 2 run(s)).\n")
