"""A fake Pyodide kernel and a start_real that makes it, for the controller tests in CPython.

The fake builds its messages itself (not with inkrider_lite.protocol) so that the tests check
the controller against an independent picture of what a kernel sends.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from inkrider_lite.kernel.quiet_runs import MARK as QUIET_MARK
from inkrider_lite.runtimes.local.workers import LocalWorkers
from inkrider_lite.runtimes.settings import Settings

SETUP_CODE = "import micropip  # setup"


def kernel_message(
    msg_type: str, content: dict[str, Any], parent: dict[str, Any], channel: str = "iopub"
) -> dict[str, Any]:
    return {
        "header": {
            "msg_id": uuid.uuid4().hex,
            "msg_type": msg_type,
            "session": parent.get("session", ""),
        },
        "parent_header": dict(parent),
        "metadata": {},
        "content": content,
        "channel": channel,
    }


def client_request(
    msg_type: str, content: dict[str, Any] | None = None, session: str = "nb-session"
) -> dict[str, Any]:
    header = {
        "msg_id": uuid.uuid4().hex,
        "msg_type": msg_type,
        "session": session,
        "username": "user",
        "date": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "version": "5.3",
    }
    return {
        "header": header,
        "parent_header": {},
        "metadata": {},
        "content": content or {},
        "channel": "shell",
        "buffers": [],
    }


def execute(code: str, session: str = "nb-session") -> dict[str, Any]:
    return client_request("execute_request", {"code": code, "silent": False}, session)


class FakeRealKernel:
    """Answers like pyodide-kernel: busy, output, reply, idle, through `sendMessage`.

    `handleMessage` hands back a plain future settled when the work is done, like the promise
    of the real kernel. Code starting with `raise` fails. While `hold` is set to an Event, user
    (non-silent) executes wait for it after publishing busy.
    """

    def __init__(
        self,
        worker_id: str,
        send_message: Callable[[Any], None],
        *,
        return_tasks: bool = False,
        log: list[tuple[str, str]] | None = None,
        ready_after: int = 0,
    ) -> None:
        """`ready_after`: event-loop turns before Pyodide is up, as its start takes a while."""
        self.id = worker_id
        self.send_message = send_message
        self.return_tasks = return_tasks
        self.log = log if log is not None else []
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._readying = asyncio.ensure_future(self._become_ready(ready_after))
        self.received: list[dict[str, Any]] = []
        self.disposed = False
        self.hold: asyncio.Event | None = None
        self.execution_count = 0
        self.tasks: list[asyncio.Task[None]] = []

    async def _become_ready(self, turns: int) -> None:
        for _ in range(turns):  # a concurrent boot could interleave here
            await asyncio.sleep(0)
        self.log.append(("ready", self.id))
        self.ready.set_result(None)

    def handleMessage(self, msg: dict[str, Any]) -> Any:
        self.received.append(msg)
        if self.return_tasks:
            return asyncio.ensure_future(self._respond(msg))
        promise: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.tasks.append(asyncio.ensure_future(self._settle(promise, msg)))
        return promise

    async def _settle(self, promise: asyncio.Future[None], msg: dict[str, Any]) -> None:
        try:
            await self._respond(msg)
        except Exception as error:
            if not promise.done():
                promise.set_exception(error)
            return
        if not promise.done():
            promise.set_result(None)

    async def _respond(self, msg: dict[str, Any]) -> None:
        parent = msg["header"]
        send = self.send_message
        send(kernel_message("status", {"execution_state": "busy"}, parent))
        await asyncio.sleep(0)
        if parent["msg_type"] != "execute_request":
            reply_type = parent["msg_type"].replace("_request", "_reply")
            send(kernel_message(reply_type, {"status": "ok"}, parent, "shell"))
        else:
            code = msg["content"]["code"]
            silent = msg["content"].get("silent", False)
            if self.hold is not None and not silent:
                await self.hold.wait()
            if not silent:
                self.execution_count += 1
            if code.removeprefix(QUIET_MARK).startswith("raise"):
                error = {"ename": "RuntimeError", "evalue": code, "traceback": []}
                send(kernel_message("error", error, parent))
                reply = {"status": "error", "execution_count": self.execution_count, **error}
            else:
                stream = {"name": "stdout", "text": f"ran {code}\n"}
                send(kernel_message("stream", stream, parent))
                reply = {"status": "ok", "execution_count": self.execution_count}
            send(kernel_message("execute_reply", reply, parent, "shell"))
        await asyncio.sleep(0)
        if silent_request(msg):
            self.log.append(("setup-done", self.id))
        send(kernel_message("status", {"execution_state": "idle"}, parent))

    def dispose(self) -> None:
        self.disposed = True


class QuietTurnsKernel(FakeRealKernel):
    """A fake kernel wrapped as the loader's quietTurns wraps the real one: a quiet run goes in
    only while nothing is asked, and what is asked meanwhile waits for it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.asked = 0
        self.quiet: asyncio.Future[None] | None = None
        self.answered = asyncio.get_running_loop().time()
        self.quiet_runs = 0

    def handleMessage(self, msg: dict[str, Any]) -> Any:
        self.asked += 1
        return asyncio.ensure_future(self._after_quiet(msg))

    async def _after_quiet(self, msg: dict[str, Any]) -> None:
        try:
            if self.quiet is not None:
                await asyncio.wait([self.quiet])
            await super().handleMessage(msg)
        finally:
            self.asked -= 1
            self.answered = asyncio.get_running_loop().time()

    def inkriderQuietRun(self, msg: dict[str, Any]) -> Any:
        if self.asked or self.quiet is not None:
            return None
        self.quiet_runs += 1
        self.quiet = asyncio.ensure_future(self._quiet(msg))
        return self.quiet

    async def _quiet(self, msg: dict[str, Any]) -> None:
        try:
            await super().handleMessage(msg)
        finally:
            self.quiet = None

    def inkriderIdleMs(self) -> float:
        if self.asked or self.quiet is not None:
            return 0.0
        return (asyncio.get_running_loop().time() - self.answered) * 1000


def silent_request(msg: dict[str, Any]) -> bool:
    return msg["header"]["msg_type"] == "execute_request" and bool(msg["content"].get("silent"))


class Pool:
    """LocalWorkers over fake kernels, with a record of every start."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        setup_code: str = SETUP_CODE,
        return_tasks: bool = False,
        steps: int = 3,
        prepare: Any = None,
        slots: Any = None,
        tier_up_runs: int = 0,
    ) -> None:
        """`slots`: a BrowserSlots shared with other Pools, as tabs of one browser;
        `tier_up_runs`: kernels are QuietTurnsKernels, and the pool warms up that often."""
        self.kernels: list[FakeRealKernel] = []
        self.starts: list[str] = []
        self.fail_next: list[BaseException] = []
        self.gate: asyncio.Event | None = None  # when set, starts wait for it
        self.log: list[tuple[str, str]] = []
        self.return_tasks = return_tasks
        self.steps = steps
        self.workers = LocalWorkers(
            self.start_real,
            setup_code,
            settings or Settings(),
            prepare=prepare,
            slots=slots,
            label_for=lambda ticket: f"{ticket}.ipynb",
            tier_up_runs=tier_up_runs,
        )
        self.kernel_class = QuietTurnsKernel if tier_up_runs else FakeRealKernel
        if slots is not None:
            slots.listen(self.workers.on_slot_event)

    async def start_real(self, worker_id: str, deliver: Any) -> FakeRealKernel:
        self.starts.append(worker_id)
        self.log.append(("start", worker_id))
        for _ in range(self.steps):  # give any concurrent boot the chance to interleave
            await asyncio.sleep(0)
        if self.gate is not None:
            await self.gate.wait()
        if self.fail_next:
            raise self.fail_next.pop(0)
        kernel = self.kernel_class(
            worker_id, deliver, return_tasks=self.return_tasks, log=self.log, ready_after=self.steps
        )
        self.kernels.append(kernel)
        return kernel


async def settle(rounds: int = 50) -> None:
    """Let every ready callback and task run (the fakes never really wait)."""
    for _ in range(rounds):
        await asyncio.sleep(0)


class LockRoom:
    """Web Locks as one browser profile has them, for BrowserSlots: slots by index, each held
    by one tab, and a first-come line of waits. Every tab's FakeSlotsJs shares one room."""

    def __init__(self) -> None:
        self.held: dict[int, tuple[str, str]] = {}  # slot index -> (tab, label)
        self.line: list[tuple[str, int, asyncio.Future[Any]]] = []  # tab, cap, grant
        self.listeners: list[tuple[str, Any]] = []

    def announce(self, sender: str, what: str) -> None:
        for tab, listener in self.listeners:
            if tab != sender:
                listener(what)

    def grant_next(self) -> None:
        for entry in list(self.line):
            tab, cap, future = entry
            free = [i for i in range(cap) if i not in self.held]
            if future.done():
                self.line.remove(entry)
            elif free:
                self.line.remove(entry)
                future.set_result(FakeHeldSlot(self, tab, free[0], ""))


class FakeHeldSlot:
    def __init__(self, room: LockRoom, tab: str, index: int, label: str) -> None:
        self.room, self.tab, self.index = room, tab, index
        room.held[index] = (tab, label)
        room.announce(tab, "changed")

    async def relabel(self, label: str) -> None:
        self.room.held[self.index] = (self.tab, label)

    def release(self) -> None:
        if self.room.held.get(self.index, ("", ""))[0] == self.tab:
            del self.room.held[self.index]
            self.room.announce(self.tab, "changed")
            self.room.grant_next()


class FakeWait:
    def __init__(self, future: asyncio.Future[Any]) -> None:
        self.promise = future

    def cancel(self) -> None:
        if not self.promise.done():
            self.promise.set_exception(RuntimeError("AbortError"))


class FakeSlotsJs:
    """One tab's view of the LockRoom: the loader's `browserSlots`."""

    def __init__(self, room: LockRoom, tab: str) -> None:
        self.room, self.tab = room, tab

    async def take(self, cap: int, label: str, for_warm: bool) -> FakeHeldSlot | None:
        if for_warm and await self.wanted():
            return None
        free = [i for i in range(cap) if i not in self.room.held]
        return FakeHeldSlot(self.room, self.tab, free[0], label) if free else None

    def wait(self, cap: int, label: str) -> FakeWait:
        future: asyncio.Future[Any] = asyncio.get_event_loop().create_future()
        self.room.line.append((self.tab, cap, future))
        self.room.announce(self.tab, "wanted")
        return FakeWait(future)

    async def wanted(self) -> bool:
        return any(not future.done() for _tab, _cap, future in self.room.line)

    async def elsewhere(self) -> list[str]:
        return [label for tab, label in self.room.held.values() if tab != self.tab]

    def listen(self, listener: Any) -> None:
        self.room.listeners.append((self.tab, listener))


class FakeSignal:
    """A Lumino signal: `connect`, and `emit`, which calls each slot with (sender, args)."""

    def __init__(self) -> None:
        self.slots: list[Any] = []

    def connect(self, slot: Any) -> None:
        self.slots.append(slot)

    def emit(self, sender: Any = None, args: Any = None) -> None:
        for slot in self.slots:
            slot(sender, args)
