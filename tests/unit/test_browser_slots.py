"""The cap across tabs: LocalWorkers of several tabs over one browser's slot locks (a LockRoom
standing in for Web Locks; the real ones are tried in tests/e2e/test_cap_across_tabs.py)."""

from __future__ import annotations

import asyncio

import pytest

from inkrider_lite.runtimes.local.browser_slots import BrowserSlots
from inkrider_lite.runtimes.local.workers import WaitCancelled, waiting_text
from inkrider_lite.runtimes.settings import Settings
from inkrider_lite.sessions.explorer_rows import other_tabs_text

from .fakes import FakeSlotsJs, LockRoom, Pool, settle

NO_WARM = Settings(warm_worker=False)


def tabs(room: LockRoom, *names: str, settings: Settings = NO_WARM) -> list[Pool]:
    return [Pool(settings, slots=BrowserSlots(FakeSlotsJs(room, name))) for name in names]


def test_a_run_beyond_the_cap_waits_for_another_tabs_slot() -> None:
    async def main() -> None:
        room = LockRoom()
        first, second = tabs(room, "a", "b")
        held = [await first.workers.acquire(f"nb{i}") for i in range(3)]
        places: list[int | None] = []
        waiting = asyncio.ensure_future(second.workers.acquire("late", places.append))
        await settle()
        assert not waiting.done()
        assert places == [1]
        assert second.workers.position("late") == 1
        assert second.workers.running == 0 and second.workers.waiting == 1
        assert sorted(second.workers.slots.elsewhere) == ["nb0.ipynb", "nb1.ipynb", "nb2.ipynb"]
        assert "3 of them are open in other tabs" in second.workers.waiting_text(1)
        assert second.starts == []  # no worker booted while the browser is full

        first.workers.release(held[1])  # as when a tab closes: its slot frees
        worker = await asyncio.wait_for(waiting, 1)
        assert places == [1, None]
        assert worker.slot is not None
        assert room.held[1] == ("b", "late.ipynb")  # the freed slot, named for the other tabs
        assert len(room.held) == 3

    asyncio.run(main())


def test_cancelling_a_wait_for_another_tabs_slot_frees_this_tabs_place() -> None:
    async def main() -> None:
        room = LockRoom()
        first, second = tabs(room, "a", "b")
        for i in range(3):
            await first.workers.acquire(f"nb{i}")
        waiting = asyncio.ensure_future(second.workers.acquire("late"))
        await settle()
        assert second.workers.cancel_wait("late")
        with pytest.raises(WaitCancelled):
            await waiting
        assert second.workers.budget.bound == 0
        assert second.workers.waiting == 0
        assert room.line == [] or all(future.done() for _t, _c, future in room.line)

    asyncio.run(main())


def test_a_warm_worker_gives_its_slot_to_a_run_waiting_in_another_tab() -> None:
    async def main() -> None:
        room = LockRoom()
        (warm_tab,) = tabs(room, "a", settings=Settings(warm_worker=True))
        (busy_tab,) = tabs(room, "b")
        warm_tab.workers.ensure_warm()
        await settle()
        assert warm_tab.workers.ready_warm() is not None
        for i in range(2):
            await busy_tab.workers.acquire(f"nb{i}")
        waiting = asyncio.ensure_future(busy_tab.workers.acquire("third"))
        worker = await asyncio.wait_for(waiting, 1)
        assert worker.slot is not None
        assert warm_tab.workers.ready_warm() is None
        assert warm_tab.kernels[0].disposed
        assert sorted(tab for tab, _label in room.held.values()) == ["b", "b", "b"]
        warm_tab.workers.ensure_warm()  # no room: it stays cold, quietly
        await settle()
        assert warm_tab.workers.ready_warm() is None
        assert warm_tab.workers.budget.warm == 0

    asyncio.run(main())


def test_without_web_locks_the_cap_is_per_tab() -> None:
    async def main() -> None:
        first, second = Pool(NO_WARM), Pool(NO_WARM)
        for pool in (first, second):
            for i in range(3):
                await pool.workers.acquire(f"nb{i}")
        assert first.workers.running == second.workers.running == 3

    asyncio.run(main())


def test_waiting_text_names_the_other_tabs() -> None:
    assert "other tabs" not in waiting_text(1, 3)
    text = waiting_text(2, 3, elsewhere=1)
    assert "1 of them is open in other tabs" in text
    assert "number 2 in line" in text
    assert "when such a tab is closed" in text


def test_other_tabs_text() -> None:
    assert other_tabs_text([]) == ""
    text = other_tabs_text(["b.ipynb", "", "a.ipynb"])
    assert text.startswith("Other tabs of this browser hold 2 sessions (a.ipynb, b.ipynb)")
    assert "and 1 Python worker started ahead of time" in text
    assert "Close sessions in their own tab." in text
    warm_only = other_tabs_text([""])
    assert warm_only.startswith("Other tabs of this browser hold 1 Python worker started ahead")
    # Nothing to close there: no tab lists it.
    assert "Close" not in warm_only
    assert "gives its place up when a run here needs it" in warm_only


def test_the_status_counts_other_tabs_sessions_not_their_warm_workers() -> None:
    # Found by a new user: with a session in each of two tabs and a warm worker in the second,
    # the first tab said "3/3 sessions · 2 in other tabs" and the second "2/3 · 1 in other tabs".
    from inkrider_lite.controller.ui import StatusFacts, status_parts

    async def main() -> None:
        room = LockRoom()
        first, second = tabs(room, "a", "b")
        await first.workers.acquire("one")
        await second.workers.acquire("two")
        warm = await second.workers.slots.take(3, "", for_warm=True)  # the second tab's warm one
        assert warm is not None
        for pool in (first, second):
            await pool.workers.slots.refresh()
        texts = [
            status_parts(StatusFacts(pool.workers, {}, lambda p=pool: p.workers, lambda: None))[1]
            for pool in (first, second)
        ]
        assert texts == ["2/3 sessions · 1 in other tabs"] * 2
        assert first.workers.slots.elsewhere.count("") == 1  # the slot is still held

    asyncio.run(main())
