"""The growth schedule: resolution switches and fade-in alpha as a function of images_seen."""
import pytest

from ganbench_pggan.schedule import GrowthSchedule


@pytest.fixture
def schedule():
    # 4 (stable 100) | 8 fade 40, stable 100 | 16 fade 40, stable 100 | 32 fade 40, stable ...
    return GrowthSchedule(4, 32, images_per_phase=100, fade_in_images=40)


@pytest.mark.parametrize("images_seen, expected", [
    (0, (4, 1.0)), (99, (4, 1.0)),
    (100, (8, 0.0)), (120, (8, 0.5)), (130, (8, 0.75)), (140, (8, 1.0)), (239, (8, 1.0)),
    (240, (16, 0.0)), (260, (16, 0.5)), (380, (32, 0.0)), (400, (32, 0.5)),
    (420, (32, 1.0)), (10 ** 9, (32, 1.0)),
])
def test_phase_switches_at_configured_images_seen(schedule, images_seen, expected):
    assert schedule.phase(images_seen) == pytest.approx(expected)


def test_images_to_full_resolution_is_end_of_last_fade(schedule):
    assert schedule.images_to_full_resolution == 420
    assert schedule.phase(419)[1] < 1.0 and schedule.phase(420) == (32, 1.0)


def test_zero_fade_switches_straight_to_the_new_resolution():
    assert GrowthSchedule(4, 16, 10, 0).phase(10) == (8, 1.0)


def test_start_resolution_above_four_and_fixed_schedule():
    assert GrowthSchedule(8, 32, 10, 10).phase(0) == (8, 1.0)
    assert GrowthSchedule(8, 32, 10, 10).phase(15) == (16, 0.5)
    fixed = GrowthSchedule(32, 32, 10, 10)
    assert fixed.phase(0) == fixed.phase(10 ** 6) == (32, 1.0)
    assert fixed.images_to_full_resolution == 0


@pytest.mark.parametrize("kwargs, message", [
    ({"start_resolution": 6}, "start_resolution must be a power of two"),
    ({"target_resolution": 48}, "resolution must be a power of two"),
    ({"start_resolution": 64}, "exceeds the target"),
    ({"fade_in_images": -1}, "fade_in_images must be >= 0"),
])
def test_bad_schedules_are_rejected_with_a_clear_message(kwargs, message):
    args = {"start_resolution": 4, "target_resolution": 32, "images_per_phase": 1,
            "fade_in_images": 1, **kwargs}
    with pytest.raises(ValueError, match=message):
        GrowthSchedule(**args)
