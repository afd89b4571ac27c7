"""Mutation survivors of ganbench/subsets.py (docs/testing.md): the bounds of a subset request,
the training subset's own random stream, and the torch-free import that validation relies on."""
from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from ganbench import subsets
from ganbench.subsets import TRAIN_SUBSET_STREAM, stratified_subset, subset_size, training_subset


@pytest.mark.parametrize("size, total, count", [(1, 10, 1), (10, 10, 10), (1.0, 10, 10), (0.5, 10, 5),
                                                (0.3, 10, 3), (0.25, 40, 10)])
def test_subset_size_at_and_inside_its_bounds(size, total, count):
    assert subset_size(size, total) == count


def test_subset_size_takes_keywords_and_names_the_binding_it_checks():
    assert subset_size(size=3, total=10) == 3
    with pytest.raises(ValueError, match="^labelers.x.size = 11"):
        subset_size(11, 10, where="labelers.x.size")


@pytest.mark.parametrize("size, message", [
    (11, "asks for 11 training images but the training set has 10"),
    (0, "must be >= 1"), (-3, "must be >= 1"),
    (0.0, r"must be in \(0, 1\]"), (1.0001, r"must be in \(0, 1\]"), (-0.5, r"must be in \(0, 1\]"),
    (0.04, "asks for 0 training images"),            # round(0.4) = 0 images: too few
    (True, "expected a number"), ("10", "expected a number"),
])
def test_subset_size_refuses_what_is_outside(size, message):
    with pytest.raises(ValueError, match=message):
        subset_size(size, 10)


class Data:
    name, split, num_classes, class_names = "toy", "train", 3, ["a", "b", "c"]

    def __init__(self, n):
        self.labels = torch.arange(n) % 3
        self.images = torch.arange(n, dtype=torch.uint8).view(n, 1, 1, 1).expand(n, 1, 2, 2).clone()

    def cache_key(self):
        return "toy-key"


def test_the_training_subset_has_its_own_pinned_stream():
    data = Data(30)
    subset = training_subset(data, 9, seed=4)
    expected = stratified_subset(data.labels, 9 / 30, 4 + 0x7A1D5E7)
    assert TRAIN_SUBSET_STREAM == 0x7A1D5E7     # changing it changes every data-efficiency subset
    assert torch.equal(subset.index, expected)
    assert torch.equal(subset.images[:, 0, 0, 0], expected.to(torch.uint8))
    assert subset.describe() == {"images": 9, "of": 30, "index_hash": subsets.index_hash(expected)}
    assert training_subset(data, 30, seed=4) is data and training_subset(data, None, seed=4) is data


def test_validating_a_subset_request_imports_no_torch():
    code = ("import sys; import ganbench.subsets as s; s.check_subset_request(5); "
            "import ganbench.config.experiment; print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
