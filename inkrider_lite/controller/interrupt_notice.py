"""What Interrupt says where it cannot stop a running cell: on a page that is not cross-origin
isolated, Pyodide has no shared buffer to receive the signal. The queued runs are cancelled
anyway; restarting the session is the way to stop the running one."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from .._compat import compat

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

    def restart(*_: Any) -> None:
        controller.close_session(kernel_id)

    proxy = compat.create_proxy(restart)
    notification.emit(
        CANNOT_INTERRUPT,
        "warning",
        compat.to_js(
            {
                "autoClose": False,
                "actions": [
                    {"label": "Restart session", "callback": proxy, "displayType": "warn"},
                ],
            }
        ),
    )
    asyncio.get_event_loop().call_later(PROXY_GRACE, compat.destroy_proxy, proxy)
