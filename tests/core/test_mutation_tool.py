"""`make mutation`'s configuration and report (tools/mutation.py and its mutation_* modules): every
science module and covering test file exists, the survivors' test files join their module, the
known-equivalent mutants point at real lines, and report.json / report.md round-trip. The
mutation runs themselves need cosmic-ray (the `mutation` extra) and are not run here."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[2] / "tools"
sys.path.insert(0, str(TOOLS))

import mutation_config as config  # noqa: E402
import mutation_report as report  # noqa: E402
from mutation_equivalent import EQUIVALENT  # noqa: E402


def test_every_module_and_covering_test_file_exists():
    for name, (path, tests) in config.MODULES.items():
        assert (config.ROOT / path).is_file(), name
        for entry in config.test_files(name, tests):
            if entry.startswith("--deselect="):
                entry = entry.split("=", 1)[1].split("::")[0]
            assert (config.ROOT / entry).is_file(), (name, entry)


def test_the_newer_science_modules_are_mutated():
    paths = {path for path, _ in config.MODULES.values()}
    assert {"ganbench/config/search.py", "ganbench/report/search.py", "ganbench/report/confidence.py",
            "plugins/ganbench_metrics/density_coverage.py", "plugins/ganbench_metrics/prd.py",
            "plugins/ganbench_metrics/class_metrics.py", "plugins/ganbench_metrics/memorization.py"} <= paths


def test_survivor_test_files_join_their_module():
    swd = config.test_files("swd", [])
    assert "tests/metrics/test_mutants_swd.py" in swd and "tests/metrics/test_mutants_swd_gpu_sort.py" in swd
    assert "tests/label_efficiency/test_mutants_kmeans_inertia.py" in config.test_files("kmeans", [])
    assert config.test_files("kid", ["x.py"])[0] == "x.py"
    assert len(set(config.test_files("ms_ssim", []))) == len(config.test_files("ms_ssim", []))
    assert "--deselect=a.py::b" in config.test_command(["--deselect=a.py::b"])


def test_operators_are_cosmic_ray_names():
    assert config.wanted("core/NumberReplacer") and config.wanted("core/ReplaceComparisonOperator_In_NotIn")
    assert not config.wanted("core/ReplaceBinaryOperator_Add_Mul")     # one replacement per operator


def test_equivalent_mutants_name_a_module_and_a_line_of_it():
    for (name, line, operator, mutant), reason in EQUIVALENT.items():
        path, _ = config.MODULES[name]
        lines = (config.ROOT / path).read_text().splitlines()
        assert 0 < line <= len(lines) and operator and mutant and reason, (name, line)


def test_report_round_trips(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "OUT", tmp_path)
    res = report.ModuleResult("kmeans", "plugins/ganbench_label_efficiency/kmeans.py", ["t.py"], total=10,
                              killed=7, timeout=1, survived=1, equivalent=1,
                              survivors=[{"line": 3, "operator": "AddNot", "source": "a", "mutant": "not a",
                                          "status": "survived", "diff": "-a\n+not a"}])
    assert res.score == pytest.approx(8 / 9)
    report.write([res], 60.0)
    again = report.from_json(__import__("json").loads((tmp_path / "report.json").read_text())[0])
    assert again == res
    assert "| kmeans |" in (tmp_path / "report.md").read_text() and "88.9%" in report.fmt_table([res])
    assert "not a" in (tmp_path / "survivors.md").read_text()


def test_the_command_line_lists_its_options():
    import mutation
    with pytest.raises(SystemExit) as exit:
        mutation.main(["--help"])
    assert exit.value.code == 0
