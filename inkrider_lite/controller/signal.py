"""The one part of a Lumino signal that JupyterLite uses on a kernel: connect, then emit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Signal:
    def __init__(self, sender: Any) -> None:
        self._sender = sender
        self._slots: list[Callable[..., Any]] = []

    def connect(self, slot: Callable[..., Any], _thisArg: Any = None) -> bool:
        self._slots.append(slot)
        return True

    def disconnect(self, slot: Callable[..., Any], _thisArg: Any = None) -> bool:
        if slot in self._slots:
            self._slots.remove(slot)
            return True
        return False

    def emit(self, args: Any = None) -> None:
        for slot in list(self._slots):
            slot(self._sender, args)
