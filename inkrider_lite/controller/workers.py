"""Local Pyodide workers: booting them one at a time, keeping one warm, lending them out.

A worker is one real kernel made by pyodide-kernel's own factory. It belongs to no notebook
until a routing kernel binds it; its messages then go to that kernel's client.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from typing import Any

from .._compat import compat
from ..protocol.messages import INTERNAL_SESSION, execute_outcome, execute_request
from ..runtimes.settings import Settings
from ..sessions.capacity import WorkerBudget

#: Seconds to wait after a bind before warming the next worker: its boot would slow the first
#: cells of the session that was just bound, on a 2-core machine.
REWARM_DELAY = 4.0
#: Seconds before a disposed worker's callback proxy is freed; late messages may still arrive.
PROXY_GRACE = 10.0

StartReal = Callable[[str, Any], Awaitable[Any]]


class NoLocalCapacity(RuntimeError):
    """Every local session slot is taken."""


class Worker:
    """One real kernel, and where its messages go."""

    def __init__(self, worker_id: str) -> None:
        self.id = worker_id
        self.real: Any = None
        self.owner: Callable[[Any], None] | None = None
        self._internal: dict[str, list[dict[str, Any]]] = {}
        self._listeners: dict[str, Callable[[dict[str, Any]], None]] = {}
        self.deliver_proxy = compat.create_proxy(self.deliver)

    def deliver(self, message: Any) -> None:
        """The real kernel's `sendMessage`: replies to our own requests stay here."""
        if compat.header_field(message, "parent_header", "session") == INTERNAL_SESSION:
            msg_id = compat.header_field(message, "parent_header", "msg_id")
            bucket = self._internal.get(msg_id)
            if bucket is not None:
                reply = compat.to_py(message)
                bucket.append(reply)
                if (listener := self._listeners.get(msg_id)) is not None:
                    listener(reply)
            return
        if self.owner is not None:
            self.owner(message)

    async def run_internal(
        self, code: str, on_message: Callable[[dict[str, Any]], None] | None = None
    ) -> tuple[bool, str]:
        """Run `code` silently; its output never reaches a notebook. Returns (ok, text).

        `on_message` sees each message as it arrives, e.g. progress printed on stdout."""
        request = execute_request(code)
        msg_id = request["header"]["msg_id"]
        self._internal[msg_id] = []
        if on_message is not None:
            self._listeners[msg_id] = on_message
        try:
            await self.real.handleMessage(compat.to_js(request))
        finally:
            replies = self._internal.pop(msg_id)
            self._listeners.pop(msg_id, None)
        return execute_outcome(replies)

    def dispose(self) -> None:
        self.owner = None
        if self.real is not None:
            self.real.dispose()
        proxy = self.deliver_proxy
        asyncio.get_event_loop().call_later(PROXY_GRACE, compat.destroy_proxy, proxy)


class LocalWorkers:
    """The pool of local workers under one budget: bound ones plus at most one warm one."""

    def __init__(
        self,
        start_real: StartReal,
        setup_code: str,
        settings: Settings,
        warm_wanted: Callable[[], bool] = lambda: True,
    ) -> None:
        self._start_real = start_real
        self._warm_wanted = warm_wanted
        self._setup_code = setup_code
        self.settings = settings
        self.budget = WorkerBudget(cap=settings.max_local_sessions)
        self._boot_lock = asyncio.Lock()
        self._warm: asyncio.Future[Worker] | None = None
        self._rewarm: asyncio.TimerHandle | None = None
        self._ids = itertools.count(1)
        self.live: dict[str, Worker] = {}

    async def _boot(self) -> Worker:
        # One boot at a time: simultaneous Pyodide starts are known to crash browsers.
        async with self._boot_lock:
            worker = Worker(f"inkrider-worker-{next(self._ids)}")
            self.live[worker.id] = worker
            try:
                worker.real = await self._start_real(worker.id, worker.deliver_proxy)
                await worker.real.ready
                ok, text = await worker.run_internal(self._setup_code)
                if not ok:
                    raise RuntimeError(f"worker setup failed: {text}")
            except BaseException:
                self.live.pop(worker.id, None)
                worker.dispose()
                raise
            return worker

    def ensure_warm(self) -> None:
        """Start booting a warm worker if the settings, the budget and the open notebooks say so."""
        if self._warm is not None or not self.budget.should_warm(self.settings.warm_worker):
            return
        if not self._warm_wanted():
            return
        self.budget.add_warm()
        self._warm = asyncio.ensure_future(self._boot())
        self._warm.add_done_callback(self._warm_finished)

    def _warm_finished(self, future: asyncio.Future[Worker]) -> None:
        if future.cancelled() or future.exception() is None:
            return
        compat.log_error("the warm worker failed to start", future.exception())
        if self._warm is future:  # nobody took it: free its place
            self._warm = None
            self.budget.release_warm()

    def _schedule_rewarm(self) -> None:
        if self._rewarm is not None:
            self._rewarm.cancel()
        self._rewarm = asyncio.get_event_loop().call_later(REWARM_DELAY, self.ensure_warm)

    @property
    def warm_worker_count(self) -> int:
        return self.budget.warm

    async def acquire(self) -> Worker:
        """A worker for a session that binds now: the warm one if any, else a fresh boot."""
        warm, self._warm = self._warm, None
        if warm is not None:
            self.budget.take_warm()
            try:
                worker = await warm
            except Exception:
                worker = None  # it failed; its slot is ours, so boot a fresh one in it
            if worker is None:
                try:
                    worker = await self._boot()
                except BaseException:
                    self.budget.release_bound()
                    raise
        else:
            if not self.budget.can_bind():
                raise NoLocalCapacity(
                    f"All {self.budget.cap} local sessions are in use. "
                    "End one you no longer need (Kernel → Shut Down Kernel in its notebook), "
                    "then run the cell again."
                )
            self.budget.add_bound()
            try:
                worker = await self._boot()
            except BaseException:
                self.budget.release_bound()
                raise
        self._schedule_rewarm()
        return worker

    def release(self, worker: Worker) -> None:
        """A session let go of its worker: end it, free its slot, maybe warm another."""
        self.live.pop(worker.id, None)
        worker.dispose()
        self.budget.release_bound()
        self._schedule_rewarm()

    def apply_settings(self, settings: Settings) -> None:
        self.settings = settings
        self.budget.cap = settings.max_local_sessions
        if not settings.warm_worker and self._warm is not None:
            warm, self._warm = self._warm, None
            self.budget.release_warm()
            warm.add_done_callback(lambda f: self._discard(f))
            if not warm.done():
                return
        self.ensure_warm()

    def _discard(self, future: asyncio.Future[Worker]) -> None:
        if not future.cancelled() and future.exception() is None:
            worker = future.result()
            self.live.pop(worker.id, None)
            worker.dispose()
