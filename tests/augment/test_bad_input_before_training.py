"""The issue's named errors, raised while the study is validated, before anything trains: an
unknown DiffAugment policy, an augmentation probability outside [0, 1], and a training subset
larger than the data (``ganbench run`` exits 2 naming the variant and the binding; nothing is
written)."""
from __future__ import annotations

import pytest

from ganbench import cli

STUDY = """
Experiment.dataset = @datasets.shapes
datasets.shapes.resolution = 16
datasets.shapes.num_train = 50
datasets.shapes.num_test = 20
Experiment.architecture = @architectures.dcgan
Experiment.labeler = @labelers.single
Experiment.steps = 2
Experiment.metrics = []
Benchmark.seeds = 1
"""


@pytest.mark.parametrize("variant, expected", [
    ("['Experiment.augmentation = @augmentations.diffaugment', "
     "\"augmentations.diffaugment.policy = 'color,cutuot'\"]", ["'cutuot'", "translation"]),
    ("['Experiment.augmentation = @augmentations.ada', 'augmentations.ada.p = 1.5']",
     ["augmentations.ada.p", "1.5"]),
    ("['Experiment.augmentation = @augmentations.apa', 'augmentations.apa.p = -0.1']",
     ["augmentations.apa.p", "-0.1"]),
    ("['Experiment.train_images = 51']", ["Experiment.train_images", "51", "has 50"]),
], ids=["unknown-policy", "ada-p", "apa-p", "subset-too-large"])
@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "run"])
def test_bad_augmentation_or_subset_stops_the_study_before_training(tmp_path, capsys, variant,
                                                                    expected, dry_run):
    gin_file = tmp_path / "bad.gin"
    gin_file.write_text(STUDY + f"Benchmark.variants = {{'ok': [], 'bad': {variant}}}\n")
    out = tmp_path / "runs"
    code = cli.main(["run", str(gin_file), "--out", str(out)] + (["--dry-run"] if dry_run else []))
    err = capsys.readouterr().err
    assert code == 2, err
    assert "'bad'" in err
    for text in expected:
        assert text in err, err
    assert not list(tmp_path.rglob("checkpoint.pt")) and not list(tmp_path.rglob("done"))
