"""inkrider_lite.sessions.limiter: slots granted at once, or first come, first served."""

from __future__ import annotations

import random

import pytest

from inkrider_lite.sessions.capacity import WorkerBudget
from inkrider_lite.sessions.limiter import Grant, SlotLimiter


def limiter(cap: int = 3, warm: int = 0) -> SlotLimiter:
    return SlotLimiter(WorkerBudget(cap=cap, warm=warm))


def test_free_slots_are_granted_at_once() -> None:
    slots = limiter(cap=2)
    assert slots.request("a", warm_available=False) is Grant.BOOT
    assert slots.request("b", warm_available=False) is Grant.BOOT
    assert slots.budget.bound == 2
    assert slots.request("c", warm_available=False) is Grant.QUEUED
    assert slots.position("c") == 1
    assert slots.waiting == 1


def test_the_warm_worker_is_taken_first() -> None:
    slots = limiter(cap=3, warm=1)
    assert slots.request("a", warm_available=True) is Grant.WARM
    assert (slots.budget.bound, slots.budget.warm) == (1, 0)


def test_a_warm_worker_filling_the_last_slot_is_taken_not_waited_for() -> None:
    slots = limiter(cap=3, warm=1)
    slots.budget.bound = 2
    assert slots.request("a", warm_available=True) is Grant.WARM
    assert slots.budget.workers == 3


def test_release_hands_the_slot_to_the_head_of_the_line() -> None:
    slots = limiter(cap=1)
    slots.request("a", warm_available=False)
    for name in "bcd":
        assert slots.request(name, warm_available=False) is Grant.QUEUED
    assert [slots.position(n) for n in "bcd"] == [1, 2, 3]
    assert slots.release() == ["b"]
    assert [slots.position(n) for n in "bcd"] == [None, 1, 2]
    assert slots.budget.bound == 1


def test_nobody_jumps_the_line() -> None:
    slots = limiter(cap=1)
    slots.request("a", warm_available=False)
    slots.request("b", warm_available=False)
    slots.budget.bound = 0  # a slot is free, but "b" was first
    assert slots.request("c", warm_available=False) is Grant.QUEUED


def test_cancel_leaves_the_line_once() -> None:
    slots = limiter(cap=1)
    slots.request("a", warm_available=False)
    slots.request("b", warm_available=False)
    slots.request("c", warm_available=False)
    assert slots.cancel("b")
    assert not slots.cancel("b")
    assert slots.position("c") == 1
    assert slots.release() == ["c"]


def test_the_same_ticket_cannot_wait_twice() -> None:
    slots = limiter(cap=1)
    slots.request("a", warm_available=False)
    slots.request("b", warm_available=False)
    with pytest.raises(ValueError, match="already waiting"):
        slots.request("b", warm_available=False)


def test_no_warm_worker_while_somebody_waits() -> None:
    slots = limiter(cap=2)
    slots.request("a", warm_available=False)
    assert slots.may_warm(True)
    assert not slots.may_warm(False)
    slots.request("b", warm_available=False)
    slots.request("c", warm_available=False)
    slots.release()  # "c" gets the slot
    assert not slots.may_warm(True)  # full
    slots.request("d", warm_available=False)
    slots.budget.bound = 1  # as if a slot freed without a grant: the line still comes first
    assert not slots.may_warm(True)


def test_a_warm_worker_that_goes_away_frees_its_slot_for_the_line() -> None:
    slots = limiter(cap=1, warm=1)
    assert slots.request("a", warm_available=False) is Grant.QUEUED  # e.g. warm booting failed
    assert slots.release_warm() == ["a"]
    assert (slots.budget.bound, slots.budget.warm) == (1, 0)


def test_cap_changes() -> None:
    slots = limiter(cap=2)
    for name in "abcd":
        slots.request(name, warm_available=False)
    assert slots.set_cap(1) == []  # nobody is thrown out
    assert slots.release() == []  # still over the new cap? no: 2 bound → 1
    assert slots.set_cap(3) == ["c", "d"]
    with pytest.raises(ValueError):
        slots.set_cap(0)


def line(slots: SlotLimiter, asked: list[str]) -> list[str]:
    """Who waits, in their order, as the explorer learns it (position, 1 = next)."""
    return sorted((t for t in asked if slots.position(t) is not None), key=slots.position)


def test_never_more_workers_than_the_cap_under_random_traffic() -> None:
    rng = random.Random(7)
    slots = limiter(cap=3)
    bound: list[str] = []
    served: list[str] = []
    asked: list[str] = []
    for step in range(2000):
        action = rng.random()
        if action < 0.5:
            name = f"t{step}"
            asked.append(name)
            if slots.request(name, warm_available=False) is Grant.BOOT:
                bound.append(name)
                served.append(name)
        elif action < 0.8 and bound:
            bound.remove(rng.choice(bound))
            head = line(slots, asked)[:1]
            granted = slots.release()
            assert granted == head  # the slot goes to whoever waited longest
            bound.extend(granted)
            served.extend(granted)
        elif slots.waiting:
            slots.cancel(rng.choice(line(slots, asked)))
        assert slots.budget.workers == len(bound) <= 3
        waiting = line(slots, asked)
        assert waiting == sorted(waiting, key=asked.index)  # the line keeps arrival order
        assert len(waiting) == slots.waiting
    assert len(served) > 100
