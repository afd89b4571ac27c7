"""Kills the survivors of `make mutation --module pggan_schedule` (docs/testing.md): the power-of-two
check (each condition alone, the 4x4 minimum of PGGAN, 1 = 2^0 as a power of two), the images
to full resolution after a single doubling, and the schedule being immutable (resumes must see
the same phases)."""
from __future__ import annotations

import dataclasses

import pytest

from ganbench_pggan.schedule import GrowthSchedule, check_power_of_two


def test_a_power_of_two_below_the_4x4_minimum_is_refused():
    # 2 is a power of two but PGGAN starts at 4x4; the message states the minimum 4.
    with pytest.raises(ValueError, match=r"power of two >= 4 .*got 2"):
        check_power_of_two("start_resolution", 2)
    with pytest.raises(ValueError, match=r">= 4"):
        GrowthSchedule(2, 8, 10, 10)


def test_a_non_integer_resolution_is_refused_with_a_value_error():
    with pytest.raises(ValueError, match="power of two"):
        check_power_of_two("resolution", 8.0)


def test_one_is_a_power_of_two_when_the_minimum_allows_it():
    # 1 = 2^0: with minimum=1 the helper must accept 1 and 2 and refuse 3.
    check_power_of_two("x", 1, minimum=1)
    check_power_of_two("x", 2, minimum=1)
    with pytest.raises(ValueError):
        check_power_of_two("x", 3, minimum=1)


def test_one_doubling_reaches_full_resolution_after_one_phase_and_one_fade():
    # 4 -> 8: stabilise 100 images at 4x4, fade 8x8 in over 50 -> full resolution at 150.
    assert GrowthSchedule(4, 8, 100, 50).images_to_full_resolution == 150
    assert GrowthSchedule(4, 8, 100, 50).phase(150) == (8, 1.0)
    assert GrowthSchedule(8, 8, 100, 50).images_to_full_resolution == 0


def test_schedule_is_immutable():
    # The phase is a pure function of images_seen; mutating a live schedule would break resumes.
    schedule = GrowthSchedule(4, 16, 100, 50)
    with pytest.raises(dataclasses.FrozenInstanceError):
        schedule.images_per_phase = 10
