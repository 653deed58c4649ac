"""Holding on to what only JavaScript or the event loop would otherwise refer to.

A proxy of a Python callback that a listener, a command or a signal holds must live as long as
the page: Python frees what nothing in Python refers to. asyncio keeps only a weak reference
to a task, so a task nobody awaits could be collected before it ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from .._compat import compat

#: Runs a coroutine that nobody waits for (see TaskKeeper.spawn).
Spawn = Callable[[Coroutine[Any, Any, Any]], None]


class ProxyKeeper:
    def __init__(self) -> None:
        self._kept: list[Any] = []

    def create_proxy(self, function: Callable[..., Any]) -> Any:
        """A proxy of `function` for JavaScript to call, kept for the page's lifetime."""
        proxy = compat.create_proxy(function)
        self._kept.append(proxy)
        return proxy


class TaskKeeper:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Future[Any]] = set()

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)  # kept from the collector until done
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(_log_failure)


def _log_failure(task: asyncio.Future[Any]) -> None:
    """A spawned task's failure goes to the console; asyncio would only say so at collection."""
    if not task.cancelled() and task.exception() is not None:
        compat.log_error("a background task failed", task.exception())
