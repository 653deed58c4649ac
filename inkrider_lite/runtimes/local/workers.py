"""Local Pyodide workers: booting them one at a time, keeping one warm, lending them out.

A worker is one real kernel made by pyodide-kernel's own factory. It belongs to no notebook
until a routing kernel binds it; its messages then go to that kernel's client: in the page, by
the loader's worker route without a trip through Python (Python hears status and execute_reply
messages, and the replies to its own requests); without a route (CPython tests), through
`Worker.deliver`.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from ..._compat import compat
from ...kernel.quiet_runs import MARK as QUIET_MARK
from ...protocol.messages import INTERNAL_SESSION, execute_outcome, execute_request
from ...sessions.capacity import WorkerBudget
from ...sessions.limiter import Grant, SlotLimiter
from ..base import SessionOwner, WaitCancelled, Watch
from ..settings import Settings
from .browser_slots import BrowserSlots, Slot

#: Seconds to wait after a bind before warming the next worker: its boot would slow the first
#: cells of the session that was just bound, on a 2-core machine.
REWARM_DELAY = 4.0
#: Seconds before a disposed worker's callback proxy is freed; late messages may still arrive.
PROXY_GRACE = 10.0
#: Quiet requests the page's workers run, in all, while nothing else is asked of them.
#: A worker restored from the kernel image has run almost no Python, so the browser still runs
#: Pyodide's wasm in its baseline tier: a session's first 40 or so cells each took 1.5 to 2.5
#: times as long as later ones (the worker's busy-to-idle time of `1`: 16-18 ms, then 6-7 ms),
#: until the hot functions were compiled by the optimizing tier. That code belongs to the
#: compiled module, which every worker of the page shares, so this is paid once per page, in
#: time when the worker would be idle anyway (bench: scripts/bench, row 3).
TIER_UP_RUNS = 60
#: What each of them runs: the fixed path every cell takes (parse, compile, run, reply). Measured
#: on a bound worker's next 40 trips of `1`, after 60 runs each: `1` brought them to the speed
#: of later trips; a loop over strings and dicts, or a `display()`, did not (build/probe/rt3.py).
TIER_UP_CODE = "1"
#: Seconds without any request before a worker is given a quiet run: a user typing the next
#: cell, not one running cells one after the other.
TIER_UP_IDLE = 1.0
#: Seconds a quiet run may take; a worker that is disposed meanwhile never answers.
TIER_UP_TIMEOUT = 10.0

StartReal = Callable[[str, Any], Awaitable[Any]]
Prepare = Callable[[Any, "Worker"], Awaitable[object]]
#: The loader's workerRoute(python, internalSession): a worker's way back to its notebook.
MakeRoute = Callable[[Any, str], Any]


class Worker:
    """One real kernel, and where its messages go: a local BoundSession."""

    runtime_label = "local"
    started_at: float | None = None  # see BoundSession: a worker starts with its binding

    def __init__(self, worker_id: str) -> None:
        self.id = worker_id
        self.real: Any = None
        self.owner: Callable[[Any], None] | None = None
        self._observer: Callable[[Any], None] | None = None
        #: The loader's route for the worker's messages (see use_route); None in CPython tests.
        self.route: Any = None
        self._route_proxies: list[Any] = []
        self._internal: dict[str, list[dict[str, Any]]] = {}
        self._listeners: dict[str, Callable[[dict[str, Any]], None]] = {}
        self.deliver_proxy = compat.create_proxy(self.deliver)
        #: An install into this worker before any session bound it (controller.early_install).
        self.early: asyncio.Future[Any] | None = None
        self.early_folder: str | None = None
        #: The notebook folder that is the worker's current directory ("" is /drive itself).
        self.folder = ""
        #: Its place under the browser-wide cap, held until the worker is disposed.
        self.slot: Slot | None = None

    def use_route(self, make_route: MakeRoute) -> None:
        """Let the loader carry the worker's messages to its notebook (before the real kernel is
        made: the route's sendMessage is the kernel's)."""
        observe = compat.create_proxy(self._observe)
        self._route_proxies = [observe]
        self.route = make_route(self.deliver_proxy, INTERNAL_SESSION)

    @property
    def send_message(self) -> Any:
        """What the real kernel sends its messages to."""
        return self.deliver_proxy if self.route is None else self.route.sendMessage

    def attach(self, owner: SessionOwner | None) -> None:
        self.owner = None if owner is None else owner.from_session
        self._observer = None if owner is None else owner.observe
        if self.route is not None:
            if owner is None:
                self.route.attach(None, None)
            else:
                self.route.attach(owner.send, self._route_proxies[0])

    def _observe(self, message: Any) -> None:
        if self._observer is not None:
            self._observer(message)

    async def enter(self, location: str) -> None:
        """Make the notebook's folder, in the worker's view of the contents (/drive), its
        current directory; an early install may have done so already."""
        if location == self.folder:
            return
        ok, text = await self.run_internal(chdir_code(location))
        if ok:
            self.folder = location
        else:
            compat.log_error(f"could not enter {location}: {text}")

    async def settled(self) -> None:
        """Wait for the worker's own work to end: it runs one request at a time."""
        if self.early is not None:
            await asyncio.wait([self.early])

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
        outcome = await self._run_internal(code, self.real.handleMessage, on_message)
        assert outcome is not None  # handleMessage always takes the request
        return outcome

    def idle_seconds(self) -> float | None:
        """How long nothing has been asked of the worker; None where the loader cannot tell
        (see its quietTurns)."""
        idle = getattr(self.real, "inkriderIdleMs", None)
        return None if idle is None else float(idle()) / 1000

    async def quiet_run(self, code: str) -> tuple[bool, str] | None:
        """run_internal, but only if nothing is asked of the worker now (None otherwise); what
        a notebook asks meanwhile waits for it (the loader's quietTurns)."""
        return await self._run_internal(code, self.real.inkriderQuietRun)

    async def _run_internal(
        self,
        code: str,
        send: Callable[[Any], Any],
        on_message: Callable[[dict[str, Any]], None] | None = None,
    ) -> tuple[bool, str] | None:
        request = execute_request(QUIET_MARK + code)
        msg_id = request["header"]["msg_id"]
        self._internal[msg_id] = []
        if on_message is not None:
            self._listeners[msg_id] = on_message
        try:
            sent = send(compat.to_js(request))
            if sent is None:
                return None
            await sent
        finally:
            replies = self._internal.pop(msg_id)
            self._listeners.pop(msg_id, None)
        return execute_outcome(replies)

    @property
    def can_interrupt(self) -> bool:
        """Only on a cross-origin isolated page does the worker's Pyodide have an interrupt
        buffer (see the loader's startWorkerKernel)."""
        return callable(getattr(self.real, "inkriderInterrupt", None))

    def interrupt(self) -> bool:
        """Raise KeyboardInterrupt in the running code; False if this worker cannot."""
        if not self.can_interrupt:
            return False
        self.real.inkriderInterrupt()
        return True

    async def revive(self) -> bool:
        """A worker in this page has no link to lose."""
        return self.real is not None

    def dispose(self) -> None:
        self.owner = None
        self._observer = None
        if self.route is not None:
            self.route.attach(None, None)
        if self.real is not None:
            self.real.dispose()
        if self.slot is not None:
            self.slot.release()
        for proxy in [self.deliver_proxy, *self._route_proxies]:
            asyncio.get_event_loop().call_later(PROXY_GRACE, compat.destroy_proxy, proxy)


def chdir_code(location: str) -> str:
    """Code that enters the folder of `location` under /drive, and otherwise fails saying
    why: a session left in /home/pyodide would run its notebook's relative paths silently
    against the wrong folder."""
    folder = location.split(":", 1)[-1]
    return (
        "import os\n"
        f"_p = os.path.join('/drive', {folder!r})\n"
        "try:\n"
        "    if not os.path.isdir('/drive'):\n"
        "        raise FileNotFoundError(\n"
        "            f'/drive is not mounted in this kernel, so it stays in {os.getcwd()}')\n"
        "    if not os.path.isdir(_p):\n"
        "        raise FileNotFoundError(\n"
        "            f'{_p} is not a folder in /drive, so the kernel stays in {os.getcwd()}')\n"
        "    os.chdir(_p)\n"
        "finally:\n"
        "    del _p"
    )


class NoRoomToWarm(Exception):
    """Every browser-wide slot is held, or a run in some tab waits for one."""


class LocalWorkers:
    """The local runtime: a pool of workers under one cap, bound ones plus at most one warm.

    A session that binds while every slot is held waits in line (see SlotLimiter), and gets the
    next slot that frees up.
    """

    def __init__(
        self,
        start_real: StartReal,
        setup_code: str,
        settings: Settings,
        warm_wanted: Callable[[], bool] = lambda: True,
        on_warm_ready: Callable[[], None] = lambda: None,
        on_line_change: Callable[[], None] = lambda: None,
        prepare: Prepare | None = None,
        slots: BrowserSlots | None = None,
        label_for: Callable[[Hashable], str] = lambda _ticket: "",
        make_route: MakeRoute | None = None,
        tier_up_runs: int = 0,
    ) -> None:
        """`slots` keeps the cap across the site's tabs (a cap per tab without it);
        `label_for` names the notebook of a session's ticket, for the other tabs;
        `tier_up_runs`: see TIER_UP_RUNS (none in CPython tests)."""
        self._start_real = start_real
        self.slots = slots if slots is not None else BrowserSlots()
        self._label_for = label_for
        self._make_route = make_route
        # Runs in a freshly bound worker before its first request, e.g. requirements.txt.
        self._prepare = prepare
        self._warm_wanted = warm_wanted
        self._on_warm_ready = on_warm_ready
        self._on_line_changed = on_line_change
        self._setup_code = setup_code
        self.settings = settings
        self.limiter = SlotLimiter(WorkerBudget(cap=settings.max_local_sessions))
        # Each waiting session: the future its acquire() awaits, and who hears its place.
        self._waiters: dict[Hashable, tuple[asyncio.Future[None], Watch | None]] = {}
        self._boot_lock = asyncio.Lock()
        self._warm: asyncio.Future[Worker] | None = None
        self._rewarm: asyncio.TimerHandle | None = None
        self._ids = itertools.count(1)
        self.live: dict[str, Worker] = {}
        self._tasks: set[asyncio.Future[None]] = set()
        self._tier_up_left = tier_up_runs
        self._tiering: asyncio.Future[None] | None = None

    kind = "local"
    where = "in this browser (JupyterLite, local)"

    @property
    def budget(self) -> WorkerBudget:
        return self.limiter.budget

    async def _boot(self, slot: Slot) -> Worker:
        worker = Worker(f"inkrider-worker-{next(self._ids)}")
        worker.slot = slot
        self.live[worker.id] = worker
        try:
            if self._make_route is not None:
                worker.use_route(self._make_route)
            # Pyodide starts one at a time: simultaneous starts are known to crash browsers.
            # What follows is Python in a worker that has started, so the next start need not
            # wait for it (in a batch, the next notebook's start overlaps this one's setup).
            async with self._boot_lock:
                worker.real = await self._start_real(worker.id, worker.send_message)
                await worker.real.ready
            if worker.route is not None:
                await worker.route.connect(worker.real)
            ok, text = await worker.run_internal(self._setup_code)
            if not ok:
                raise RuntimeError(f"worker setup failed: {text}")
        except BaseException:
            self.live.pop(worker.id, None)
            worker.dispose()
            raise
        self._start_tier_up(worker)
        return worker

    def ensure_warm(self) -> None:
        """Start booting a warm worker if the settings, the line and the open notebooks say so."""
        if self._warm is not None or not self.limiter.may_warm(self.settings.warm_worker):
            return
        if not self._warm_wanted():
            return
        self.budget.add_warm()
        self._warm = asyncio.ensure_future(self._boot_warm())
        self._warm.add_done_callback(self._warm_finished)

    async def _boot_warm(self) -> Worker:
        slot = await self.slots.take(self.budget.cap, "", for_warm=True)
        if slot is None:
            raise NoRoomToWarm()
        try:
            return await self._boot(slot)
        except BaseException:
            slot.release()
            raise

    def _warm_finished(self, future: asyncio.Future[Worker]) -> None:
        if future.cancelled():
            return
        if future.exception() is None:
            if self._warm is future:
                self._on_warm_ready()
                # A run in another tab may have asked for a slot while this one booted.
                self.on_slot_event("booted")
            return
        if not isinstance(future.exception(), NoRoomToWarm):
            compat.log_error("the warm worker failed to start", future.exception())
        if self._warm is future:  # nobody took it: free its place
            self._warm = None
            self._grant(self.limiter.release_warm())

    @property
    def tier_up_left(self) -> int:
        """The quiet runs this page has still to make (see TIER_UP_RUNS)."""
        return self._tier_up_left

    def _start_tier_up(self, worker: Worker) -> None:
        """Warm the page's wasm up in `worker` (see TIER_UP_RUNS), one worker at a time."""
        if self._tier_up_left <= 0 or self._tiering is not None or worker.idle_seconds() is None:
            return
        self._tiering = asyncio.ensure_future(self._tier_up(worker))

    async def _tier_up(self, worker: Worker) -> None:
        """Quiet runs in `worker` whenever it has been idle for TIER_UP_IDLE, until the page has
        had enough of them or the worker ends; a later worker takes over what is left."""
        try:
            while self._tier_up_left > 0 and self.live.get(worker.id) is worker:
                idle = worker.idle_seconds() or 0.0
                if idle < TIER_UP_IDLE:
                    await asyncio.sleep(TIER_UP_IDLE - idle)
                    continue
                outcome = await asyncio.wait_for(
                    worker.quiet_run(TIER_UP_CODE), timeout=TIER_UP_TIMEOUT
                )
                if outcome is None:  # asked for something just now
                    continue
                ok, text = outcome
                if not ok:
                    compat.log_error(f"warming the worker up failed: {text}")
                    self._tier_up_left = 0
                    return
                self._tier_up_left -= 1
        except Exception as error:  # sessions work as well without it, only slower at first
            compat.log_error("warming the worker up failed", error)
        finally:
            self._tiering = None
        successor = next(iter(self.live.values()), None)
        if successor is not None:
            self._start_tier_up(successor)

    def _schedule_rewarm(self) -> None:
        if self._rewarm is not None:
            self._rewarm.cancel()
        self._rewarm = asyncio.get_event_loop().call_later(REWARM_DELAY, self.ensure_warm)

    def ready_warm(self) -> Worker | None:
        """The warm worker, if it has booted and nobody took it yet."""
        warm = self._warm
        if warm is None or not warm.done() or warm.cancelled() or warm.exception() is not None:
            return None
        return warm.result()

    # -- the line -------------------------------------------------------------------------

    def position(self, ticket: Hashable) -> int | None:
        """Runs waiting for another tab's slot come first: they already hold this tab's."""
        if self.slots.waiting(ticket):
            return 1
        place = self.limiter.position(ticket)
        return None if place is None else place + self.slots.waits

    @property
    def running(self) -> int:
        """Sessions of this tab that hold a worker (those that wait for another tab's slot
        already count in this tab's budget)."""
        return self.budget.bound - self.slots.waits

    @property
    def waiting(self) -> int:
        return self.limiter.waiting + self.slots.waits

    def cancel_wait(self, ticket: Hashable) -> bool:
        """Take `ticket` out of the line; its acquire() raises WaitCancelled."""
        if self.slots.cancel(ticket):
            self._on_line_change()
            return True
        if not self.limiter.cancel(ticket):
            return False
        waiter, _watch = self._waiters.pop(ticket, (None, None))
        if waiter is not None and not waiter.done():
            waiter.set_exception(WaitCancelled())
        self._on_line_change()
        return True

    def _on_line_change(self) -> None:
        """Tell every waiting session its place, then whoever shows the line."""
        for ticket, (_waiter, watch) in list(self._waiters.items()):
            if watch is not None:
                watch(self.limiter.position(ticket))
        self._on_line_changed()

    def _grant(self, tickets: list[Hashable]) -> None:
        for ticket in tickets:
            waiter, watch = self._waiters.pop(ticket, (None, None))
            if waiter is None or waiter.done():  # gone meanwhile: pass the slot on
                self._grant(self.limiter.release())
                continue
            waiter.set_result(None)
            if watch is not None:
                watch(None)
        if tickets:
            self._on_line_change()

    async def _wait_in_line(self, ticket: Hashable, watch: Watch | None) -> None:
        waiter: asyncio.Future[None] = asyncio.get_event_loop().create_future()
        self._waiters[ticket] = (waiter, watch)
        self._on_line_change()
        try:
            await waiter
        except BaseException:
            self._waiters.pop(ticket, None)
            granted = waiter.done() and not waiter.cancelled() and waiter.exception() is None
            if self.limiter.cancel(ticket):
                self._on_line_change()
            elif granted:  # the slot came just as the wait was abandoned: pass it on
                self._grant(self.limiter.release())
            raise

    # -- lending ----------------------------------------------------------------------------

    async def acquire(self, ticket: Hashable | None = None, watch: Watch | None = None) -> Worker:
        """A worker for a session that binds now: the warm one if any, else a fresh boot in a
        free slot, else after waiting in line for one (WaitCancelled if told to stop).

        While waiting, `watch` gets the session's place in line (1 = next) at each change."""
        ticket = object() if ticket is None else ticket
        grant = self.limiter.request(ticket, warm_available=self._warm is not None)
        if grant is Grant.QUEUED:
            await self._wait_in_line(ticket, watch)
        worker: Worker | None = None
        if grant is Grant.WARM:
            warm, self._warm = self._warm, None
            assert warm is not None
            try:
                worker = await warm
            except Exception:
                worker = None  # it failed; its slot is ours, so boot a fresh one in it
        if worker is None:
            try:
                worker = await self._boot(await self._browser_slot(ticket, watch))
            except BaseException:
                self._grant(self.limiter.release())
                raise
        self._schedule_rewarm()
        if worker.slot is not None:
            await worker.slot.relabel(self._label_for(ticket))
        return worker

    async def _browser_slot(self, ticket: Hashable, watch: Watch | None) -> Slot:
        """This tab has room; wait, if need be, until the browser has too."""
        label = self._label_for(ticket)
        slot = await self.slots.take(self.budget.cap, label)
        if slot is not None:
            return slot
        await self.slots.refresh()
        waiting = asyncio.ensure_future(self.slots.wait(ticket, self.budget.cap, label))
        await asyncio.sleep(0)  # registered before anybody is told
        if watch is not None:
            watch(1)
        self._on_line_change()
        try:
            slot = await waiting
        finally:
            self._on_line_change()
        if watch is not None:
            watch(None)
        return slot

    def on_slot_event(self, what: str) -> None:
        """Another tab waits for a slot: a warm worker nobody took gives its slot up.
        Any change: what the other tabs hold is read again."""
        task = asyncio.ensure_future(self._after_slot_event(what))
        self._tasks.add(task)  # asyncio holds tasks weakly
        task.add_done_callback(self._tasks.discard)

    async def _after_slot_event(self, what: str) -> None:
        idle_warm = what in ("wanted", "booted") and self.ready_warm() is not None
        # Read again after the await: a run in this tab may have taken the warm worker.
        if idle_warm and await self.slots.wanted() and self.ready_warm() is not None:
            warm, self._warm = self._warm, None
            self._grant(self.limiter.release_warm())
            assert warm is not None
            self._discard(warm)
        if await self.slots.refresh():
            self._on_line_changed()

    @property
    def prepares(self) -> bool:
        return self._prepare is not None

    async def prepare(self, owner: Any, worker: Worker) -> object:
        return None if self._prepare is None else await self._prepare(owner, worker)

    def waiting_text(self, position: int) -> str:
        return waiting_text(position, self.budget.cap, len(self.slots.elsewhere))

    def release(self, worker: Worker) -> None:
        """A session let go of its worker: end it, and give its slot to the head of the line
        (or, with nobody waiting, maybe to a warm worker later)."""
        self.live.pop(worker.id, None)
        worker.dispose()
        self._grant(self.limiter.release())
        # Whoever shows the count hears it even when no state changes: a session that was still
        # starting when its notebook (or batch run) was closed is released after it ended.
        self._on_line_changed()
        self._schedule_rewarm()

    def apply_settings(self, settings: Settings) -> None:
        self.settings = settings
        if not settings.warm_worker and self._warm is not None:
            warm, self._warm = self._warm, None
            self._grant(self.limiter.release_warm())
            warm.add_done_callback(lambda f: self._discard(f))
        self._grant(self.limiter.set_cap(settings.max_local_sessions))
        self.ensure_warm()

    def _discard(self, future: asyncio.Future[Worker]) -> None:
        if not future.cancelled() and future.exception() is None:
            worker = future.result()
            self.live.pop(worker.id, None)
            worker.dispose()


def waiting_text(position: int, cap: int, elsewhere: int = 0) -> str:
    """`elsewhere`: how many of the browser's sessions other tabs of the site hold."""
    sessions = "session is" if cap == 1 else f"{cap} sessions are"
    place = "next in line" if position == 1 else f"number {position} in line"
    where = ""
    if elsewhere:
        where = f"; {elsewhere} of them {'is' if elsewhere == 1 else 'are'} open in other tabs"
    closed = "in any tab, or when such a tab is closed" if elsewhere else ""
    return (
        f"Waiting for a local session: all {sessions} in use{where} ({place}). "
        f"This run starts when one is closed{' ' + closed if closed else ''}: "
        "Tools → Session Explorer."
    )
