"""Kills the mutant of ``plugins/ganbench_label_efficiency/simple.py`` left by the third mutation
run (docs/testing.md): the random-label labeler at fraction 0 (every label random, the method's
default) passes the study's data check, while a labelled subset that small is refused."""
from __future__ import annotations

import pytest

from ganbench_label_efficiency.simple import LabelledSubsetOnly, RandomLabels
from ganbench_label_efficiency.subsets import LabelFractionError
from le_toys import balanced_labels, make_dataset


def test_random_labels_at_fraction_zero_pass_the_data_check():
    # no labelled image is the random-label baseline itself, not a too-small fraction
    dataset = make_dataset(balanced_labels(40, 4), 4, size=2)
    assert RandomLabels(fraction=0).allow_zero_fraction is True
    assert RandomLabels(fraction=0).check_data(dataset, None) is None
    assert RandomLabels().check_data(dataset, None) is None
    # with a positive fraction it is checked like the others: 0.05 of 40 = 2 labelled < 4 classes
    with pytest.raises(LabelFractionError, match="gives 2 labelled image"):
        RandomLabels(fraction=0.05).check_data(dataset, None)
    with pytest.raises(LabelFractionError, match="gives 2 labelled image"):
        LabelledSubsetOnly(fraction=0.05).check_data(dataset, None)
