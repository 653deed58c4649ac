"""What Interrupt says where it cannot stop a running cell: on a page that is not cross-origin
isolated, Pyodide has no shared buffer to receive the signal. The queued runs are cancelled
anyway; restarting the session is the way to stop the running one."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .._compat import compat
from .notifier import Action, Notifier, free_later

if TYPE_CHECKING:
    from .routing_kernel import RoutingKernel

#: Seconds before a notice's callback proxy is freed; a click may be in flight.
PROXY_GRACE = 60.0

CANNOT_INTERRUPT = (
    "This cell cannot be stopped here: restart the session to stop it (its variables will be "
    "lost). Cells queued behind it were cancelled. Interrupting needs a cross-origin isolated "
    "page (served with the Cross-Origin-Opener-Policy and Cross-Origin-Embedder-Policy headers, "
    "as scripts/serve does)."
)


def cannot_interrupt(
    notifier: Notifier, kernel: RoutingKernel, close_session: Callable[[str], object]
) -> None:
    """Say so, with a button that closes the session (the next run starts a fresh one)."""
    kernel_id = kernel.id
    actions: list[Action] = [
        ("Restart session", lambda *_: close_session(kernel_id), "warn"),
    ]
    shown = notifier.emit_with_actions(CANNOT_INTERRUPT, "warning", actions)
    if shown is None:
        compat.log_error(CANNOT_INTERRUPT)
        return
    _notice_id, proxies = shown
    free_later(proxies, PROXY_GRACE)
