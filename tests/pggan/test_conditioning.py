"""Class conditioning: projection head on D, class embedding concatenated to z in G."""
import pytest
import torch

from ganbench_pggan.architecture import pggan


def conditional(num_classes=3):
    torch.manual_seed(0)
    return pggan(16, 1, num_classes, z_dim=8, base_width=4, max_width=8, progressive=False)


def test_projection_logits_are_linear_score_plus_embedding_dot_features():
    _, D = conditional()
    x = torch.rand(4, 1, 16, 16) * 2 - 1
    y = torch.tensor([0, 2, 1, 2])
    with torch.no_grad():
        h = D.features(x)
        assert h.shape == (4, D.feature_dim)
        unconditional = D.head(h).squeeze(1)
        expected = unconditional + (D.class_embedding.weight[y] * h).sum(dim=1)
        torch.testing.assert_close(D(x, y), expected)
        torch.testing.assert_close(D.logits(h, None), unconditional)
        one_hot = torch.nn.functional.one_hot(y, 3).float()
        torch.testing.assert_close(D(x, one_hot), expected)        # hard labels as soft ones


def test_generator_output_depends_on_the_class_and_stays_in_range():
    G, _ = conditional()
    z = torch.randn(2, 8).repeat(3, 1)
    y = torch.tensor([0, 0, 1, 1, 2, 2])
    with torch.no_grad():
        images = G(z, y)
        soft = G(z[:2], torch.tensor([[0.0, 1.0, 0.0]] * 2))
    assert images.shape == (6, 1, 16, 16)
    assert images.abs().max() <= 1.0
    assert not torch.allclose(images[0:2], images[2:4])
    torch.testing.assert_close(soft, images[2:4])


def test_conditional_generator_without_labels_names_the_problem():
    G, _ = conditional()
    with pytest.raises(ValueError, match="class-conditional"):
        G(torch.randn(1, 8))


def test_unconditional_networks_ignore_labels_and_have_no_embeddings():
    G, D = conditional(num_classes=0)
    assert G.class_embedding is None and D.class_embedding is None
    x = torch.rand(2, 1, 16, 16)
    with torch.no_grad():
        torch.testing.assert_close(D(x, torch.tensor([1, 0])), D(x))


@pytest.mark.parametrize("kwargs, message", [
    ({"resolution": 24}, "resolution must be a power of two"),
    ({"base_width": 0}, "base_width must be a positive integer"),
    ({"start_resolution": 64}, "start_resolution"),
    ({"num_classes": -1}, "num_classes"),
])
def test_factory_rejects_bad_settings_with_named_parameter(kwargs, message):
    args = {"resolution": 32, "channels": 3, "num_classes": 0, **kwargs}
    with pytest.raises(ValueError, match=message):
        pggan(**args)


def test_discriminator_rejects_images_of_the_wrong_size():
    _, D = conditional()
    with pytest.raises(ValueError, match="expects 16x16 images"):
        D(torch.rand(1, 1, 32, 32))
