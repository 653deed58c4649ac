"""The controller, in the page's main thread. The loader calls `activate(handles)`."""

from __future__ import annotations

from typing import Any

from .app import Controller


async def activate(handles: Any) -> Controller:
    controller = Controller(handles)
    await controller.start()
    return controller
