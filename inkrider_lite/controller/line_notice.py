"""The notification a run gets when it must wait for a local session slot.

It offers the choices: open the Session Explorer to close a session, wait (first come, first
served), or cancel the run. One notice at a time: a newer waiting run replaces the notice of an
older one (which stays in line, as the explorer shows), so that ten notebooks started together
do not bury the page under ten toasts. It goes away once its run gets a slot.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..sessions.lifecycle import SessionState
from .explorer import OPEN_COMMAND
from .notifier import Action, Notifier, free_later

if TYPE_CHECKING:
    from .routing_kernel import RoutingKernel

#: Seconds before a dismissed notice's callback proxies are freed; a click may be in flight.
PROXY_GRACE = 10.0


def line_message(path: str | None, cap: int, others: int = 0) -> str:
    sessions = "The local session is" if cap == 1 else f"All {cap} local sessions are"
    name = path or "This notebook"
    also = ""
    if others:
        also = f" ({others} other {'run waits' if others == 1 else 'runs wait'} too.)"
    return (
        f"{sessions} in use: {name} waits for one to free up.{also} Close one in the Session "
        "Explorer, or cancel this run."
    )


class LineNotices:
    def __init__(
        self,
        notifier: Notifier,
        commands: Any,
        notebook_paths: Callable[[], dict[str, str]],
        local_cap: Callable[[], int],
    ) -> None:
        """`commands` is JupyterLab's command registry (its button opens the explorer);
        `local_cap` gives the number of local session slots as the settings have it now."""
        self._notifier = notifier
        self._commands = commands
        self._notebook_paths = notebook_paths
        self._local_cap = local_cap
        self._announced: set[str] = set()  # waiting runs that got (or replaced) a notice
        self._shown: tuple[str, Any, list[Any]] | None = None  # kernel id, notice id, proxies

    def update(self, kernel: RoutingKernel) -> None:
        if kernel.state is SessionState.WAITING:
            if kernel.id not in self._announced:
                self._announced.add(kernel.id)
                self._dismiss()
                self._show(kernel, others=len(self._announced) - 1)
            return
        self._announced.discard(kernel.id)
        if self._shown is not None and self._shown[0] == kernel.id:
            self._dismiss()

    def _show(self, kernel: RoutingKernel, others: int) -> None:
        if not self._notifier.available:
            return
        commands = self._commands
        message = line_message(self._notebook_paths().get(kernel.id), self._local_cap(), others)
        actions: list[Action] = [
            ("Open Session Explorer", lambda *_: commands.execute(OPEN_COMMAND), "accent"),
            ("Wait", lambda *_: None, "default"),  # stay in line; clicking dismisses
            ("Cancel", lambda *_: kernel.cancel_wait(), "warn"),
        ]
        shown = self._notifier.emit_with_actions(message, "warning", actions)
        if shown is not None:
            notice_id, proxies = shown
            self._shown = (kernel.id, notice_id, proxies)

    def _dismiss(self) -> None:
        if self._shown is None:
            return
        _kernel_id, notice_id, proxies = self._shown
        self._shown = None
        self._notifier.dismiss(notice_id)
        free_later(proxies, PROXY_GRACE)
