"""`ganbench cache list / size / clear`: entries shown with what they were made from, cleared by
kind, by dataset or all, never interactively."""
import json

import pytest
import torch

from ganbench import cli
from ganbench.storage import cached


@pytest.fixture
def filled_cache(tmp_path, monkeypatch):
    root = tmp_path / "cache"
    monkeypatch.setenv("GANBENCH_CACHE", str(root))
    cached("datasets/image_folder", {"folder": "/data/cats", "split": "train", "resolution": 16}, lambda: {"x": torch.zeros(10)})
    cached("datasets/shapes", {"split": "train", "count": 20}, lambda: {"x": torch.zeros(10)})
    cached("domain_classifier", {"dataset": "image_folder-train-r16-abc", "epochs": 10}, lambda: {"w": torch.zeros(5)})
    cached("reference_features", {"dataset": "shapes-test-r16-def", "extractor": "domain_classifier:1"},
           lambda: {"f": torch.zeros(5)})
    return root


def run(capsys, *args):
    code = cli.main(["cache", *args])
    return code, capsys.readouterr()


def test_list_and_size_show_what_each_entry_is(filled_cache, capsys):
    code, out = run(capsys, "list")
    assert code == 0 and str(filled_cache) in out.out
    lines = out.out.splitlines()
    assert any(line.startswith("datasets/image_folder") and "folder=/data/cats" in line for line in lines)
    assert any(line.startswith("domain_classifier") and "dataset=image_folder-train-r16-abc" in line for line in lines)
    assert "4 entries" in lines[-1]
    code, out = run(capsys, "list", "--json", "--kind", "datasets")
    assert sorted(e["kind"] for e in json.loads(out.out)) == ["datasets/image_folder", "datasets/shapes"]
    code, out = run(capsys, "size")
    assert "domain_classifier" in out.out and "total" in out.out and "4 entries" in out.out


def test_clear_by_dataset_kind_and_all(filled_cache, capsys):
    code, out = run(capsys, "clear")
    assert code == 2 and "--all" in out.err                      # nothing without a selection
    code, out = run(capsys, "clear", "--dataset", "image_folder", "--dry-run")
    assert "would remove 2 entries" in out.out and len(list(filled_cache.rglob("*.pt"))) == 4
    code, out = run(capsys, "clear", "--dataset", "image_folder")
    assert code == 0 and "removed datasets/image_folder/" in out.out and "removed domain_classifier/" in out.out
    assert sorted(p.parent.name for p in filled_cache.rglob("*.pt")) == ["reference_features", "shapes"]
    assert not list(filled_cache.rglob("*.json")) or all(p.with_suffix(".pt").exists() for p in filled_cache.rglob("*.json"))
    code, out = run(capsys, "clear", "--kind", "reference_features")
    assert "removed 1 entries" in out.out
    code, out = run(capsys, "clear", "--all")
    assert "removed 1 entries" in out.out and not list(filled_cache.rglob("*.pt"))
