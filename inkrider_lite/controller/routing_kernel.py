"""The routing kernel: one per notebook session, unbound until its first run.

JupyterLite sees an ordinary kernel. While unbound it answers the requests a notebook sends on
connect by itself, so opening a notebook boots nothing. The first request that needs Python binds
it to a session of the runtime selected at that moment (runtimes/base.py); from then on messages
pass both ways untouched and in order. Closing the session lets it go and returns the kernel to
unbound, so the next run starts afresh, on whichever runtime is selected then.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from .._compat import compat
from ..protocol import messages
from ..requirements.summary_text import cell_note
from ..runtimes.base import BoundSession, Runtime, Unreachable, WaitCancelled
from ..sessions.lifecycle import SessionState, advance
from .signal import Signal

_display_ids = itertools.count(1)

#: Runs ended without the kernel's answer that a kernel is remembered to owe (a bound on memory
#: only: the relay keeps as many, MAX_FORGOTTEN in loader.js).
ENDED_KEPT = 100
STOPPED_AT_START = "Interrupted while the session was starting; the cell did not run."
#: It says where, as the runtime chosen now has it: a user whose remote kernel had gone, with
#: the local runtime chosen meanwhile, could not tell (new-user pass, stop 25, defect 5).
SESSION_REPLACED = (
    "The previous session's kernel is gone (its server restarted or stopped), so this run "
    "starts a new session {where}: variables from before are lost.\n"
)


class RoutingKernel:
    def __init__(
        self,
        kernel_id: str,
        name: str,
        location: str,
        send: Callable[[Any], None],
        select_runtime: Callable[[], Runtime],
        on_change: Callable[[RoutingKernel], None] = lambda _kernel: None,
        fast_path: Any = None,
        stored_language_info: Callable[[], Any] = lambda: None,
        take_kept: Callable[[], tuple[Runtime, BoundSession] | None] = lambda: None,
    ) -> None:
        """`take_kept` hands over, at the first run, a live session kept for this notebook
        (the Execution Tool's "keep the sessions"), which then binds with its variables."""
        self.id = kernel_id
        self._take_kept = take_kept
        # The notebook's language_info as saved: the unbound kernel answers with it.
        self._stored_language_info = stored_language_info
        self.name = name
        self.location = location
        self._send = send
        self._select_runtime = select_runtime
        #: The runtime of the current binding (or of the one being made).
        self.runtime: Runtime | None = None
        self._on_change = on_change
        # The loader's kernel object: once told bind(real), it passes messages to the session
        # itself, so a bound session costs no trip through Python per request.
        self._fast_path = fast_path
        self.requirements: object = None
        self.state = SessionState.UNBOUND
        self.session: BoundSession | None = None
        #: "connected", or how the link to a remote kernel failed (see connection_changed).
        self.link = "connected"
        self.started_at: float | None = None
        self.error: str | None = None
        self.connected = False  # a client has had our kernel_info_reply
        self._pending: list[Any] = []
        self._inflight: dict[str, Any] | None = None
        #: The runs whose cells were ended without the kernel's answer (end_running_cell), the
        #: newest ENDED_KEPT: the kernel may still run one of them once its server wakes.
        self._ended: dict[str, None] = {}
        self.memory_bytes: int | None = None  # the worker's wasm heap, when last measured
        # Runs requested before a cancelled or failed start never run (as ipykernel aborts the
        # queue after an error): e.g. the rest of a Run All.
        self._abort_before: str | None = None
        # Interrupt pressed while the session started: the run that started it does not run.
        self._stopped_while_starting = False

    # -- what JupyterLite calls ---------------------------------------------------------------

    @property
    def runtime_label(self) -> str:
        session = self.session
        if session is not None:
            return session.runtime_label
        return self.runtime.kind if self.runtime is not None else "local"

    @property
    def send(self) -> Any:
        return self._send

    def handle_message(self, message: Any) -> Any:
        """Once bound, hand back the real kernel's own future: no coroutine per message."""
        session = self.session
        if session is not None and self.link == "lost":
            return asyncio.ensure_future(self._handle_lost(message))
        if session is not None and self.state in (SessionState.IDLE, SessionState.BUSY):
            pending = session.real.handleMessage(message)
            self._pending = [f for f in self._pending if not f.done()]
            self._pending.append(pending)
            return pending
        return asyncio.ensure_future(self._handle_unbound(message))

    async def _handle_unbound(self, message: Any) -> None:
        msg_type = compat.header_field(message, "header", "msg_type")
        if self.state is SessionState.DEAD:
            return
        if msg_type in messages.UNBOUND_REPLIES:
            header = compat.message_part(message, "header")
            content = compat.message_part(message, "content")
            language = None
            if msg_type == "kernel_info_request":
                language = messages.kept_language_info(self._stored_language_info())
            for reply in messages.unbound_exchange(header, content, language):
                self._send(compat.to_js(reply))
            if msg_type == "kernel_info_request":
                self.connected = True
                self._on_change(self)
            return
        if msg_type == "execute_request" and self._queued_before_abort(message):
            for reply in messages.execute_aborted(compat.message_part(message, "header")):
                self._send(compat.to_js(reply))
            return
        if msg_type in messages.BINDING_REQUESTS and not await self._bind(message):
            return
        if self._stopped_while_starting and msg_type == "execute_request":
            self._stopped_while_starting = False
            header = compat.message_part(message, "header")
            for reply in messages.execute_failure(header, "KeyboardInterrupt", STOPPED_AT_START):
                self._send(compat.to_js(reply))
            return
        if self.session is not None:
            await self.handle_message(message)

    async def _handle_lost(self, message: Any) -> None:
        """A request while the link to the session is lost (its server stopped answering, or
        lost the kernel): a run first tries to connect again, variables intact; if the session
        is gone, it lets it go and starts a new one, and says so in the cell. Requests the
        notebook sends by itself are answered as while unbound."""
        session = self.session
        msg_type = compat.header_field(message, "header", "msg_type")
        if session is None:
            await self.handle_message(message)
            return
        if msg_type in messages.UNBOUND_REPLIES:
            header = compat.message_part(message, "header")
            content = compat.message_part(message, "content")
            for reply in messages.unbound_exchange(header, content):
                self._send(compat.to_js(reply))
            return
        if msg_type not in messages.BINDING_REQUESTS:
            return  # e.g. an input_reply for the cell that was ended
        try:
            revived = await session.revive()
        except Unreachable as unreachable:
            # Nothing is known of the kernel: the session stays, for the next run to try again;
            # the runs queued behind this one are aborted (a Run All asks once, not per cell).
            header = compat.message_part(message, "header")
            if msg_type == "execute_request":
                self._abort_before = _now_iso()
                failure = messages.execute_failure(header, unreachable.ename, str(unreachable))
                for reply in failure:
                    self._send(compat.to_js(reply))
            else:
                self._send(compat.to_js(messages.status("idle", header)))
            return
        if revived:
            if self.session is session:
                self.connection_changed("connected")
                await self.handle_message(message)
            return
        if self.session is not session:  # closed meanwhile: a plain first run now
            await self.handle_message(message)
            return
        self.close()
        header = compat.message_part(message, "header")
        if msg_type == "execute_request":
            where = self._select_runtime().where
            text = SESSION_REPLACED.format(where=where)
            self._send(compat.to_js(messages.stream("stderr", text, header)))
        await self._handle_unbound(message)

    # -- binding ----------------------------------------------------------------------------

    async def _bind(self, message: Any) -> bool:
        header = compat.message_part(message, "header")
        self._stopped_while_starting = False
        self._set_state(SessionState.STARTING)
        kept = self._take_kept()
        if kept is not None:
            self.runtime = kept[0]
            self._take(kept[1])
            return True
        # The UI would show "idle" for the whole boot otherwise.
        self._send(compat.to_js(messages.status("busy", header)))
        runtime = self.runtime = self._select_runtime()
        waiting = _WaitingOutput(self, header)
        try:
            session = await runtime.acquire(self.id, waiting.show)
        except WaitCancelled:
            waiting.clear()
            self._abort_queued(header)
            return False
        except Exception as error:
            waiting.clear()
            self._start_failed(header, error)
            return False
        try:
            await session.settled()  # an early install may still be running in it
            await session.enter(self.location)
            if runtime.prepares and self.state is not SessionState.DEAD:
                try:
                    self.requirements = await runtime.prepare(self, session)
                except Exception as error:  # the session stays usable without its packages
                    compat.log_error("installing the folder's requirements failed", error)
                self._note_requirements(header)
        except Exception as error:
            runtime.release(session)
            self._start_failed(header, error)
            return False
        if self.state is SessionState.DEAD:  # the notebook went away meanwhile
            runtime.release(session)
            return False
        self._take(session, session.started_at)
        return True

    def adopt(
        self, runtime: Runtime, session: BoundSession, started_at: float | None = None
    ) -> bool:
        """Bind to a session that already runs (a remote kernel left detached by a reload), as
        if a run had started it: its variables stay, and so does when it started. Only an
        unbound kernel can adopt one."""
        if self.state is not SessionState.UNBOUND:
            return False
        self.runtime = runtime
        self._set_state(SessionState.STARTING)
        self._take(session, started_at)
        return True

    def _note_requirements(self, header: dict[str, Any]) -> None:
        """Lines of the folder's requirements.txt that were not installed are told in the cell
        whose run started the session, not only in a notification that goes away."""
        summary = self.requirements
        if not isinstance(summary, dict) or header.get("msg_type") != "execute_request":
            return
        note = cell_note(str(summary.get("file") or "requirements.txt"), summary)
        if note:
            self._send(compat.to_js(messages.stream("stderr", note, header)))

    def hand_over(self) -> tuple[Runtime, BoundSession] | None:
        """Give this kernel's idle session, variables and all, to another kernel (which takes
        it at its first run, through `take_kept`); this kernel ends without closing it."""
        session, runtime = self.session, self.runtime
        if session is None or runtime is None or self.state is not SessionState.IDLE:
            return None
        self.session = None
        session.attach(None)
        if self._fast_path is not None:
            self._fast_path.unbind()
        self._pending = []
        self._set_state(SessionState.DEAD)
        return runtime, session

    def _take(self, session: BoundSession, started_at: float | None = None) -> None:
        self.error = None
        self.link = "connected"
        self.session = session
        session.attach(self)
        self.started_at = started_at or time.time()
        self._set_state(SessionState.IDLE)
        if self._fast_path is not None:
            self._fast_path.bind(session.real)

    def _start_failed(self, header: dict[str, Any], error: Exception) -> None:
        """A start that failed leaves the kernel unbound, and the run that asked gets the error;
        the runs queued behind it are aborted rather than each trying to start again."""
        self.error = str(error)
        if self.state is SessionState.DEAD:
            return
        self._set_state(SessionState.UNBOUND)
        self._abort_before = _now_iso()
        if header.get("msg_type") == "execute_request":
            for reply in messages.execute_failure(header, "SessionStartError", str(error)):
                self._send(compat.to_js(reply))
        else:
            self._send(compat.to_js(messages.status("idle", header)))

    def _abort_queued(self, header: dict[str, Any]) -> None:
        """The run that waited for a slot was cancelled: it and the runs queued behind it end
        as aborted, and nothing else changes."""
        self._abort_before = _now_iso()
        if self.state is not SessionState.DEAD:
            self._set_state(SessionState.UNBOUND)
        if header.get("msg_type") == "execute_request":
            for reply in messages.execute_aborted(header):
                self._send(compat.to_js(reply))
        else:
            self._send(compat.to_js(messages.status("idle", header)))

    def _queued_before_abort(self, message: Any) -> bool:
        sent = compat.header_field(message, "header", "date")
        return bool(self._abort_before and isinstance(sent, str) and sent < self._abort_before)

    @property
    def queue_position(self) -> int | None:
        """Place in line for a local slot (1 = next), while waiting."""
        if self.state is not SessionState.WAITING or self.runtime is None:
            return None
        return self.runtime.position(self.id)

    def interrupt(self) -> str:
        """Stop what runs now. Returns what happened: "cancelled" (a run waiting for a slot),
        "interrupted" (also a run whose session is starting: it will not run), "idle" (nothing
        ran), or "unsupported" (this worker cannot be interrupted, e.g. the page is not
        cross-origin isolated)."""
        if self.state is SessionState.WAITING:
            return "cancelled" if self.cancel_wait() else "idle"
        if self.state in (SessionState.STARTING, SessionState.INSTALLING):
            # The session still starts (and installs), ready for the next run.
            self._stopped_while_starting = True
            return "interrupted"
        session = self.session
        if session is None or self.state is not SessionState.BUSY:
            return "idle"
        return "interrupted" if session.interrupt() else "unsupported"

    def cancel_wait(self) -> bool:
        """Stop waiting for a slot: the run that waited is aborted."""
        return self.runtime is not None and self.runtime.cancel_wait(self.id)

    def from_session(self, message: Any) -> None:
        """A message of a session that passes every message through Python."""
        self.observe(message)
        self._send(message)

    def observe(self, message: Any) -> None:
        """Learn the session's state from its status and execute_reply messages."""
        msg_type = compat.header_field(message, "header", "msg_type")
        if msg_type == "status":
            state = compat.header_field(message, "content", "execution_state")
            if state in ("busy", "idle") and self.session is not None:
                self._set_state(SessionState(state))
            # The request being worked on is known from the worker's side, so that requests
            # themselves can bypass Python (see fast_path).
            if (
                state == "busy"
                and compat.header_field(message, "parent_header", "msg_type") == "execute_request"
            ):
                self._inflight = compat.message_part(message, "parent_header")
        elif (
            msg_type == "execute_reply"
            and self._inflight is not None
            and compat.header_field(message, "parent_header", "msg_id") == self._inflight["msg_id"]
        ):
            self._inflight = None

    def connection_changed(self, state: str) -> None:
        """The link to a remote kernel changed: "lost" (the session waits for Reconnect or Start
        fresh; see runtimes/remote/runtime.py), or "connected" again. The same state again
        refreshes what shows it (the session learnt more: its kernel is gone)."""
        if self.session is None:
            return
        if state == self.link:
            self._on_change(self)
            return
        self.link = state
        if self._fast_path is not None:
            # While lost, requests come through Python (see _handle_lost).
            if state == "lost":
                self._fast_path.unbind()
            else:
                self._fast_path.bind(self.session.real)
        if state == "connected" and self.state is SessionState.BUSY and self._inflight is None:
            self._set_state(SessionState.IDLE)
        self._on_change(self)

    def end_running_cell(
        self,
        ename: str,
        evalue: str,
        unanswered: Sequence[dict[str, Any]] = (),
        queued_evalue: str = "",
    ) -> None:
        """The session can no longer answer the running cell: it ends with this error. So does
        the first of `unanswered` (the headers of runs the kernel never replied to) if no cell
        was running; the others end with `queued_evalue`, or as aborted without one (as the
        runs after a failing cell do)."""
        running = None if self._inflight is None else self._inflight.get("msg_id")
        if running in self._ended:
            # Its cell was ended once already, and the kernel went on with it after a wake: a
            # second error under the first was shown when the server went silent again
            # (new-user pass, stop 27, D1).
            self._inflight = running = None
        failed = running is not None
        self._fail_running_cell(ename, evalue)
        for header in unanswered:
            self._remember_ended(header.get("msg_id"))
            if header.get("msg_id") == running:
                continue
            if failed and queued_evalue:
                replies = messages.execute_failure(header, ename, queued_evalue)
            elif failed:
                replies = messages.execute_aborted(header)
            else:
                replies = messages.execute_failure(header, ename, evalue)
                failed = True
            for reply in replies:
                self._send(compat.to_js(reply))
        if self.state is SessionState.BUSY:
            self._set_state(SessionState.IDLE)

    def _fail_running_cell(self, ename: str, evalue: str) -> None:
        """The cell that was running gets an answer, so the notebook does not wait forever."""
        inflight, self._inflight = self._inflight, None
        if inflight is not None:
            self._remember_ended(inflight.get("msg_id"))
            for reply in messages.execute_failure(inflight, ename, evalue):
                self._send(compat.to_js(reply))

    def _remember_ended(self, msg_id: str | None) -> None:
        if msg_id is None:
            return
        self._ended[msg_id] = None
        if len(self._ended) > ENDED_KEPT:
            del self._ended[next(iter(self._ended))]

    # -- ending -----------------------------------------------------------------------------

    def close(self) -> None:
        """End the session: the worker goes, variables with it; the notebook stays connected.
        A session still waiting for a slot stops waiting."""
        if self.state is SessionState.WAITING:
            self.cancel_wait()
            return
        session, self.session = self.session, None
        if session is None:
            return
        session.attach(None)
        if self._fast_path is not None:
            self._fast_path.unbind()
        if self.runtime is not None:
            self.runtime.release(session)
        self._fail_running_cell("SessionClosed", "The session was closed; its variables are gone.")
        # A terminated worker never settles its requests; settle them so the queue moves on.
        pending, self._pending = self._pending, []
        for future in pending:
            if future.done():
                continue
            if isinstance(future, asyncio.Task):
                future.cancel()
            else:
                future.set_result(None)
        self.started_at = None
        self.requirements = None
        self.memory_bytes = None
        self.link = "connected"
        if self.state is not SessionState.DEAD:
            self._set_state(SessionState.UNBOUND)

    def dispose(self) -> None:
        if self.state is SessionState.DEAD:
            return
        self.close()
        self._set_state(SessionState.DEAD)

    def installing(self) -> None:
        """The runtime has requirements to install before this session's first run (called by
        its `prepare`: a folder without a requirements.txt shows no "installing" at all)."""
        if self.state is SessionState.STARTING:
            self._set_state(SessionState.INSTALLING)

    def _set_state(self, state: SessionState) -> None:
        new = advance(self.state, state)
        if new is not self.state:
            self.state = new
            self._on_change(self)


class _WaitingOutput:
    """What a run that waits for a slot shows in its cell: its place in line, updated in place,
    and cleared once the run gets its session (or is cancelled)."""

    def __init__(self, kernel: RoutingKernel, header: dict[str, Any]) -> None:
        self._kernel = kernel
        self._header = header
        self._display_id = f"inkrider-waiting-{next(_display_ids)}"
        self._shown = False

    def show(self, position: int | None) -> None:
        kernel = self._kernel
        if kernel.state is SessionState.DEAD:
            return
        if position is None:  # a slot came free for us
            self.clear()
            kernel._set_state(SessionState.STARTING)
            return
        if kernel.state is SessionState.WAITING:
            kernel._on_change(kernel)  # only its place in line moved
        else:
            kernel._set_state(SessionState.WAITING)
        if self._header.get("msg_type") != "execute_request":
            return
        if kernel.runtime is None:
            return
        text = kernel.runtime.waiting_text(position)
        kernel._send(
            compat.to_js(
                messages.display_text(self._header, text, self._display_id, update=self._shown)
            )
        )
        self._shown = True

    def clear(self) -> None:
        if self._shown:
            self._shown = False
            self._kernel._send(compat.to_js(messages.clear_output(self._header)))


def _now_iso() -> str:
    """Now, in the form of a message header's date (JavaScript's toISOString)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class KernelHandle:
    """What JupyterLite holds: the IKernel shape, in the camelCase it expects."""

    def __init__(self, kernel: RoutingKernel) -> None:
        self._kernel = kernel
        self.id = kernel.id
        self.name = kernel.name
        self.location = kernel.location
        self.ready = compat.resolved()
        self.disposed = Signal(self)

    @property
    def isDisposed(self) -> bool:
        return self._kernel.state is SessionState.DEAD

    def handleMessage(self, message: Any) -> Any:
        return self._kernel.handle_message(message)

    def dispose(self) -> None:
        if self.isDisposed:
            return
        self._kernel.dispose()
        self.disposed.emit()
