"""The run log: metrics.jsonl records, the console line with ETA, TensorBoard when asked."""
import json

import pytest

from ganbench.run.log import RunLog, format_seconds


def test_records_go_to_jsonl_and_console_line_has_eta(tmp_path, monkeypatch, capsys):
    clock = iter([100.0, 100.0, 110.0])           # construction, first record, second record
    monkeypatch.setattr("ganbench.run.log.time.perf_counter", lambda: next(clock))
    log = RunLog(tmp_path, "cell/seed-0", total_steps=300)
    log({"step": 100, "d_loss": 1.5, "g_loss": 0.25, "images_per_s": 640.0})
    log({"step": 200, "d_loss": 1.0, "g_loss": 0.5, "images_per_s": 640.0})
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "[cell/seed-0] step 100/300  d_loss 1.500  g_loss 0.250  640 img/s"
    # 100 steps in 10 s -> the last 100 steps take 10 s
    assert lines[1].endswith("ETA 0m10s")
    records = [json.loads(x) for x in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [r["kind"] for r in records] == ["train", "train"] and records[1]["step"] == 200


def test_format_seconds():
    assert format_seconds(75) == "1m15s" and format_seconds(3725) == "1h02m"


def test_tensorboard_events_are_written_when_enabled(tmp_path):
    pytest.importorskip("tensorboard", reason="tensorboard is a test extra; install ganbench[test]")
    log = RunLog(tmp_path, "c", total_steps=10, tensorboard=True, console=False)
    log({"step": 5, "d_loss": 1.0, "g_loss": 2.0, "images_per_s": 10.0})
    log.close()
    assert list(tmp_path.rglob("events.out.tfevents.*"))
