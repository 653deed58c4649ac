"""What Interrupt says where it cannot stop a running cell: on a page that is not cross-origin
isolated, Pyodide has no shared buffer to receive the signal. The queued runs are cancelled
anyway; restarting the session is the way to stop the running one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._compat import compat
from . import notices

if TYPE_CHECKING:
    from .app import Controller
    from .routing_kernel import RoutingKernel

#: Seconds before a notice's callback proxy is freed; a click may be in flight.
PROXY_GRACE = 60.0

CANNOT_INTERRUPT = (
    "This cell cannot be stopped here: interrupting needs a cross-origin isolated page "
    "(served with the Cross-Origin-Opener-Policy and Cross-Origin-Embedder-Policy headers, as "
    "scripts/serve does). Cells queued behind it were cancelled. Restart the session to stop "
    "it; its variables will be lost."
)


def cannot_interrupt(controller: Controller, kernel: RoutingKernel) -> None:
    notification = controller.notification
    if notification is None:
        compat.log_error(CANNOT_INTERRUPT)
        return
    kernel_id = kernel.id
    actions: list[notices.Action] = [
        ("Restart session", lambda *_: controller.close_session(kernel_id), "warn"),
    ]
    _notice_id, proxies = notices.emit(notification, CANNOT_INTERRUPT, "warning", actions)
    notices.free_later(proxies, PROXY_GRACE)
