"""The notification a run gets when it must wait for a local session slot.

It offers the choices: open the Session Explorer to close a session, wait (first come, first
served), or cancel the run. One notice at a time: a newer waiting run replaces the notice of an
older one (which stays in line, as the explorer shows), so that ten notebooks started together
do not bury the page under ten toasts. It goes away once its run gets a slot.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from .._compat import compat
from ..sessions.lifecycle import SessionState

if TYPE_CHECKING:
    from .app import Controller
    from .routing_kernel import RoutingKernel

EXPLORER_COMMAND = "inkrider:open-session-explorer"
#: Seconds before a dismissed notice's callback proxies are freed; a click may be in flight.
PROXY_GRACE = 10.0


def line_message(path: str | None, cap: int, others: int = 0) -> str:
    sessions = "The local session is" if cap == 1 else f"All {cap} local sessions are"
    name = path or "This notebook"
    also = ""
    if others:
        also = f" ({others} other {'run waits' if others == 1 else 'runs wait'} too.)"
    return (
        f"{sessions} in use. {name} waits for the next one that frees up.{also} "
        "Close a session you no longer need in the Session Explorer, or cancel this run."
    )


class LineNotices:
    def __init__(self, controller: Controller) -> None:
        self._controller = controller
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
        notification = self._controller.notification
        if notification is None:
            return
        app = self._controller.app

        def open_explorer(*_: Any) -> None:
            app.commands.execute(EXPLORER_COMMAND)

        def cancel(*_: Any) -> None:
            kernel.cancel_wait()

        proxies = [
            compat.create_proxy(open_explorer),
            compat.create_proxy(lambda *_: None),  # Wait: stay in line; clicking dismisses
            compat.create_proxy(cancel),
        ]
        actions = [
            {"label": "Open Session Explorer", "callback": proxies[0], "displayType": "accent"},
            {"label": "Wait", "callback": proxies[1], "displayType": "default"},
            {"label": "Cancel", "callback": proxies[2], "displayType": "warn"},
        ]
        notice_id = notification.emit(
            line_message(
                self._controller.notebook_paths().get(kernel.id),
                self._controller.workers.budget.cap,
                others,
            ),
            "warning",
            compat.to_js({"autoClose": False, "actions": actions}),
        )
        self._shown = (kernel.id, notice_id, proxies)

    def _dismiss(self) -> None:
        if self._shown is None:
            return
        _kernel_id, notice_id, proxies = self._shown
        self._shown = None
        self._controller.notification.dismiss(notice_id)
        loop = asyncio.get_event_loop()
        for proxy in proxies:
            loop.call_later(PROXY_GRACE, compat.destroy_proxy, proxy)
