"""JupyterLab notifications with buttons, from Python.

Each button's callback is a proxy that JavaScript holds; it must outlive the notification
long enough for a click already on its way, and then be freed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from .._compat import compat

#: (label, callback, displayType): displayType is JupyterLab's "accent", "warn", "default"...
Action = tuple[str, Callable[..., Any], str]


def emit(notification: Any, message: str, kind: str, actions: list[Action]) -> tuple[Any, list]:
    """Show a notification that stays until dismissed; returns its id and the proxies of its
    buttons, for `free_later`."""
    proxies = [compat.create_proxy(callback) for _label, callback, _display in actions]
    buttons = [
        {"label": label, "callback": proxy, "displayType": display}
        for (label, _callback, display), proxy in zip(actions, proxies, strict=True)
    ]
    notice_id = notification.emit(
        message, kind, compat.to_js({"autoClose": False, "actions": buttons})
    )
    return notice_id, proxies


def free_later(proxies: list[Any], seconds: float) -> None:
    loop = asyncio.get_event_loop()
    for proxy in proxies:
        loop.call_later(seconds, compat.destroy_proxy, proxy)
