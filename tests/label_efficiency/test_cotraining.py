"""S2GAN-CO: the classifier term on labelled reals, and on-the-fly labels for unlabelled reals."""
import math
from types import SimpleNamespace

import pytest
import torch

from ganbench_label_efficiency.cotraining import CoTrainingLabels
from le_toys import TinyProjectionD, balanced_labels, make_dataset


def co_trained(soft=False, ce_weight=2.0):
    dataset = make_dataset(balanced_labels(30, 3), 3, size=2)
    labeler = CoTrainingLabels(fraction=0.2, ce_weight=ce_weight, soft=soft)
    labeler.prepare(dataset, seed=0, cache_dir=None, device="cpu")
    torch.manual_seed(0)
    D = TinyProjectionD(in_features=4, feature_dim=3, num_classes=3)
    labeler.setup(None, D, num_classes=3)
    return dataset, labeler, D


def split_index(labeler, n_each=3):
    labelled = labeler.labelled_index[:n_each]
    mask = torch.ones(30, dtype=torch.bool)
    mask[labeler.labelled_index] = False
    unlabelled = torch.nonzero(mask).flatten()[:n_each]
    return labelled, unlabelled


def test_d_term_is_weighted_ce_on_labelled_reals_and_moves_only_head_and_trunk():
    dataset, labeler, D = co_trained(ce_weight=2.0)
    with torch.no_grad():   # class scores = log(1, 2, 5): p = (1/8, 2/8, 5/8) for every image
        labeler.head.weight.zero_()
        labeler.head.bias.copy_(torch.log(torch.tensor([1.0, 2.0, 5.0])))
    labelled, unlabelled = split_index(labeler)
    index = torch.cat([labelled, unlabelled])
    real = dataset.images[index].float() / 127.5 - 1
    batch = SimpleNamespace(real_index=index, real_features=D.features(real))
    term = labeler.d_term(batch)
    probs = {0: 1 / 8, 1: 2 / 8, 2: 5 / 8}
    expected = 2.0 * sum(-math.log(probs[int(y)]) for y in dataset.labels[labelled]) / len(labelled)
    assert term.item() == pytest.approx(expected, rel=1e-5)
    labeler.head.weight.data.normal_()   # so the trunk receives a gradient through the head
    labeler.d_term(SimpleNamespace(real_index=index, real_features=D.features(real))).backward()
    assert labeler.head.weight.grad.abs().sum() > 0 and D.trunk.weight.grad.abs().sum() > 0
    assert D.c.weight.grad is None and D.embed.weight.grad is None


def test_d_term_is_none_without_labelled_reals():
    _, labeler, D = co_trained()
    _, unlabelled = split_index(labeler)
    features = D.features(torch.zeros(len(unlabelled), 4))
    assert labeler.d_term(SimpleNamespace(real_index=unlabelled, real_features=features)) is None


def test_labels_follow_the_heads_argmax_for_unlabelled_and_truth_for_labelled():
    dataset, labeler, _ = co_trained()
    with torch.no_grad():   # score of class j = feature j, so the label is the argmax feature
        labeler.head.weight.copy_(torch.eye(3))
        labeler.head.bias.zero_()
    labelled, unlabelled = split_index(labeler)
    features = torch.tensor([[0.0, 5.0, 1.0], [3.0, 0.0, 1.0], [0.0, 1.0, 2.0]] * 2, requires_grad=True)
    index = torch.cat([labelled, unlabelled])
    labels = labeler.real_labels(index, features)
    assert labels[:3].tolist() == dataset.labels[labelled].tolist()
    assert labels[3:].tolist() == [1, 0, 2]
    assert not labels.requires_grad   # the label choice is detached


def test_soft_labels_are_distributions_one_hot_for_labelled():
    dataset, labeler, _ = co_trained(soft=True)
    labelled, unlabelled = split_index(labeler)
    index = torch.cat([labelled, unlabelled])
    labels = labeler.real_labels(index, torch.randn(6, 3))
    assert labels.shape == (6, 3) and not labels.requires_grad
    assert torch.allclose(labels.sum(1), torch.ones(6))
    assert torch.equal(labels[:3].argmax(1), dataset.labels[labelled]) and torch.all(labels[:3].max(1).values == 1)


def test_head_is_the_labelers_only_parameter_and_predict_uses_it():
    dataset, labeler, D = co_trained()
    assert {id(p) for p in labeler.parameters()} == {id(labeler.head.weight), id(labeler.head.bias)}
    scores = labeler.predict(dataset.images[:5])
    expected = labeler.head(D.features(dataset.images[:5].float() / 127.5 - 1))
    assert torch.allclose(scores, expected.detach())
    assert D.training   # predict restores training mode
    assert "head.weight" in labeler.state_dict()
