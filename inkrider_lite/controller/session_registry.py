"""The page's sessions as the feature modules see them: the routing kernels by id, the notebook
each one serves, and what the explorer, the notices and `window.inkrider` do to one (close,
interrupt, reconnect, restart)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .._compat import compat
from ..runtimes.base import Unreachable
from ..runtimes.remote.client import ServerError
from ..runtimes.remote.runtime import (
    KERNEL_GONE,
    RECONNECT_NOT_ANSWERING,
    RemoteSession,
    TokenRefused,
)
from ..sessions.lifecycle import SessionState
from . import interrupt_notice
from .keepalive import Spawn
from .notifier import NOTICE_MS, Notifier

if TYPE_CHECKING:
    from .routing_kernel import RoutingKernel


class SessionRegistry:
    def __init__(
        self,
        lab_sessions: Any,
        notifier: Notifier,
        spawn: Spawn,
        cancel_queued: Callable[[str], Awaitable[Any]] | None,
        refresh: Callable[[], None] = lambda: None,
    ) -> None:
        """`lab_sessions` is JupyterLab's session manager, which knows each kernel's notebook;
        `cancel_queued` is JupyterLite's own interrupt, which only cancels the runs queued in a
        kernel (None where the page has no kernel client); `refresh` redraws the explorer and
        the status item."""
        self.kernels: dict[str, RoutingKernel] = {}
        #: Kernel id → notebook path of the Execution Tool's sessions, which no JupyterLab
        #: session knows of (controller/batch_session.py).
        self.batch_paths: dict[str, str] = {}
        self._lab_sessions = lab_sessions
        self._notifier = notifier
        self._spawn = spawn
        self._cancel_queued = cancel_queued
        self._refresh = refresh

    def notebook_paths(self) -> dict[str, str]:
        """Kernel id → notebook path, from JupyterLab's sessions (a kernel knows its folder)."""
        paths = {}
        for model in self._lab_sessions.running():
            kernel = model.kernel
            if not compat.is_null(kernel):
                paths[str(kernel.id)] = str(model.path)
        paths.update(self.batch_paths)
        return paths

    def close(self, kernel_id: str) -> bool:
        """Close a session: its worker and variables go; the notebook stays as it is. A session
        waiting for a slot stops waiting, and its run is cancelled."""
        kernel = self.kernels.get(kernel_id)
        if kernel is None or kernel.state in (SessionState.UNBOUND, SessionState.DEAD):
            return False
        kernel.close()
        return True

    def close_all(self) -> int:
        """Close every session, waiting ones first so that none of them takes a freed slot."""
        order = sorted(self.kernels.values(), key=lambda k: k.state is not SessionState.WAITING)
        return sum(self.close(k.id) for k in order)

    def reconnect(self, kernel_id: str) -> bool:
        """Reconnect a remote session whose link was lost: its kernel, if the server still has
        it, keeps its variables; if not, a notice says why and what to do."""
        session = self.remote_session(kernel_id)
        if session is None:
            return False
        self._spawn(self._reconnect(session))
        return True

    async def _reconnect(self, session: RemoteSession) -> None:
        try:
            if await session.revive():
                return
        except TokenRefused as refused:
            self._refresh()  # its row says why it stays disconnected
            self._notifier.emit(
                f"Could not reconnect. {refused}", "error", {"autoClose": NOTICE_MS}
            )
            return
        except Unreachable:
            text = RECONNECT_NOT_ANSWERING.format(where=session.server)
            self._notifier.emit(f"Could not reconnect. {text}", "error", {"autoClose": NOTICE_MS})
            return
        self._refresh()  # its row says now whether the kernel is gone
        where = session.server
        text = (
            KERNEL_GONE.format(where=where)
            if session.gone
            else f"Could not reconnect to the kernel on {where}: its connection did not open. "
            "Press Reconnect again, or Start fresh in the Session Explorer."
        )
        self._notifier.emit(text, "warning", {"autoClose": NOTICE_MS})

    def remote_session(self, kernel_id: str) -> RemoteSession | None:
        kernel = self.kernels.get(kernel_id)
        session = kernel.session if kernel is not None else None
        return session if isinstance(session, RemoteSession) else None

    def interrupt_running(self, kernel_id: str) -> str:
        """Stop the running cell: what every interrupt request does first (the loader wraps
        JupyterLite's kernel client); where it cannot, a notice says how else to stop it."""
        kernel = self.kernels.get(kernel_id)
        if kernel is None:
            return "idle"
        outcome = kernel.interrupt()
        if outcome == "unsupported":
            interrupt_notice.cannot_interrupt(self._notifier, kernel, self.close)
        return outcome

    def interrupt(self, kernel_id: str) -> str:
        """The explorer's Interrupt: the same as JupyterLab's stop button, which also cancels
        the runs queued behind the running one."""
        outcome = self.interrupt_running(kernel_id)
        if self._cancel_queued is not None:
            self._spawn(_logged(self._cancel_queued(kernel_id), "cancelling queued runs"))
        return outcome

    async def restart(self, kernel_id: str) -> bool:
        """JupyterLab's Restart: a remote session restarts on its server and stays bound (True);
        anything else is left to JupyterLite, which starts the kernel anew (False)."""
        session = self.remote_session(kernel_id)
        if session is None:
            return False
        try:
            await session.restart()
        except ServerError as error:
            compat.log_error(f"restarting the remote kernel failed: {error}")
        return True


async def _logged(awaitable: Awaitable[Any], what: str) -> None:
    try:
        await awaitable
    except Exception as error:
        compat.log_error(f"{what} failed", error)
