"""inkrider_lite.controller.workers in CPython, over fake Pyodide kernels."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from inkrider_lite.kernel.quiet_runs import MARK as QUIET_MARK
from inkrider_lite.protocol.messages import INTERNAL_SESSION
from inkrider_lite.runtimes.local import workers as workers_module
from inkrider_lite.runtimes.local.workers import WaitCancelled, Worker
from inkrider_lite.runtimes.settings import Settings

from .fakes import SETUP_CODE, Pool, execute, kernel_message, settle

NO_WARM = Settings(warm_worker=False)


def test_acquire_boots_a_worker_and_runs_the_setup_silently() -> None:
    async def main() -> None:
        pool = Pool(NO_WARM)
        worker = await pool.workers.acquire()
        (kernel,) = pool.kernels
        assert pool.starts == [worker.id]
        assert worker.real is kernel
        assert kernel.send_message == worker.deliver  # start_real got the worker's callback
        (setup,) = kernel.received
        assert setup["header"]["session"] == INTERNAL_SESSION
        assert setup["content"]["code"] == QUIET_MARK + SETUP_CODE
        assert setup["content"]["silent"] is True
        assert pool.workers.live == {worker.id: worker}
        assert (pool.workers.budget.bound, pool.workers.budget.warm) == (1, 0)

    asyncio.run(main())


def test_worker_ids_are_unique() -> None:
    async def main() -> None:
        pool = Pool(NO_WARM)
        first = await pool.workers.acquire()
        second = await pool.workers.acquire()
        assert first.id != second.id
        assert len(pool.workers.live) == 2

    asyncio.run(main())


def test_failed_setup_frees_everything() -> None:
    async def main() -> None:
        pool = Pool(NO_WARM, setup_code="raise SystemError")
        with pytest.raises(RuntimeError, match=r"(?s)worker setup failed: .*raise SystemError"):
            await pool.workers.acquire()
        assert pool.kernels[0].disposed
        assert pool.workers.live == {}
        assert pool.workers.budget.workers == 0

    asyncio.run(main())


def test_failed_start_frees_its_slot() -> None:
    async def main() -> None:
        pool = Pool(Settings(warm_worker=False, max_local_sessions=1))
        pool.fail_next.append(OSError("no worker for you"))
        with pytest.raises(OSError, match="no worker for you"):
            await pool.workers.acquire()
        assert pool.workers.live == {}
        assert pool.workers.budget.workers == 0
        await pool.workers.acquire()  # the one slot is usable again
        assert pool.workers.budget.bound == 1

    asyncio.run(main())


def test_release_disposes_and_frees_the_slot() -> None:
    async def main() -> None:
        pool = Pool(Settings(warm_worker=False, max_local_sessions=1))
        worker = await pool.workers.acquire()
        worker.owner = lambda message: None
        pool.workers.release(worker)
        assert pool.kernels[0].disposed
        assert worker.owner is None
        assert pool.workers.live == {}
        assert pool.workers.budget.workers == 0

    asyncio.run(main())


def test_a_bind_beyond_the_cap_waits_and_boots_nothing_until_a_release() -> None:
    async def main() -> None:
        pool = Pool(Settings(warm_worker=False, max_local_sessions=1))
        first = await pool.workers.acquire("a")
        places: list[int | None] = []
        second = asyncio.ensure_future(pool.workers.acquire("b", places.append))
        await settle()
        assert not second.done()
        assert places == [1]
        assert pool.workers.position("b") == 1
        assert len(pool.starts) == 1
        pool.workers.release(first)
        worker = await second
        assert places == [1, None]
        assert pool.workers.live == {worker.id: worker}
        assert (pool.workers.budget.bound, pool.workers.limiter.waiting) == (1, 0)

    asyncio.run(main())


def test_waiting_sessions_are_served_first_come_first_served() -> None:
    async def main() -> None:
        pool = Pool(Settings(warm_worker=False, max_local_sessions=2))
        held = [await pool.workers.acquire(name) for name in ("a", "b")]
        places: dict[str, list[int | None]] = {"c": [], "d": [], "e": []}
        waits = {
            name: asyncio.ensure_future(pool.workers.acquire(name, places[name].append))
            for name in ("c", "d", "e")
        }
        await settle()
        assert [pool.workers.position(n) for n in ("c", "d", "e")] == [1, 2, 3]
        pool.workers.release(held[0])
        await settle()
        assert waits["c"].done() and not waits["d"].done()
        assert places["d"][-1] == 1 and places["e"][-1] == 2  # everybody moved up
        assert pool.workers.budget.workers == 2  # never more than the cap

    asyncio.run(main())


def test_cancelled_wait_raises_and_frees_the_place_in_line() -> None:
    async def main() -> None:
        pool = Pool(Settings(warm_worker=False, max_local_sessions=1))
        first = await pool.workers.acquire("a")
        waiting = asyncio.ensure_future(pool.workers.acquire("b"))
        later = asyncio.ensure_future(pool.workers.acquire("c"))
        await settle()
        assert pool.workers.cancel_wait("b")
        assert not pool.workers.cancel_wait("b")  # only once
        with pytest.raises(WaitCancelled):
            await waiting
        assert pool.workers.position("c") == 1
        pool.workers.release(first)
        await later
        assert len(pool.starts) == 2

    asyncio.run(main())


def test_no_warm_worker_takes_a_slot_somebody_waits_for() -> None:
    async def main() -> None:
        pool = Pool(Settings(max_local_sessions=1))
        first = await pool.workers.acquire("a")
        waiting = asyncio.ensure_future(pool.workers.acquire("b"))
        await settle()
        pool.workers.release(first)
        pool.workers.ensure_warm()
        await waiting
        assert pool.workers.budget.warm == 0
        assert pool.workers.budget.workers == 1

    asyncio.run(main())


def test_raising_the_cap_lets_waiting_sessions_in() -> None:
    async def main() -> None:
        pool = Pool(Settings(warm_worker=False, max_local_sessions=1))
        await pool.workers.acquire("a")
        waiting = asyncio.ensure_future(pool.workers.acquire("b"))
        await settle()
        pool.workers.apply_settings(Settings(warm_worker=False, max_local_sessions=2))
        await waiting
        assert pool.workers.budget.bound == 2

    asyncio.run(main())


def test_a_waiting_task_cancelled_after_its_grant_passes_the_slot_on() -> None:
    async def main() -> None:
        pool = Pool(Settings(warm_worker=False, max_local_sessions=1))
        first = await pool.workers.acquire("a")
        doomed = asyncio.ensure_future(pool.workers.acquire("b"))
        heir = asyncio.ensure_future(pool.workers.acquire("c"))
        await settle()
        pool.workers.release(first)  # "b" is granted ...
        doomed.cancel()  # ... but its task is cancelled before it resumes
        worker = await heir
        assert doomed.cancelled()
        assert pool.workers.live == {worker.id: worker}
        assert pool.workers.budget.bound == 1

    asyncio.run(main())


def test_a_failed_boot_after_waiting_passes_the_slot_on() -> None:
    async def main() -> None:
        pool = Pool(Settings(warm_worker=False, max_local_sessions=1))
        first = await pool.workers.acquire("a")
        failing = asyncio.ensure_future(pool.workers.acquire("b"))
        heir = asyncio.ensure_future(pool.workers.acquire("c"))
        await settle()
        pool.fail_next.append(OSError("boot failed"))
        pool.workers.release(first)
        with pytest.raises(OSError):
            await failing
        await heir
        assert pool.workers.budget.bound == 1

    asyncio.run(main())


def test_ensure_warm_makes_exactly_one_and_acquire_takes_it() -> None:
    async def main() -> None:
        pool = Pool()
        pool.workers.ensure_warm()
        pool.workers.ensure_warm()
        await settle()
        pool.workers.ensure_warm()
        assert len(pool.starts) == 1
        assert pool.workers.budget.warm == 1
        (warm_id,) = pool.workers.live
        worker = await pool.workers.acquire()
        assert worker.id == warm_id
        assert len(pool.starts) == 1  # nothing new booted
        assert (pool.workers.budget.bound, pool.workers.budget.warm) == (1, 0)

    asyncio.run(main())


def test_acquire_waits_for_a_warm_worker_still_booting() -> None:
    async def main() -> None:
        pool = Pool()
        pool.workers.ensure_warm()
        worker = await pool.workers.acquire()  # the warm boot has not finished yet
        assert pool.starts == [worker.id]
        assert (pool.workers.budget.bound, pool.workers.budget.warm) == (1, 0)

    asyncio.run(main())


def test_no_warm_worker_when_disabled_or_full() -> None:
    async def main() -> None:
        pool = Pool(NO_WARM)
        pool.workers.ensure_warm()
        await settle()
        assert pool.starts == []
        full = Pool(Settings(warm_worker=True, max_local_sessions=1))
        await full.workers.acquire()
        full.workers.ensure_warm()
        await settle()
        assert len(full.starts) == 1
        assert full.workers.budget.warm == 0

    asyncio.run(main())


def test_disabling_warm_discards_a_booted_warm_worker() -> None:
    async def main() -> None:
        pool = Pool()
        pool.workers.ensure_warm()
        await settle()
        pool.workers.apply_settings(NO_WARM)
        await settle()
        assert pool.kernels[0].disposed
        assert pool.workers.live == {}
        assert pool.workers.budget.workers == 0
        worker = await pool.workers.acquire()  # a fresh boot, not the discarded one
        assert worker.real is pool.kernels[1]

    asyncio.run(main())


def test_disabling_warm_discards_a_warm_worker_still_booting() -> None:
    async def main() -> None:
        pool = Pool()
        pool.gate = asyncio.Event()
        pool.workers.ensure_warm()
        await settle()
        pool.workers.apply_settings(NO_WARM)
        assert pool.workers.budget.warm == 0
        pool.gate.set()
        await settle()
        assert pool.kernels[0].disposed
        assert pool.workers.live == {}

    asyncio.run(main())


def test_apply_settings_changes_the_cap_and_can_enable_warm() -> None:
    async def main() -> None:
        pool = Pool(NO_WARM)
        pool.workers.apply_settings(Settings(warm_worker=True, max_local_sessions=5))
        assert pool.workers.budget.cap == 5
        await settle()
        assert pool.workers.budget.warm == 1
        assert len(pool.starts) == 1

    asyncio.run(main())


def test_a_failed_warm_boot_frees_its_slot(caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        pool = Pool()
        pool.fail_next.append(RuntimeError("warm boot broke"))
        pool.workers.ensure_warm()
        await settle()
        assert pool.workers.budget.workers == 0
        assert pool.workers.live == {}
        worker = await pool.workers.acquire()
        assert worker.real is pool.kernels[0]
        assert len(pool.starts) == 2

    with caplog.at_level(logging.ERROR, logger="inkrider_lite"):
        asyncio.run(main())
    assert "warm worker failed to start" in caplog.text


def test_a_warm_worker_failing_after_it_was_taken_is_replaced(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def main() -> None:
        pool = Pool(Settings(warm_worker=True, max_local_sessions=1))
        pool.fail_next.append(RuntimeError("warm boot broke"))
        pool.workers.ensure_warm()
        worker = await pool.workers.acquire()  # takes the warm one, which then fails
        assert len(pool.starts) == 2
        assert worker.real is pool.kernels[0]
        assert (pool.workers.budget.bound, pool.workers.budget.warm) == (1, 0)

    with caplog.at_level(logging.ERROR, logger="inkrider_lite"):
        asyncio.run(main())


def test_a_new_warm_worker_follows_a_bind(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers_module, "REWARM_DELAY", 0.0)

    async def main() -> None:
        pool = Pool(Settings(warm_worker=True, max_local_sessions=2))
        await pool.workers.acquire()
        await settle()
        assert pool.workers.budget.warm == 1
        assert len(pool.starts) == 2
        await pool.workers.acquire()
        await settle()
        # The cap is reached: no third worker, warm or not.
        assert len(pool.starts) == 2
        assert pool.workers.budget.workers == 2

    asyncio.run(main())


def test_pyodide_starts_never_overlap_but_setups_may() -> None:
    async def main() -> None:
        pool = Pool(Settings(warm_worker=True, max_local_sessions=4), steps=5)
        pool.workers.ensure_warm()
        await asyncio.gather(*(pool.workers.acquire() for _ in range(4)))
        await settle()
        assert len(pool.starts) == 4
        # Each Pyodide start runs until it is ready before the next one begins; what follows
        # (the setup code, Python in a worker that is up) may overlap the next start.
        starts = [entry for entry in pool.log if entry[0] in ("start", "ready")]
        assert starts == [
            entry
            for worker_id in pool.starts
            for entry in (("start", worker_id), ("ready", worker_id))
        ]
        for worker_id in pool.starts:
            assert pool.log.index(("ready", worker_id)) < pool.log.index(("setup-done", worker_id))
        # The setups did overlap later starts: the lock no longer covers them.
        assert pool.log.index(("setup-done", pool.starts[0])) > pool.log.index(
            ("start", pool.starts[1])
        )

    asyncio.run(main())


def test_deliver_routes_messages() -> None:
    async def main() -> None:
        worker = Worker("w")
        seen: list[dict] = []
        user_parent = {"msg_id": "u1", "session": "nb"}
        internal_parent = {"msg_id": "unknown", "session": INTERNAL_SESSION}
        worker.deliver(kernel_message("stream", {"text": "dropped, no owner"}, user_parent))
        worker.owner = seen.append
        worker.deliver(kernel_message("stream", {"text": "late internal"}, internal_parent))
        worker.deliver(kernel_message("stream", {"text": "for the notebook"}, user_parent))
        assert [m["content"]["text"] for m in seen] == ["for the notebook"]
        worker.dispose()
        assert worker.owner is None

    asyncio.run(main())


def test_the_warm_ready_hook_fires_once_the_warm_worker_booted_and_nobody_took_it() -> None:
    async def main() -> None:
        pool = Pool()
        ready: list[object] = []
        pool.workers._on_warm_ready = lambda: ready.append(pool.workers.ready_warm())
        pool.workers.ensure_warm()
        assert pool.workers.ready_warm() is None  # still booting
        await settle()
        (warm,) = pool.workers.live.values()
        assert ready == [warm] and pool.workers.ready_warm() is warm
        await pool.workers.acquire()
        assert pool.workers.ready_warm() is None

        taken_while_booting: list[object] = []
        pool.workers._on_warm_ready = lambda: taken_while_booting.append(True)
        pool.workers.ensure_warm()
        await pool.workers.acquire()  # takes it before its boot ends
        await settle()
        assert taken_while_booting == []

    asyncio.run(main())


def test_a_bind_waits_for_the_early_install_running_in_its_worker() -> None:
    async def main() -> None:
        worker = Worker("w")
        release = asyncio.Event()

        async def early() -> None:
            await release.wait()

        worker.early = asyncio.ensure_future(early())
        settled = asyncio.ensure_future(worker.settled())
        await settle()
        assert not settled.done()
        release.set()
        await settle()
        assert settled.done()
        await Worker("plain").settled()  # no early install: nothing to wait for

    asyncio.run(main())


@pytest.mark.parametrize(
    ("folders", "location", "entered", "error"),
    [
        ({"/drive", "/drive/batch"}, "batch", "/drive/batch", None),
        ({"/drive", "/drive/a b"}, "drive:a b", "/drive/a b", None),
        ({"/drive"}, "gone", None, "/drive/gone is not a folder in /drive"),
        (set(), "batch", None, "/drive is not mounted in this kernel"),
    ],
)
def test_chdir_code_enters_the_folder_or_says_what_is_missing(
    monkeypatch: pytest.MonkeyPatch,
    folders: set[str],
    location: str,
    entered: str | None,
    error: str | None,
) -> None:
    import os

    chdirs: list[str] = []
    monkeypatch.setattr(os.path, "isdir", lambda path: path in folders)
    monkeypatch.setattr(os, "chdir", chdirs.append)
    namespace: dict[str, object] = {}
    code = workers_module.chdir_code(location)
    if error is None:
        exec(code, namespace)
        assert chdirs == [entered]
    else:
        with pytest.raises(FileNotFoundError, match=error):
            exec(code, namespace)
        assert chdirs == []
    assert "_p" not in namespace  # the kernel's namespace keeps no trace


class FakeRoute:
    """The loader's workerRoute contract: the replies to Python's own requests go to `python`,
    the rest to the notebook attached, with status and execute_reply told to Python too."""

    def __init__(self, python: Any, internal_session: str) -> None:
        self.python = python
        self.internal_session = internal_session
        self.send: Any = None
        self.tell: Any = None

    def sendMessage(self, message: dict) -> None:  # the loader's name
        if message["parent_header"].get("session") == self.internal_session:
            self.python(message)
        elif self.send is not None:
            self.send(message)
            if message["header"]["msg_type"] in ("status", "execute_reply"):
                self.tell(message)

    async def connect(self, kernel: Any) -> bool:
        self.connected = kernel
        return False

    def attach(self, send: Any, tell: Any) -> None:
        self.send, self.tell = send, tell


class Owner:
    def __init__(self) -> None:
        self.sent: list[dict] = []
        self.observed: list[str] = []
        self.send = self.sent.append

    def from_session(self, message: dict) -> None:
        raise AssertionError("a routed worker's messages do not pass through Python")

    def observe(self, message: dict) -> None:
        self.observed.append(message["header"]["msg_type"])


def test_a_routed_worker_sends_to_the_notebook_and_tells_python_only_state_changes() -> None:
    async def main() -> None:
        routes: list[FakeRoute] = []

        def make_route(python: Any, internal: str) -> FakeRoute:
            routes.append(FakeRoute(python, internal))
            return routes[-1]

        pool = Pool(NO_WARM)
        pool.workers._make_route = make_route
        worker = await pool.workers.acquire()  # its setup ran through the route, internally
        (route,) = routes
        (kernel,) = pool.kernels
        assert kernel.send_message == route.sendMessage
        assert route.connected is kernel  # before the setup code ran: it looks for the counter
        assert route.internal_session == INTERNAL_SESSION
        owner = Owner()
        worker.attach(owner)  # type: ignore[arg-type]
        assert route.send == owner.send
        await kernel.handleMessage(execute("print(1)"))
        await settle()
        assert [m["header"]["msg_type"] for m in owner.sent] == [
            "status",
            "stream",
            "execute_reply",
            "status",
        ]
        assert owner.observed == ["status", "execute_reply", "status"]
        worker.attach(None)
        assert route.send is None and route.tell is None
        worker.dispose()

    asyncio.run(main())


def _quiet_codes(kernel: Any) -> list[str]:
    return [
        m["content"]["code"]
        for m in kernel.received
        if m["content"].get("code") == QUIET_MARK + workers_module.TIER_UP_CODE
    ]


def test_idle_workers_warm_the_page_up_once_in_all(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers_module, "TIER_UP_IDLE", 0.0)

    async def main() -> None:
        pool = Pool(NO_WARM, tier_up_runs=3)
        await pool.workers.acquire()
        await settle(200)
        (first,) = pool.kernels
        assert len(_quiet_codes(first)) == 3
        assert all(m["content"]["silent"] for m in first.received)  # nothing reaches a notebook
        await pool.workers.acquire()  # the page has had its runs: a later worker runs none
        await settle(200)
        assert _quiet_codes(pool.kernels[1]) == []

    asyncio.run(main())


def test_no_quiet_run_until_the_worker_has_been_idle_a_while(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(workers_module, "TIER_UP_IDLE", 0.05)

    async def main() -> None:
        pool = Pool(NO_WARM, tier_up_runs=2)
        await pool.workers.acquire()
        (kernel,) = pool.kernels
        kernel.hold = asyncio.Event()  # a notebook's cell runs on and on
        running = kernel.handleMessage(execute("while True: pass"))
        await asyncio.sleep(0.2)
        assert _quiet_codes(kernel) == []
        kernel.hold.set()
        await running
        await asyncio.sleep(0.02)  # answered just now: not idle long enough yet
        assert _quiet_codes(kernel) == []
        await asyncio.sleep(0.3)
        assert len(_quiet_codes(kernel)) == 2

    asyncio.run(main())


def test_a_request_during_a_quiet_run_waits_for_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers_module, "TIER_UP_IDLE", 0.0)

    async def main() -> None:
        pool = Pool(NO_WARM, tier_up_runs=1)
        worker = await pool.workers.acquire()
        (kernel,) = pool.kernels
        kernel.hold = asyncio.Event()
        while kernel.quiet is None:  # a quiet run is in the worker
            await asyncio.sleep(0)
        order: list[str] = []
        kernel.quiet.add_done_callback(lambda _: order.append("quiet"))
        asked = kernel.handleMessage(execute("1"))
        asked.add_done_callback(lambda _: order.append("asked"))
        assert await worker.quiet_run("2") is None  # nothing else goes in meanwhile
        kernel.hold.set()
        await asked
        assert order == ["quiet", "asked"]
        assert kernel.quiet_runs == 1

    asyncio.run(main())


def test_a_later_worker_takes_over_the_runs_left(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers_module, "TIER_UP_IDLE", 0.05)

    async def main() -> None:
        pool = Pool(NO_WARM, tier_up_runs=2)
        first = await pool.workers.acquire()
        second = await pool.workers.acquire()
        pool.workers.release(first)  # before it was idle long enough for a quiet run
        await asyncio.sleep(0.3)
        assert _quiet_codes(pool.kernels[0]) == []
        assert len(_quiet_codes(pool.kernels[1])) == 2
        assert pool.workers.live == {second.id: second}

    asyncio.run(main())


def test_every_release_tells_whoever_shows_the_count() -> None:
    # A session still starting when its notebook (or batch run) was closed is released after it
    # ended, with no state change left to refresh the status item ("3/3 sessions" stayed).
    async def main() -> None:
        pool = Pool(NO_WARM)
        worker = await pool.workers.acquire()
        told: list[int] = []
        pool.workers._on_line_changed = lambda: told.append(pool.workers.running)
        pool.workers.release(worker)
        assert told == [0]

    asyncio.run(main())
