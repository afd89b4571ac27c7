"""Kills mutants of ``ganbench/results.py`` that tests/core/test_results.py lets survive
(`make mutation`, docs/testing.md): the JSONL log's torn-line repair, the done/error files,
seed aggregation (diverged, crashed, failed metrics), failure attribution, traceback reasons
and the results.json rows."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from ganbench import results as R


def test_append_jsonl_closes_a_torn_last_line(tmp_path):
    path = tmp_path / "m.jsonl"
    R.append_jsonl(path, {"a": 1})
    assert path.read_bytes() == b'{"a": 1}\n'
    R.append_jsonl(path, {"b": 2, "a": 0})
    assert path.read_bytes() == b'{"a": 1}\n{"a": 0, "b": 2}\n'
    with open(path, "ab") as f:
        f.write(b'{"torn": ')
    R.append_jsonl(path, {"c": 3})
    assert path.read_bytes() == b'{"a": 1}\n{"a": 0, "b": 2}\n{"torn": \n{"c": 3}\n'
    assert R.read_jsonl(path) == [{"a": 1}, {"a": 0, "b": 2}, {"c": 3}]
    assert R.read_jsonl(tmp_path / "missing.jsonl") == []


def test_done_files(tmp_path):
    assert R.read_done(tmp_path) is None
    R.write_done(tmp_path, "done", {"fid": 1.5}, extra=1)
    assert R.read_done(tmp_path) == {"status": "done", "metrics": {"fid": 1.5}, "extra": 1}
    (tmp_path / R.DONE).write_text("{not json")
    assert R.read_done(tmp_path) is None


def test_seed_dir_stays_inside_the_study(tmp_path):
    assert R.seed_dir(tmp_path, "cell", 2) == (tmp_path / "cell" / "seed-2").resolve()
    with pytest.raises(ValueError, match="escape"):
        R.seed_dir(tmp_path, "../../elsewhere", 0)


def test_versions_and_missing_distributions():
    plugins = SimpleNamespace(infos={"p": SimpleNamespace(name="p", dist="d", version="1", errors=[])})
    v = R.versions(plugins)
    assert v["plugins"] == {"p": {"distribution": "d", "version": "1", "errors": []}}
    assert set(v) == {"python", "torch", "ganbench", "gin-config", "plugins"}
    assert v["gin-config"] != "not installed"
    assert R._dist_version("surely-not-an-installed-distribution-xyz") == "not installed"


TB = """Traceback (most recent call last):
  File "a.py", line 1, in <module>
    f()

  File "b.py", line 2, in f
    raise KeyError('x')
KeyError: 'x'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "c.py", line 3, in g
\tx = y
torch.cuda.OutOfMemoryError: CUDA out of memory.
Tried to allocate 2 GiB
"""


def test_error_reason_takes_the_last_exception_without_its_module():
    assert R.error_reason(TB) == "OutOfMemoryError: CUDA out of memory.\nTried to allocate 2 GiB"
    assert R.error_reason("just a line\nValueError: bad") == "just a line\nValueError: bad"
    assert R.error_reason("my_pkg.sub.Err: m") == "Err: m"
    assert R.error_reason("not an exception: at all") == "not an exception: at all"
    assert R.error_reason("Traceback (most recent call last):\n  File x\n") == "File x"
    assert R.error_reason("") == "unknown error (empty error.txt)"
    assert R.error_reason("   \n  ") == "unknown error (empty error.txt)"


def test_read_error(tmp_path):
    assert R.read_error(tmp_path) is None
    (tmp_path / R.ERROR).write_text(TB)
    assert R.read_error(tmp_path).startswith("OutOfMemoryError: CUDA out of memory.")
    (tmp_path / R.ERROR).unlink()
    (tmp_path / R.ERROR).mkdir()
    assert R.read_error(tmp_path).startswith("unreadable error.txt: ")


def test_failures_are_put_on_the_matching_metric():
    s = R.CellSummary("c", "v", {}, 4, seed_errors={3: "Boom: x"},
                      metric_errors={0: {"swd": "E: a", "kid": "F: b"}, 1: {}, 2: {"fid": "G: c"}},
                      seed_results={0: ["fid"], 1: [], 2: ["swd_avg"]})
    assert s.failures("swd_avg") == [(0, "E: a"), (3, "Boom: x")]
    assert s.failures("kid") == [(0, "F: b"), (2, "fid: G: c"), (3, "Boom: x")]
    # no failed metric matches: every failed metric of the seed is named
    assert s.failures("is") == [(0, "swd: E: a; kid: F: b"), (2, "fid: G: c"), (3, "Boom: x")]
    # seed 0 has fid: its failed metrics cost nothing there
    assert s.failures("fid") == [(2, "G: c"), (3, "Boom: x")]
    assert s.failures("swdx") == [(0, "swd: E: a; kid: F: b"), (2, "fid: G: c"), (3, "Boom: x")]
    assert s.seeds_failed == 1


def test_stat():
    s = R.CellSummary("c", "v", {}, 3, values={"m": [3.0, 1.0, 2.0, 10.0], "e": []})
    assert s.stat("m") == {"median": 2.5, "min": 1.0, "max": 10.0, "n": 4}
    assert s.stat("e") is None and s.stat("missing") is None


def _study(tmp_path):
    cells = [{"id": "a", "variant": "A", "axis_values": [["f", 0.1]]},
             {"id": "b", "variant": "B", "axis_values": [], "trial": 2, "params": {"lr": 0.5}}]
    R.write_study_manifest(tmp_path, {"cells": cells, "seeds": [0, 1, 2, 3]})
    a = lambda s: R.seed_dir(tmp_path, "a", s)  # noqa: E731
    for s in range(4):
        a(s).mkdir(parents=True)
    R.write_done(a(0), "done", {"fid": 2.0, "is": 1.0})
    R.write_done(a(1), "done", {"fid": 4.0}, metric_errors={"is": "E: x"})
    R.write_done(a(2), "diverged", {"fid": 99.0})
    (a(3) / R.ERROR).write_text("ValueError: bad")
    R.seed_dir(tmp_path, "b", 0).mkdir(parents=True)
    R.write_done(R.seed_dir(tmp_path, "b", 0), "done", {"fid": 1.0})
    return tmp_path


def test_summarize_counts_done_diverged_and_crashed_seeds(tmp_path):
    a, b = R.load_results(_study(tmp_path))
    assert (a.cell_id, a.variant, a.axis_values, a.seeds_total) == ("a", "A", {"f": 0.1}, 4)
    assert (a.seeds_done, a.seeds_diverged, a.seeds_failed) == (3, 1, 1)
    assert a.values == {"fid": [2.0, 4.0], "is": [1.0]}
    assert a.seed_errors == {3: "ValueError: bad"}
    assert a.metric_errors == {1: {"is": "E: x"}}
    assert a.seed_results == {0: ["fid", "is"], 1: ["fid"]}
    assert (a.trial, a.params) == (None, {})
    assert (b.trial, b.params, b.seeds_done, b.seeds_failed) == (2, {"lr": 0.5}, 1, 0)


def test_results_json_rows(tmp_path):
    study = _study(tmp_path)
    R.write_results(study, R.load_results(study))
    a, b = json.loads((study / "results.json").read_text())
    assert a == {"cell": "a", "variant": "A", "axes": {"f": 0.1}, "seeds_total": 4, "seeds_done": 3,
                 "seeds_diverged": 1, "seeds_failed": 1,
                 "metrics": {"fid": {"median": 3.0, "min": 2.0, "max": 4.0, "n": 2, "values": [2.0, 4.0]},
                             "is": {"median": 1.0, "min": 1.0, "max": 1.0, "n": 1, "values": [1.0]}},
                 "failures": [{"seed": 3, "error": "ValueError: bad"}],
                 "metric_errors": [{"seed": 1, "metric": "is", "error": "E: x"}]}
    assert (b["trial"], b["params"]) == (2, {"lr": 0.5})


def test_missing_manifest_is_explained(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a ganbench study directory"):
        R.read_study_manifest(tmp_path)


def test_error_reason_edge_cases():
    # an odd number of frame lines (file, source, caret)
    tb = 'Traceback (most recent call last):\n  File "a.py", line 1\n    f()\n    ^^^\nValueError: x\ndetail\n'
    assert R.error_reason(tb) == "ValueError: x\ndetail"
    # no frame at all: the line after the header is already the exception
    assert R.error_reason("Traceback (most recent call last):\nValueError: x\nmore") == "ValueError: x\nmore"
    # nothing after the frames: the last line
    assert R.error_reason("Traceback (most recent call last):\n  File x\n    source") == "source"
    # no ':' at all: kept as it is
    assert R.error_reason("Boom") == "Boom"
    assert R.error_reason("a.b") == "a.b"


def test_read_error_names_the_os_error(tmp_path):
    (tmp_path / R.ERROR).mkdir()
    assert R.read_error(tmp_path) == "unreadable error.txt: Is a directory"


def test_a_seed_without_any_file_does_not_hide_later_seeds(tmp_path):
    R.write_study_manifest(tmp_path, {"cells": [{"id": "a", "variant": "A", "axis_values": []}],
                                      "seeds": [0, 1, 2]})
    R.seed_dir(tmp_path, "a", 0).mkdir(parents=True)            # not run yet
    R.seed_dir(tmp_path, "a", 1).mkdir(parents=True)
    R.write_done(R.seed_dir(tmp_path, "a", 1), "diverged", {})
    R.seed_dir(tmp_path, "a", 2).mkdir(parents=True)
    R.write_done(R.seed_dir(tmp_path, "a", 2), "done", {"fid": 5.0})
    (a,) = R.load_results(tmp_path)
    assert (a.seeds_done, a.seeds_diverged, a.seeds_failed, a.values) == (2, 1, 0, {"fid": [5.0]})
