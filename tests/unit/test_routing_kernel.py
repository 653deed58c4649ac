"""inkrider_lite.controller.routing_kernel in CPython, over fake Pyodide kernels."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from inkrider_lite.controller.routing_kernel import KernelHandle, RoutingKernel
from inkrider_lite.kernel.quiet_runs import MARK as QUIET_MARK
from inkrider_lite.protocol.messages import INTERNAL_SESSION, UNBOUND_REPLIES
from inkrider_lite.runtimes.settings import Settings
from inkrider_lite.sessions.lifecycle import SessionState

from .fakes import SETUP_CODE, Pool, client_request, execute, settle

NO_WARM = Settings(warm_worker=False)


class Client:
    """A notebook's side of one routing kernel: everything `send` received, and state changes."""

    def __init__(self, pool: Pool, kernel_id: str = "k1", location: str = "") -> None:
        self.sent: list[dict[str, Any]] = []
        self.states: list[SessionState] = []
        self.kernel = RoutingKernel(
            kernel_id,
            "python",
            location,
            self.sent.append,
            lambda: pool.workers,
            lambda kernel: self.states.append(kernel.state),
        )

    async def request(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        """Send `message`, wait for its future and return what reached the notebook meanwhile."""
        before = len(self.sent)
        await self.kernel.handle_message(message)
        await settle()
        return self.sent[before:]


def types(sent: list[dict[str, Any]]) -> list[str]:
    return [m["header"]["msg_type"] for m in sent]


def replies_to(sent: list[dict[str, Any]], request: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in sent if m["parent_header"].get("msg_id") == request["header"]["msg_id"]]


@pytest.mark.parametrize("request_type", sorted(UNBOUND_REPLIES))
def test_an_unbound_kernel_answers_by_itself(request_type: str) -> None:
    async def main() -> None:
        pool = Pool()
        client = Client(pool)
        request = client_request(request_type, {"code": "x", "cursor_pos": 1})
        sent = await client.request(request)
        assert types(sent) == ["status", UNBOUND_REPLIES[request_type], "status"]
        assert [m["content"].get("execution_state") for m in sent] == ["busy", None, "idle"]
        assert replies_to(sent, request) == sent
        assert all(m["header"]["session"] == "nb-session" for m in sent)
        assert pool.starts == []
        assert pool.workers.budget.workers == 0
        assert client.kernel.state is SessionState.UNBOUND
        assert client.kernel.session is None

    asyncio.run(main())


def test_the_first_run_binds_a_worker() -> None:
    async def main() -> None:
        pool = Pool(NO_WARM)
        client = Client(pool)
        request = execute("print(1)")
        sent = await client.request(request)

        (kernel,) = pool.kernels
        setup, user = kernel.received
        assert setup["header"]["session"] == INTERNAL_SESSION
        assert setup["content"] == {
            **setup["content"],
            "code": QUIET_MARK + SETUP_CODE,
            "silent": True,
        }
        assert user is request
        # The setup's own messages never reach the notebook; the user's output does.
        assert all(m["parent_header"].get("session") != INTERNAL_SESSION for m in sent)
        assert replies_to(sent, request) == sent
        assert types(sent) == ["status", "status", "stream", "execute_reply", "status"]
        assert sent[2]["content"]["text"] == "ran print(1)\n"
        assert sent[3]["content"]["status"] == "ok"
        assert sent[-1]["content"]["execution_state"] == "idle"
        assert client.kernel.state is SessionState.IDLE
        assert client.states == ["starting", "idle", "busy", "idle"]
        assert client.kernel.session is not None and client.kernel.session.real is kernel
        assert client.kernel.started_at is not None
        assert pool.workers.budget.bound == 1

    asyncio.run(main())


def test_a_second_run_reuses_the_worker() -> None:
    async def main() -> None:
        pool = Pool(NO_WARM)
        client = Client(pool)
        await client.request(execute("a = 1"))
        worker = client.kernel.session
        second = execute("a + 1")
        sent = await client.request(second)
        assert client.kernel.session is worker
        assert len(pool.starts) == 1
        assert types(sent) == ["status", "stream", "execute_reply", "status"]
        assert replies_to(sent, second) == sent
        assert sent[2]["content"]["execution_count"] == 2
        assert pool.kernels[0].received[-1] is second

    asyncio.run(main())


def test_a_bound_kernel_passes_other_requests_to_its_worker() -> None:
    async def main() -> None:
        pool = Pool(NO_WARM)
        client = Client(pool)
        await client.request(execute("a = 1"))
        request = client_request("complete_request", {"code": "a", "cursor_pos": 1})
        sent = await client.request(request)
        assert pool.kernels[0].received[-1] is request
        assert types(sent) == ["status", "complete_reply", "status"]

    asyncio.run(main())


def test_close_releases_the_worker_and_the_next_run_binds_a_fresh_one() -> None:
    async def main() -> None:
        pool = Pool(Settings(warm_worker=False, max_local_sessions=1))
        client = Client(pool)
        await client.request(execute("a = 1"))
        first = client.kernel.session
        assert first is not None
        before = len(client.sent)
        client.kernel.close()
        assert client.sent[before:] == []  # nothing was running: nothing to answer
        assert pool.kernels[0].disposed
        assert pool.workers.budget.workers == 0
        assert pool.workers.live == {}
        assert client.kernel.state is SessionState.UNBOUND
        assert client.kernel.session is None and client.kernel.started_at is None
        client.kernel.close()  # closing again is harmless
        assert client.kernel.state is SessionState.UNBOUND

        sent = await client.request(execute("a"))
        assert len(pool.kernels) == 2 and not pool.kernels[1].disposed
        assert client.kernel.session is not None and client.kernel.session.id != first.id
        assert client.kernel.state is SessionState.IDLE
        assert sent[-2]["content"]["execution_count"] == 1  # a fresh interpreter

    asyncio.run(main())


def close_while_running(pool: Pool) -> None:
    async def main() -> None:
        client = Client(pool)
        await client.request(execute("a = 1"))
        kernel = pool.kernels[0]
        kernel.hold = asyncio.Event()
        running = execute("while True: pass")
        pending = client.kernel.handle_message(running)
        await settle()
        assert client.kernel.state is SessionState.BUSY
        assert not pending.done()
        before = len(client.sent)

        client.kernel.close()

        answer = client.sent[before:]
        assert types(answer) == ["error", "execute_reply", "status"]
        assert replies_to(answer, running) == answer
        assert answer[0]["content"]["ename"] == "SessionClosed"
        assert answer[1]["content"]["status"] == "error"
        assert answer[1]["content"]["ename"] == "SessionClosed"
        assert answer[2]["content"]["execution_state"] == "idle"
        # Settled either way, so JupyterLite's queue moves on: futures get None, tasks are
        # cancelled (a task cannot be given a result).
        await asyncio.sleep(0)
        assert pending.done()
        if not isinstance(pending, asyncio.Task):
            assert pending.result() is None
        assert kernel.disposed
        assert client.kernel.state is SessionState.UNBOUND
        assert pool.workers.budget.workers == 0
        # Whatever the old worker still says never reaches the notebook.
        kernel.hold.set()
        await settle()
        assert len(client.sent) == before + 3

    asyncio.run(main())


def test_close_while_running_answers_the_cell_and_settles_its_future() -> None:
    close_while_running(Pool(NO_WARM))


def test_close_while_running_when_the_kernel_returns_tasks() -> None:
    close_while_running(Pool(NO_WARM, return_tasks=True))


def test_dispose_makes_it_dead() -> None:
    async def main() -> None:
        pool = Pool(NO_WARM)
        client = Client(pool)
        handle = KernelHandle(client.kernel)
        emitted: list[Any] = []
        handle.disposed.connect(lambda sender, _args: emitted.append(sender))
        await handle.ready
        await client.request(execute("a = 1"))
        assert not handle.isDisposed

        handle.dispose()
        handle.dispose()
        assert emitted == [handle]
        assert handle.isDisposed
        assert client.kernel.state is SessionState.DEAD
        assert pool.kernels[0].disposed
        assert pool.workers.budget.workers == 0
        # A dead kernel answers nothing and binds nothing.
        assert await client.request(client_request("kernel_info_request")) == []
        assert await client.request(execute("b = 2")) == []
        assert len(pool.starts) == 1
        client.kernel.close()
        assert client.kernel.state is SessionState.DEAD

    asyncio.run(main())


def test_dispose_while_starting_releases_the_new_worker() -> None:
    async def main() -> None:
        pool = Pool(NO_WARM)
        pool.gate = asyncio.Event()
        client = Client(pool)
        pending = client.kernel.handle_message(execute("a = 1"))
        await settle()
        assert client.kernel.state is SessionState.STARTING
        client.kernel.dispose()
        pool.gate.set()
        await asyncio.wait_for(pending, 1)
        assert client.kernel.state is SessionState.DEAD
        assert client.kernel.session is None
        assert pool.kernels[0].disposed
        assert pool.workers.budget.workers == 0

    asyncio.run(main())


def test_dispose_while_starting_then_the_start_fails() -> None:
    async def main() -> None:
        pool = Pool(NO_WARM)
        pool.gate = asyncio.Event()
        pool.fail_next.append(RuntimeError("boot failed"))
        client = Client(pool)
        pending = client.kernel.handle_message(execute("a = 1"))
        await settle()
        client.kernel.dispose()
        pool.gate.set()
        await asyncio.wait_for(pending, 1)
        assert client.kernel.state is SessionState.DEAD

    asyncio.run(main())


def test_a_failed_start_is_a_cell_error_and_leaves_the_kernel_unbound() -> None:
    async def main() -> None:
        pool = Pool(NO_WARM)
        pool.fail_next.append(RuntimeError("the worker would not start"))
        client = Client(pool)
        request = execute("a = 1")
        sent = await client.request(request)
        assert types(sent) == ["status", "error", "execute_reply", "status"]
        assert replies_to(sent, request) == sent
        assert sent[0]["content"]["execution_state"] == "busy"
        reply = sent[2]["content"]
        assert reply["status"] == "error"
        assert reply["ename"] == "SessionStartError"
        assert "the worker would not start" in reply["evalue"]
        assert sent[3]["content"]["execution_state"] == "idle"
        assert client.kernel.state is SessionState.UNBOUND
        assert client.kernel.error == "the worker would not start"
        assert client.kernel.session is None
        assert pool.workers.budget.workers == 0
        # The next run tries again, and works.
        await client.request(execute("a = 1"))
        assert client.kernel.state is SessionState.IDLE
        assert client.kernel.error is None

    asyncio.run(main())


def test_a_failed_start_for_another_binding_request_just_goes_idle() -> None:
    async def main() -> None:
        pool = Pool(NO_WARM)
        pool.fail_next.append(RuntimeError("nope"))
        client = Client(pool)
        sent = await client.request(client_request("comm_open", {"comm_id": "c"}))
        assert [m["content"].get("execution_state") for m in sent] == ["busy", "idle"]
        assert client.kernel.state is SessionState.UNBOUND

    asyncio.run(main())


def test_a_run_beyond_the_cap_waits_visibly_then_runs_when_a_slot_frees() -> None:
    async def main() -> None:
        pool = Pool(Settings(warm_worker=False, max_local_sessions=1))
        first, second = Client(pool, "k1"), Client(pool, "k2")
        await first.request(execute("a = 1"))
        request = execute("b = 1")
        waiting = asyncio.ensure_future(second.kernel.handle_message(request))
        await settle()
        assert not waiting.done()
        assert second.kernel.state is SessionState.WAITING
        assert second.kernel.queue_position == 1
        assert len(pool.starts) == 1  # nothing boots while waiting
        shown = [m for m in second.sent if m["header"]["msg_type"] == "display_data"]
        (notice,) = shown
        assert notice["parent_header"]["msg_id"] == request["header"]["msg_id"]
        assert "all 1 session" not in notice["content"]["data"]["text/plain"]
        assert "Waiting for a local session" in notice["content"]["data"]["text/plain"]
        assert "next in line" in notice["content"]["data"]["text/plain"]
        first.kernel.close()
        await waiting
        await settle()
        after = types(second.sent[second.sent.index(notice) + 1 :])
        assert after[0] == "clear_output"  # the waiting text goes before the real output
        assert "execute_reply" in after
        assert second.kernel.state is SessionState.IDLE
        assert second.states.count(SessionState.WAITING) >= 1
        assert len(pool.starts) == 2

    asyncio.run(main())


def test_waiting_places_update_in_the_cell() -> None:
    async def main() -> None:
        pool = Pool(Settings(warm_worker=False, max_local_sessions=1))
        holder, second, third = Client(pool, "k1"), Client(pool, "k2"), Client(pool, "k3")
        await holder.request(execute("a = 1"))
        tasks = [
            asyncio.ensure_future(c.kernel.handle_message(execute("x"))) for c in (second, third)
        ]
        await settle()
        assert third.kernel.queue_position == 2
        second.kernel.close()  # the explorer's Close on a waiting row: it leaves the line
        await settle()
        assert tasks[0].done()
        assert third.kernel.queue_position == 1
        updates = [m for m in third.sent if m["header"]["msg_type"] == "update_display_data"]
        assert "next in line" in updates[-1]["content"]["data"]["text/plain"]
        ids = {
            m["content"]["transient"]["display_id"]
            for m in third.sent
            if "transient" in m["content"]
        }
        assert len(ids) == 1  # one output, updated in place

    asyncio.run(main())


def test_cancelling_a_wait_aborts_the_run_and_the_runs_queued_behind_it() -> None:
    async def main() -> None:
        pool = Pool(Settings(warm_worker=False, max_local_sessions=1))
        holder, client = Client(pool, "k1"), Client(pool, "k2")
        await holder.request(execute("a = 1"))
        run_all = [execute(f"cell_{i} = {i}") for i in range(3)]
        waiting = asyncio.ensure_future(client.kernel.handle_message(run_all[0]))
        await settle()
        await asyncio.sleep(0.002)  # header dates have millisecond resolution
        assert client.kernel.cancel_wait()
        await waiting
        replies = [m for m in client.sent if m["header"]["msg_type"] == "execute_reply"]
        assert [r["content"]["status"] for r in replies] == ["aborted"]
        assert types(client.sent)[-3:] == ["clear_output", "execute_reply", "status"]
        assert client.kernel.state is SessionState.UNBOUND
        for queued in run_all[1:]:  # sent before the cancel: they never run either
            sent = await client.request(queued)
            assert types(sent) == ["execute_reply", "status"]
            assert sent[0]["content"]["status"] == "aborted"
        assert len(pool.starts) == 1
        assert holder.kernel.state is SessionState.IDLE  # nothing else changed
        await asyncio.sleep(0.002)
        later = asyncio.ensure_future(client.kernel.handle_message(execute("later = 1")))
        await settle()
        assert client.kernel.state is SessionState.WAITING  # a run after the cancel waits again
        client.kernel.cancel_wait()
        await later

    asyncio.run(main())


def test_a_notebook_closed_while_waiting_leaves_the_line() -> None:
    async def main() -> None:
        pool = Pool(Settings(warm_worker=False, max_local_sessions=1))
        holder, client = Client(pool, "k1"), Client(pool, "k2")
        await holder.request(execute("a = 1"))
        waiting = asyncio.ensure_future(client.kernel.handle_message(execute("b = 1")))
        await settle()
        client.kernel.dispose()
        await waiting
        assert client.kernel.state is SessionState.DEAD
        assert pool.workers.limiter.waiting == 0
        holder.kernel.close()
        await settle()
        assert len(pool.starts) == 1  # the dead notebook did not get a worker

    asyncio.run(main())


def test_runs_queued_behind_a_failed_start_are_aborted_not_retried() -> None:
    async def main() -> None:
        pool = Pool(NO_WARM)
        client = Client(pool)
        pool.fail_next.append(RuntimeError("the worker would not start"))
        first, queued = execute("a = 1"), execute("b = 2")
        await asyncio.sleep(0.002)  # header dates have millisecond resolution
        await client.request(first)
        sent = await client.request(queued)
        assert types(sent) == ["execute_reply", "status"]
        assert sent[0]["content"]["status"] == "aborted"
        assert len(pool.starts) == 1

    asyncio.run(main())


def test_the_first_run_takes_the_warm_worker() -> None:
    async def main() -> None:
        pool = Pool()
        pool.workers.ensure_warm()
        await settle()
        (warm,) = pool.kernels
        client = Client(pool)
        await client.request(execute("a = 1"))
        assert client.kernel.session is not None and client.kernel.session.real is warm
        assert len(pool.starts) == 1

    asyncio.run(main())


def test_the_notebook_folder_is_entered_silently() -> None:
    async def main() -> None:
        pool = Pool(NO_WARM)
        client = Client(pool, location="drive:notes/week 1")
        sent = await client.request(execute("a = 1"))
        _setup, chdir, user = pool.kernels[0].received
        assert chdir["header"]["session"] == INTERNAL_SESSION
        assert "'notes/week 1'" in chdir["content"]["code"]
        assert "os.chdir" in chdir["content"]["code"]
        assert all(m["parent_header"].get("session") != INTERNAL_SESSION for m in sent)
        assert user["content"]["code"] == "a = 1"

    asyncio.run(main())


class FastPath:
    """The loader's kernel object as Python sees it: told when to route around Python."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def bind(self, real: Any) -> None:
        self.calls.append(("bind", real))

    def unbind(self) -> None:
        self.calls.append(("unbind", None))


def test_the_fast_path_is_bound_with_the_worker_and_released_on_close() -> None:
    async def main() -> None:
        pool = Pool(NO_WARM)
        fast = FastPath()
        sent: list[dict[str, Any]] = []
        kernel = RoutingKernel(
            "k1", "python", "", sent.append, lambda: pool.workers, fast_path=fast
        )
        await kernel.handle_message(client_request("kernel_info_request"))
        assert fast.calls == []  # unbound: Python answers
        await kernel.handle_message(execute("a = 1"))
        await settle()
        assert fast.calls == [("bind", pool.kernels[0])]

        # A request that went around Python is still known from the worker's busy status,
        # so closing answers it.
        pool.kernels[0].hold = asyncio.Event()
        running = execute("while True: pass")
        in_worker = asyncio.ensure_future(pool.kernels[0].handleMessage(running))
        await settle()
        kernel.close()
        assert fast.calls[-1] == ("unbind", None)
        closed = [m for m in sent if m["header"]["msg_type"] == "execute_reply"][-1]
        assert closed["parent_header"]["msg_id"] == running["header"]["msg_id"]
        assert closed["content"]["ename"] == "SessionClosed"
        in_worker.cancel()

    asyncio.run(main())


def test_a_kernel_disposed_while_installing_releases_its_worker() -> None:
    async def main() -> None:
        sent: list[dict[str, Any]] = []

        async def prepare(kernel: RoutingKernel, _worker: Any) -> None:
            kernel.installing()
            kernel.dispose()  # the notebook closes while its requirements install

        pool = Pool(NO_WARM, prepare=prepare)
        kernel = RoutingKernel("k1", "python", "", sent.append, lambda: pool.workers)
        await kernel.handle_message(execute("a = 1"))
        await settle()
        assert kernel.state is SessionState.DEAD and kernel.session is None
        assert pool.kernels[0].disposed
        assert pool.workers.budget.bound == 0

    asyncio.run(main())


def test_a_session_shows_installing_only_when_its_runtime_has_something_to_install() -> None:
    """A folder without a requirements.txt flashed "installing requirements" at every start."""

    async def main() -> None:
        for has_file in (False, True):
            seen: list[SessionState] = []

            async def prepare(kernel: RoutingKernel, _worker: Any, has_file=has_file) -> None:
                if has_file:
                    kernel.installing()

            workers = Pool(NO_WARM, prepare=prepare).workers
            kernel = RoutingKernel(
                "k1", "python", "", lambda _m: None, lambda w=workers: w, on_change(seen)
            )
            await kernel.handle_message(execute("a = 1"))
            await settle()
            assert (SessionState.INSTALLING in seen) is has_file, seen
            assert kernel.state is SessionState.IDLE

    asyncio.run(main())


def on_change(seen: list[SessionState]) -> Any:
    """An on_change that records each state the kernel goes into."""
    return lambda kernel: seen.append(kernel.state)


def test_interrupt_while_installing_stops_that_run_and_the_session_still_starts() -> None:
    """The user pressed Stop before the cell could start: it does not run, it says why, and
    the session ends up bound and idle for the next run."""

    async def main() -> None:
        sent: list[dict[str, Any]] = []
        outcomes: list[str] = []

        async def prepare(kernel: RoutingKernel, _worker: Any) -> None:
            kernel.installing()
            outcomes.append(kernel.interrupt())

        pool = Pool(NO_WARM, prepare=prepare)
        kernel = RoutingKernel("k1", "python", "", sent.append, lambda: pool.workers)
        stopped = execute("a = 1")
        await kernel.handle_message(stopped)
        await settle()
        assert outcomes == ["interrupted"]
        assert types(sent) == ["status", "error", "execute_reply", "status"]
        assert sent[1]["content"]["ename"] == "KeyboardInterrupt"
        assert sent[2]["content"]["status"] == "error"
        assert replies_to(sent, stopped) == sent
        assert pool.kernels[0].received[1:] == []  # only the setup reached the worker
        assert kernel.state is SessionState.IDLE and kernel.session is not None

        sent.clear()
        await kernel.handle_message(execute("print(2)"))
        await settle()
        assert "stream" in types(sent)
        assert pool.kernels[0].received[-1]["content"]["code"] == "print(2)"

    asyncio.run(main())


def test_interrupt_with_nothing_running_is_idle() -> None:
    async def main() -> None:
        client = Client(Pool(NO_WARM))
        assert client.kernel.interrupt() == "idle"
        await client.request(execute("a = 1"))
        assert client.kernel.state is SessionState.IDLE
        assert client.kernel.interrupt() == "idle"

    asyncio.run(main())


def lost_client(revives: bool) -> tuple[Pool, Client, FastPath, list[str]]:
    """A bound kernel whose link was lost; its session's revive answers `revives`."""
    pool = Pool(NO_WARM)
    client = Client(pool)
    fast = client.kernel._fast_path = FastPath()
    asked: list[str] = []

    async def revive() -> bool:
        asked.append("revive")
        return revives

    async def lose() -> None:
        await client.request(execute("a = 1"))
        session = client.kernel.session
        assert session is not None
        session.revive = revive  # type: ignore[method-assign]
        client.kernel.connection_changed("lost")

    asyncio.run(lose())
    return pool, client, fast, asked


def test_a_run_after_a_lost_link_reconnects_when_the_session_is_still_there() -> None:
    pool, client, fast, asked = lost_client(revives=True)
    worker = client.kernel.session
    assert fast.calls[-1] == ("unbind", None)  # requests come through Python while lost

    sent = asyncio.run(client.request(execute("a + 1")))
    assert asked == ["revive"] and client.kernel.session is worker
    assert client.kernel.link == "connected" and fast.calls[-1][0] == "bind"
    assert "execute_reply" in types(sent) and len(pool.starts) == 1


def test_a_run_after_a_lost_link_starts_a_new_session_when_the_old_one_is_gone() -> None:
    pool, client, _fast, asked = lost_client(revives=False)
    old = client.kernel.session
    sent = asyncio.run(client.request(execute("print(2)")))
    assert asked == ["revive"] and client.kernel.session is not old
    assert len(pool.starts) == 2 and client.kernel.link == "connected"
    streams = [m["content"]["text"] for m in sent if m["header"]["msg_type"] == "stream"]
    assert streams[0].startswith("The previous session's kernel is gone")
    assert "starts a new session in this browser (JupyterLite, local)" in streams[0]
    assert streams[-1] == "ran print(2)\n"


def test_while_lost_the_notebooks_own_requests_are_answered_without_reconnecting() -> None:
    _pool, client, _fast, asked = lost_client(revives=True)
    sent = asyncio.run(client.request(client_request("kernel_info_request")))
    assert asked == [] and "kernel_info_reply" in types(sent)


def test_a_kept_session_is_handed_to_the_notebooks_kernel_at_its_first_run() -> None:
    async def main() -> None:
        pool = Pool(NO_WARM)
        batch = Client(pool, "batch-1")
        await batch.request(execute("x = 41"))
        worker = batch.kernel.session
        assert worker is not None and pool.starts == [worker.id]

        notebook = Client(pool, "k-notebook")
        handed: list[object] = []

        def take_kept() -> Any:
            taken = batch.kernel.hand_over()
            handed.append(taken)
            return taken

        notebook.kernel._take_kept = take_kept
        sent = await notebook.request(execute("print(x + 1)"))
        # The same worker, now the notebook's: no new start, and the batch kernel is over.
        assert notebook.kernel.session is worker and pool.starts == [worker.id]
        assert handed == [(pool.workers, worker)]
        assert batch.kernel.state is SessionState.DEAD and batch.kernel.session is None
        assert notebook.kernel.state is SessionState.IDLE
        assert "execute_reply" in types(sent)
        # Its messages now reach the notebook only.
        before = len(batch.sent)
        await notebook.request(execute("y = 1"))
        assert len(batch.sent) == before
        assert pool.workers.budget.bound == 1

    asyncio.run(main())


def test_only_an_idle_bound_session_can_be_handed_over() -> None:
    async def main() -> None:
        pool = Pool(NO_WARM)
        client = Client(pool)
        assert client.kernel.hand_over() is None  # unbound
        assert client.kernel.state is SessionState.UNBOUND

    asyncio.run(main())


def test_runs_a_silent_server_never_answered_end_first_with_the_error_then_aborted() -> None:
    sent: list[dict[str, Any]] = []
    kernel = RoutingKernel("k1", "python", "", sent.append, lambda: Pool(NO_WARM).workers)
    first, second = execute("print(1)")["header"], execute("print(2)")["header"]
    kernel.end_running_cell("ServerConnectionLost", "not answering", [first, second])
    first_reply, second_reply = [m for m in sent if m["header"]["msg_type"] == "execute_reply"]
    assert first_reply["parent_header"]["msg_id"] == first["msg_id"]
    assert first_reply["content"]["status"] == "error"
    assert first_reply["content"]["evalue"] == "not answering"
    assert second_reply["parent_header"]["msg_id"] == second["msg_id"]
    assert second_reply["content"]["status"] == "aborted"
    sent.clear()
    kernel.end_running_cell("ServerConnectionLost", "silent", [first, second], "sent before")
    errors = [m["content"]["evalue"] for m in sent if m["header"]["msg_type"] == "error"]
    assert errors == ["silent", "sent before"]


def test_a_cell_ended_once_is_not_ended_again_when_the_server_goes_silent_twice() -> None:
    """A cell ended while the server was silent; the server woke and its kernel went on with
    that cell (it shows busy again); a new cell waited behind it; the server went silent again:
    the first cell got a second error under the first (new-user pass, stop 27, D1)."""
    sent: list[dict[str, Any]] = []
    kernel = RoutingKernel("k1", "python", "", sent.append, lambda: Pool(NO_WARM).workers)
    first, second = execute("loop()")["header"], execute("print(2)")["header"]
    kernel.end_running_cell("ServerConnectionLost", "silent", [first], "sent before")
    sent.clear()
    # Connected again: the kernel still runs the first cell (RemoteSession._show_still_running).
    kernel.observe(
        {
            "header": {"msg_type": "status"},
            "parent_header": first,
            "content": {"execution_state": "busy"},
        }
    )
    kernel.end_running_cell("ServerConnectionLost", "silent again", [second], "sent before")
    ended = [m["parent_header"]["msg_id"] for m in sent if m["header"]["msg_type"] == "error"]
    assert ended == [second["msg_id"]]  # the new cell only, once
    errors = [m["content"]["evalue"] for m in sent if m["header"]["msg_type"] == "error"]
    assert errors == ["silent again"]
