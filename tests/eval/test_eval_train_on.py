"""`ganbench eval A B --train-on FOLDER`: two folders compared with a domain classifier trained on
a third, labelled folder; a folder of one class is refused with a named error."""
import json

import numpy as np
from PIL import Image

from ganbench import cli


def write_classes(root, per_class=20, size=8, seed=0, classes=2):
    """Class 0 dark, class 1 bright (easy to classify), each pixel noisy."""
    rng = np.random.default_rng(seed)
    for c in range(classes):
        for i in range(per_class):
            path = root / f"class{c}" / f"{i:02d}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            base = 40 + 160 * c
            Image.fromarray(np.clip(base + rng.integers(-30, 30, (size, size, 3)), 0, 255).astype(np.uint8)).save(path)
    return root


def flat(root, files, seed):
    root.mkdir(parents=True)
    for i, f in enumerate(sorted(files)):
        (root / f"{i:02d}.png").write_bytes(f.read_bytes())
    return root


def test_two_folders_with_a_classifier_trained_on_a_third(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("GANBENCH_CACHE", str(tmp_path / "cache"))
    labelled = write_classes(tmp_path / "labelled", per_class=40)
    a = flat(tmp_path / "a", (tmp_path / "labelled").rglob("*.png"), 0)
    b = flat(tmp_path / "b", write_classes(tmp_path / "other", seed=1).rglob("*.png"), 1)
    code = cli.main(["eval", str(a), str(b), "--metric", "fid", "--extractor", "domain_classifier",
                     "--train-on", str(labelled), "-p", "feature_extractors.domain_classifier.epochs = 2",
                     "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    results = json.loads(captured.out)
    assert results["fid_domain"] >= 0 and 0 <= results["domain_classifier_test_accuracy"] <= 1
    assert "test accuracy" in captured.err


def test_one_class_training_folder_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("GANBENCH_CACHE", str(tmp_path / "cache"))
    one = write_classes(tmp_path / "one", classes=1)
    code = cli.main(["eval", str(one / "class0"), str(one / "class0"), "--metric", "fid",
                     "--extractor", "domain_classifier", "--train-on", str(one)])
    err = capsys.readouterr().err
    assert code == 2 and "needs images of at least two classes" in err and "Inception" in err


def test_without_labelled_data_the_error_says_how(tmp_path, capsys):
    folder = write_classes(tmp_path / "x", classes=1)
    code = cli.main(["eval", str(folder), str(folder), "--metric", "fid", "--extractor", "domain_classifier"])
    assert code == 2 and "--train-on FOLDER" in capsys.readouterr().err
