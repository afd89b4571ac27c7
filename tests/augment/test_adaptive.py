"""The adaptive probability shared by ADA and APA: the r_t heuristic, its step size, clipping,
no host sync in observe, logging, and exact resume from a state dict."""
import pytest
import torch

from ganbench.components import resolve

BATCH, INTERVAL, SPEED = 8, 4, 1024        # one adjustment = 4 * 8 / 1024 = 1/32, exact in fp32
STEP = INTERVAL * BATCH / SPEED


def make(name="ada", p=0.5, **kwargs):
    kwargs = {"interval": INTERVAL, "speed_images": SPEED, **kwargs}
    return resolve("augmentations", name, p=p, **kwargs)


def observe(aug, positive_fraction, times=1):
    """D steps where that fraction of the batch has D(real) > 0 (the rest < 0)."""
    positives = round(positive_fraction * BATCH)
    for _ in range(times):
        aug.observe(torch.tensor(float(positives - (BATCH - positives))), torch.tensor(float(BATCH)))


@pytest.mark.parametrize("name", ["ada", "apa"])
def test_p_moves_by_exactly_one_step_per_interval(name):
    aug = make(name)
    observe(aug, 1.0, INTERVAL - 1)                       # r_t = 1 > 0.6, interval not complete
    assert float(aug.controller.p) == 0.5
    observe(aug, 1.0)
    assert float(aug.controller.p) == 0.5 + STEP
    observe(aug, 0.5, INTERVAL)                           # r_t = 0 < 0.6
    assert float(aug.controller.p) == 0.5
    observe(aug, 0.0, INTERVAL)                           # r_t = -1
    assert float(aug.controller.p) == 0.5 - STEP


def test_step_uses_the_images_seen_in_the_interval():
    aug = make(interval=2)
    aug.observe(torch.tensor(10.0), torch.tensor(10.0))
    aug.observe(torch.tensor(6.0), torch.tensor(6.0))      # 16 images, r_t = 1
    assert float(aug.controller.p) == 0.5 + 16 / SPEED


def test_r_t_is_the_mean_sign_over_the_interval_and_target_is_respected():
    aug = make(target=0.5)
    observe(aug, 0.75, 2)                                  # mean sign 0.5 each ...
    observe(aug, 1.0, 2)                                   # ... and 1: r_t = 0.75 > 0.5
    assert aug.log_values() == {"ada_p": 0.5 + STEP, "ada_rt": 0.75}
    aug = make(target=0.9)
    observe(aug, 0.75, 2)
    observe(aug, 1.0, 2)                                   # r_t = 0.75 < 0.9
    assert float(aug.controller.p) == 0.5 - STEP


def test_p_is_clipped_to_0_and_1():
    up = make(p=1.0 - STEP / 2)
    observe(up, 1.0, INTERVAL * 3)
    assert float(up.controller.p) == 1.0
    down = make(p=STEP / 2)
    observe(down, 0.0, INTERVAL * 3)
    assert float(down.controller.p) == 0.0


def test_fixed_p_still_measures_r_t():
    aug = make(p=0.25, adaptive=False)
    observe(aug, 1.0, INTERVAL * 2)
    assert aug.log_values() == {"ada_p": 0.25, "ada_rt": 1.0}


def test_log_values_names_and_before_any_interval():
    assert make("apa", p=0.125).log_values() == {"apa_p": 0.125}
    assert make("ada", p=0.125).log_values() == {"ada_p": 0.125}


def test_observe_never_reads_device_values_on_the_host(monkeypatch):
    aug = make()

    def no_sync(*args, **kwargs):
        raise AssertionError("observe synchronised with the host")

    for name in ("item", "tolist", "__float__", "__int__", "__bool__"):
        monkeypatch.setattr(torch.Tensor, name, no_sync)
    observe(aug, 1.0, INTERVAL * 2 + 1)
    monkeypatch.undo()
    assert float(aug.controller.p) == 0.5 + 2 * STEP


def _run(aug, fractions, images, seed):
    """Observe a sequence of D steps, augmenting a batch after each; returns the outputs."""
    g = torch.Generator().manual_seed(seed)
    outs = []
    for f in fractions:
        observe(aug, f)
        outs.append(aug.augment(images, g))
    return outs


def test_state_dict_round_trip_resumes_exactly(tmp_path):
    images = torch.rand(BATCH, 3, 8, 8) * 2 - 1
    first = make(p=0.0)
    _run(first, [1.0] * 6, images, seed=0)                 # one adjustment done, 2 steps into the next
    torch.save(first.state_dict(), tmp_path / "aug.pt")
    resumed = make(p=0.0)                                 # a fresh one: p = 0, known to be 0
    resumed.load_state_dict(torch.load(tmp_path / "aug.pt", weights_only=False))
    assert not resumed.controller.known_zero
    assert resumed.controller.calls == first.controller.calls == 6
    fractions = [1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.25]
    a, b = _run(first, fractions, images, seed=1), _run(resumed, fractions, images, seed=1)
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    assert not torch.equal(a[-1], images)
    for key, value in first.state_dict().items():
        if isinstance(value, torch.Tensor):
            assert torch.equal(value, resumed.state_dict()[key]) or (value.isnan().all() and
                                                                  resumed.state_dict()[key].isnan().all())
    # intervals: r_t = 1 (up), then 1, 1, 1, -1 -> 0.5 < 0.6 (down), then 1 (up)
    assert float(first.controller.p) == STEP


def test_a_resumed_copy_mid_interval_adjusts_on_the_same_step():
    """The call counter is part of the state: a copy resumed two steps into an interval adjusts
    two steps later, not four."""
    first = make()
    observe(first, 1.0, 2)
    copy = make()
    copy.load_state_dict(first.state_dict())
    observe(copy, 1.0, 2)
    assert float(copy.controller.p) == 0.5 + STEP
