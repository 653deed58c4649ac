"""The routing kernel: one per notebook session, unbound until its first run.

JupyterLite sees an ordinary kernel. While unbound it answers the requests a notebook sends on
connect by itself, so opening a notebook boots nothing. The first request that needs Python binds
it to a worker; from then on messages pass both ways untouched and in order. Closing the session
lets the worker go and returns the kernel to unbound, so the next run starts afresh.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from .._compat import compat
from ..protocol import messages
from ..sessions.lifecycle import SessionState, advance
from .signal import Signal
from .workers import LocalWorkers, Worker


class RoutingKernel:
    def __init__(
        self,
        kernel_id: str,
        name: str,
        location: str,
        send: Callable[[Any], None],
        workers: LocalWorkers,
        on_change: Callable[[RoutingKernel], None] = lambda _kernel: None,
        fast_path: Any = None,
        prepare: Callable[[RoutingKernel, Worker], Awaitable[object]] | None = None,
    ) -> None:
        self.id = kernel_id
        self.name = name
        self.location = location
        self._send = send
        self._workers = workers
        self._on_change = on_change
        # The loader's kernel object: once told bind(real), it passes messages to the worker
        # itself, so a bound session costs no trip through Python per request.
        self._fast_path = fast_path
        # Runs in a freshly bound worker before the first request, e.g. requirements.txt.
        self._prepare = prepare
        self.requirements: object = None
        self.state = SessionState.UNBOUND
        self.worker: Worker | None = None
        self.started_at: float | None = None
        self.error: str | None = None
        self.connected = False  # a client has had our kernel_info_reply
        self._pending: list[Any] = []
        self._inflight: dict[str, Any] | None = None

    # -- what JupyterLite calls ---------------------------------------------------------------

    def handle_message(self, message: Any) -> Any:
        """Once bound, hand back the real kernel's own future: no coroutine per message."""
        worker = self.worker
        if worker is not None and self.state in (SessionState.IDLE, SessionState.BUSY):
            pending = worker.real.handleMessage(message)
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
            for reply in messages.unbound_exchange(header, content):
                self._send(compat.to_js(reply))
            if msg_type == "kernel_info_request":
                self.connected = True
                self._on_change(self)
            return
        if msg_type in messages.BINDING_REQUESTS and not await self._bind(message):
            return
        if self.worker is not None:
            await self.handle_message(message)

    # -- binding ----------------------------------------------------------------------------

    async def _bind(self, message: Any) -> bool:
        header = compat.message_part(message, "header")
        self._set_state(SessionState.STARTING)
        # The UI would show "idle" for the whole boot otherwise.
        self._send(compat.to_js(messages.status("busy", header)))
        try:
            worker = await self._workers.acquire()
        except Exception as error:
            self._start_failed(header, error)
            return False
        try:
            if self.location:
                ok, text = await worker.run_internal(_chdir_code(self.location))
                if not ok:
                    compat.log_error(f"could not enter {self.location}: {text}")
            if self._prepare is not None and self.state is not SessionState.DEAD:
                self._set_state(SessionState.INSTALLING)
                try:
                    self.requirements = await self._prepare(self, worker)
                except Exception as error:  # the session stays usable without its packages
                    compat.log_error("installing the folder's requirements failed", error)
        except Exception as error:
            self._workers.release(worker)
            self._start_failed(header, error)
            return False
        if self.state is SessionState.DEAD:  # the notebook went away meanwhile
            self._workers.release(worker)
            return False
        self.error = None
        self.worker = worker
        worker.owner = self._from_worker
        self.started_at = time.time()
        self._set_state(SessionState.IDLE)
        if self._fast_path is not None:
            self._fast_path.bind(worker.real)
        return True

    def _start_failed(self, header: dict[str, Any], error: Exception) -> None:
        """A start that failed leaves the kernel unbound, and the run that asked gets the error."""
        self.error = str(error)
        if self.state is SessionState.DEAD:
            return
        self._set_state(SessionState.UNBOUND)
        if header.get("msg_type") == "execute_request":
            for reply in messages.execute_failure(header, "SessionStartError", str(error)):
                self._send(compat.to_js(reply))
        else:
            self._send(compat.to_js(messages.status("idle", header)))

    def _from_worker(self, message: Any) -> None:
        msg_type = compat.header_field(message, "header", "msg_type")
        if msg_type == "status":
            state = compat.header_field(message, "content", "execution_state")
            if state in ("busy", "idle") and self.worker is not None:
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
        self._send(message)

    # -- ending -----------------------------------------------------------------------------

    def close(self) -> None:
        """End the session: the worker goes, variables with it; the notebook stays connected."""
        worker, self.worker = self.worker, None
        if worker is None:
            return
        worker.owner = None
        if self._fast_path is not None:
            self._fast_path.unbind()
        self._workers.release(worker)
        inflight, self._inflight = self._inflight, None
        if inflight is not None:
            # The cell that was running gets an answer, so the notebook does not wait forever.
            for reply in messages.execute_failure(
                inflight, "SessionClosed", "The session was closed; its variables are gone."
            ):
                self._send(compat.to_js(reply))
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
        if self.state is not SessionState.DEAD:
            self._set_state(SessionState.UNBOUND)

    def dispose(self) -> None:
        if self.state is SessionState.DEAD:
            return
        self.close()
        self._set_state(SessionState.DEAD)

    def _set_state(self, state: SessionState) -> None:
        new = advance(self.state, state)
        if new is not self.state:
            self.state = new
            self._on_change(self)


def _chdir_code(location: str) -> str:
    """Enter the notebook's folder in the worker's view of the contents (/drive)."""
    folder = location.split(":", 1)[-1]
    return (
        "import os\n"
        f"_p = os.path.join('/drive', {folder!r})\n"
        "if os.path.isdir(_p): os.chdir(_p)\n"
        "del _p"
    )


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
