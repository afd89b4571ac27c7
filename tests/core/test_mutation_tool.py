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
            "plugins/ganbench_metrics/class_metrics.py", "plugins/ganbench_metrics/memorization.py",
            "plugins/ganbench_label_efficiency/pretrain.py", "plugins/ganbench_augment/ops.py"} <= paths


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


# --jobs N (tools/mutation_parallel.py): private copies of the checkout and a shared queue.

def git(cwd, *args):
    import subprocess
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def make_repo(root: Path, fake_tool: str) -> Path:
    root.mkdir()
    git(root, "init", "-q")
    git(root, "config", "user.email", "t@t")
    git(root, "config", "user.name", "t")
    (root / ".gitignore").write_text("build/\nignored.txt\n")
    (root / "tools").mkdir()
    (root / "tools" / "mutation.py").write_text(fake_tool)
    (root / "module.py").write_text("committed\n")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "init")
    return root


# Stands in for tools/mutation.py in a copy: records the module it was given, the PYTHONPATH it
# saw and the copy's module.py in build/mutation/report.json, the way the real one does.
FAKE_TOOL = '''
import json, os, sys, time
time.sleep(0.2)  # long enough that both workers take a module
from pathlib import Path
name = sys.argv[sys.argv.index("--module") + 1]
if name == "broken":
    sys.exit(2)
out = Path("build/mutation"); out.mkdir(parents=True, exist_ok=True)
rows = json.loads((out / "report.json").read_text()) if (out / "report.json").exists() else []
rows.append({"name": name, "path": Path("module.py").read_text().strip(), "tests": [os.environ["PYTHONPATH"]],
             "total": 4, "killed": 3 if name != "weak" else 1, "survived": 1 if name != "weak" else 3})
(out / "report.json").write_text(json.dumps(rows))
sys.exit(1 if name == "weak" else 0)
'''


def test_longest_first_orders_by_mutant_count():
    import mutation_parallel
    assert mutation_parallel.longest_first({"a": 5, "b": 400, "c": 60, "d": 60}) == ["b", "c", "d", "a"]


def test_copies_carry_uncommitted_and_untracked_files_but_not_ignored_ones(tmp_path):
    import mutation_parallel
    root = make_repo(tmp_path / "root", FAKE_TOOL)
    (root / "module.py").write_text("edited\n")
    (root / "tests").mkdir()
    (root / "tests" / "test_new.py").write_text("new\n")
    (root / "ignored.txt").write_text("x\n")
    assert mutation_parallel.uncommitted_files(root) == ["module.py", "tests/test_new.py"]
    copy = mutation_parallel.make_copy(root, tmp_path / "copy")
    assert (copy / "module.py").read_text() == "edited\n" and (copy / "tests" / "test_new.py").read_text() == "new\n"
    assert not (copy / "ignored.txt").exists()
    assert "module.py" in git(copy, "status", "--porcelain")      # still seen as a change in the copy


def test_workers_import_from_their_copy_and_do_not_oversubscribe(tmp_path, monkeypatch):
    import mutation_parallel
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(mutation_parallel.os, "cpu_count", lambda: 4)
    env = mutation_parallel.worker_env(tmp_path, 2)
    assert env["PYTHONPATH"].split(mutation_parallel.os.pathsep) == [str(tmp_path), str(tmp_path / "plugins")]
    assert env["OMP_NUM_THREADS"] == "2"


def test_every_module_runs_once_in_a_copy_and_the_reports_merge(tmp_path):
    import mutation_parallel
    root = make_repo(tmp_path / "root", FAKE_TOOL)
    (root / "module.py").write_text("uncommitted\n")
    names = ["a", "b", "weak", "c", "d"]
    results = mutation_parallel.run_parallel(root, names, 2, [])
    assert sorted(r.name for r in results) == sorted(names)                   # each once; "weak" exits 1 and still counts
    assert {r.path for r in results} == {"uncommitted"}                       # the copy carried the edit
    assert all(r.tests[0].split(mutation_parallel.os.pathsep)[0] != str(root) for r in results)
    assert len({r.tests[0] for r in results}) == 2                            # two copies shared the work
    assert next(r for r in results if r.name == "weak").score == pytest.approx(0.25)
    assert (root / "module.py").read_text() == "uncommitted\n" and not (root / "build").exists()


def test_a_failed_module_run_is_named(tmp_path):
    import mutation_parallel
    root = make_repo(tmp_path / "root", FAKE_TOOL)
    with pytest.raises(SystemExit, match="broken"):
        mutation_parallel.run_parallel(root, ["a", "broken"], 2, [])


def test_a_terminated_parallel_run_stops_its_workers_and_removes_their_copies(tmp_path):
    # A SIGTERM to `make mutation --jobs N` must not leave copies of the checkout behind (found
    # when a duplicate run was killed): the parent turns the signal into SystemExit, whose
    # clean-up terminates the workers and removes the temporary folder.
    import os
    import signal
    import subprocess
    import time
    sleeper = "import time\nfrom pathlib import Path\nPath('started').write_text('')\ntime.sleep(60)\n"
    root = make_repo(tmp_path / "root", sleeper)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    script = (f"import sys; sys.path.insert(0, {str(TOOLS)!r})\n"
              "import mutation, mutation_parallel\nfrom pathlib import Path\n"
              "mutation.exit_on_signals()\n"
              f"mutation_parallel.run_parallel(Path({str(root)!r}), ['a', 'b'], 2, [])\n")
    proc = subprocess.Popen([sys.executable, "-c", script], env=dict(os.environ, TMPDIR=str(scratch)))
    deadline = time.monotonic() + 30
    while len(list(scratch.glob("ganbench-mutation-*/worker-*/started"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)       # wait until both workers run their (sleeping) module
    assert len(list(scratch.glob("ganbench-mutation-*/worker-*/started"))) == 2, "the workers never started"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 143
    assert not list(scratch.iterdir())
