"""inkrider_lite.kernel.interrupts: long sleeps are cut into slices the interpreter can stop."""

from __future__ import annotations

import pytest

from inkrider_lite.kernel.interrupts import SLICE, sliced_sleep


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def test_a_long_sleep_is_many_short_ones_of_the_same_total() -> None:
    clock = Clock()
    sliced_sleep(clock.sleep, clock)(1.0)
    assert max(clock.slept) <= SLICE
    assert len(clock.slept) >= 1.0 / SLICE - 1
    assert sum(clock.slept) == pytest.approx(1.0)


def test_an_interrupt_between_slices_stops_the_sleep() -> None:
    clock = Clock()

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        if len(clock.slept) == 3:  # what Pyodide does when its interrupt buffer is set
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sliced_sleep(sleep, clock)(100)
    assert sum(clock.slept) <= 3 * SLICE


def test_zero_and_negative() -> None:
    clock = Clock()
    sliced_sleep(clock.sleep, clock)(0)
    assert clock.slept == []
    with pytest.raises(ValueError):
        sliced_sleep(clock.sleep, clock)(-1)
