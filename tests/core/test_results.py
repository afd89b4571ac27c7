"""Median aggregation over seeds, with hand-computed numbers, and the tables built from it."""
import json

from ganbench.report import tables
from ganbench.results import seed_dir, summarize, write_done


def write_seeds(study, cell, values, statuses=None):
    for seed, value in enumerate(values):
        status = (statuses or {}).get(seed, "done")
        write_done(seed_dir(study, cell, seed), status, {} if status != "done" else {"fid": value, "is": -value})


def test_median_min_max_over_seeds(tmp_path):
    write_seeds(tmp_path, "a", [3.0, 10.0, 4.0, 100.0])       # median of 4 = (4+10)/2
    write_seeds(tmp_path, "b", [5.0, 1.0, 2.0], {1: "diverged"})
    cells = [{"id": "a", "variant": "A", "axis_values": []}, {"id": "b", "variant": "B", "axis_values": []}]
    a, b = summarize(tmp_path, cells, [0, 1, 2, 3])
    assert a.stat("fid") == {"median": 7.0, "min": 3.0, "max": 100.0, "n": 4}
    assert b.stat("fid") == {"median": 3.5, "min": 2.0, "max": 5.0, "n": 2}
    assert (b.seeds_done, b.seeds_diverged, b.seeds_total) == (3, 1, 4)


def test_table_bolds_best_and_marks_divergence(tmp_path):
    write_seeds(tmp_path, "a", [3.0, 10.0, 4.0])
    write_seeds(tmp_path, "b", [5.0, 1.0, 2.0], {1: "diverged"})
    info = {"name": "t", "axes": {}, "variants": ["A", "B"], "seeds": [0, 1, 2],
            "table_metrics": ["fid"], "extra_tables": []}
    cells = [{"id": "a", "variant": "A", "axis_values": []}, {"id": "b", "variant": "B", "axis_values": []}]
    summaries = summarize(tmp_path, cells, [0, 1, 2])
    md = tables.metric_table(info, summaries, "fid")
    assert "| A        | 4.00 [3.00, 10.00]" in md.replace("  ", " ") or "4.00 [3.00, 10.00]" in md
    assert "**3.50** [2.00, 5.00] (1/3 diverged)" in md       # lower FID is better
    is_md = tables.metric_table(info, summaries, "is")
    assert "**-3.50**" in is_md                                  # higher IS is better
    latex = tables.metric_table(info, summaries, "fid", "latex")
    assert latex.count("{") == latex.count("}") and "\\textbf{3.50}" in latex
    csv = tables.metric_table(info, summaries, "fid", "csv").splitlines()
    assert csv == ["fid,value", "A,4", "B,3.5"]


def test_done_file_is_json_written_atomically(tmp_path):
    write_done(tmp_path, "done", {"fid": 1.5})
    assert json.loads((tmp_path / "done").read_text())["metrics"] == {"fid": 1.5}
    assert [p.name for p in tmp_path.iterdir()] == ["done"]   # no temporary file left behind


def test_a_median_over_fewer_seeds_than_requested_is_marked_and_never_bold(tmp_path):
    """One finished seed of three (the others not run yet) must not be bolded as the best."""
    write_seeds(tmp_path, "a", [3.0, 10.0, 4.0])
    write_seeds(tmp_path, "b", [1.0])                       # seeds 1 and 2 not run yet
    info = {"name": "t", "axes": {}, "variants": ["A", "B"], "seeds": [0, 1, 2],
            "table_metrics": ["fid"], "extra_tables": []}
    cells = [{"id": "a", "variant": "A", "axis_values": []}, {"id": "b", "variant": "B", "axis_values": []}]
    md = tables.metric_table(info, summarize(tmp_path, cells, [0, 1, 2]), "fid")
    assert "1.00 (2 not run)" in md and "**1.00**" not in md
    assert "**4.00** [3.00, 10.00]" in md                    # the complete cell is the best shown
