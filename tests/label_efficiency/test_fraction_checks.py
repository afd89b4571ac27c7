"""A label fraction that leaves fewer labelled images than classes (or none) is a named error,
raised before anything trains: by check_data (study validation) and by prepare (the run)."""
import pytest
import torch

from ganbench_label_efficiency.cotraining import CoTrainingLabels
from ganbench_label_efficiency.pretrained import S2GANLabels
from ganbench_label_efficiency.simple import LabelledSubsetOnly, RandomLabels
from ganbench_label_efficiency.subsets import LabelFractionError, check_labelled_count

from le_toys import balanced_labels, make_dataset


@pytest.mark.parametrize("make", [lambda f: LabelledSubsetOnly(fraction=f), lambda f: S2GANLabels(fraction=f),
                                  lambda f: CoTrainingLabels(fraction=f), lambda f: RandomLabels(fraction=f)])
@pytest.mark.parametrize("fraction, count", [(0.01, 5), (0.001, 0)])
def test_too_small_fraction_is_named_before_training(make, fraction, count, cache_dir, monkeypatch):
    dataset = make_dataset(balanced_labels(500, 10), 10, key="toy-train")
    labeler = make(fraction)
    with pytest.raises(LabelFractionError) as err:
        labeler.check_data(dataset, None)
    message = str(err.value)
    assert f"labelers.{labeler.name}: fraction={fraction}" in message and "500 training images" in message
    assert f"gives {count} labelled image(s)" in message and "toy-train" in message
    assert f"labelers.{labeler.name}.fraction >= 0.02 (10 images)" in message
    # prepare says the same before any pre-training (no torch error such as random_'s 'from < to')
    from ganbench_label_efficiency import pretrain
    monkeypatch.setattr(pretrain, "train_rotation_model", lambda *a, **k: pytest.fail("pre-trained"))
    with pytest.raises(LabelFractionError, match=f"gives {count} labelled"):
        labeler.prepare(dataset, seed=0, cache_dir=cache_dir)


def test_enough_labels_and_random_at_zero_pass():
    dataset = make_dataset(balanced_labels(500, 10), 10)
    LabelledSubsetOnly(fraction=0.02).check_data(dataset, None)      # exactly one per class
    RandomLabels(fraction=0.0).check_data(dataset, None)             # no labels is the method
    assert check_labelled_count(torch.arange(4) % 2, 0.5, where="x") == 2
