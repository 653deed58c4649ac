"""Session slots shared by every tab of the site in one browser (the loader's `browserSlots`).

The per-tab SlotLimiter keeps this tab's order; these slots keep the cap across tabs. Each
worker holds one slot from before its boot until it is disposed, and the browser frees a
closed or crashed tab's slots by itself. Without Web Locks (a page that is not a secure
context) every slot is granted: the cap then holds per tab, as the limiter alone makes it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..._compat import compat
from ..base import WaitCancelled


class Slot:
    """One held slot. `release` is safe to call twice."""

    def __init__(self, js: Any = None) -> None:
        self._js = js

    async def relabel(self, label: str) -> None:
        """Tell other tabs which notebook this slot now serves."""
        if self._js is not None:
            await self._js.relabel(label)

    def release(self) -> None:
        js, self._js = self._js, None
        if js is not None:
            js.release()


class BrowserSlots:
    def __init__(self, js: Any = None) -> None:
        self._js = js
        self._waits: dict[object, Any] = {}
        self._listener: Any = None
        #: Notebook paths of the sessions other tabs hold ("" for a warm worker), as last read.
        self.elsewhere: list[str] = []

    @property
    def sessions_elsewhere(self) -> list[str]:
        """Of `elsewhere`, the sessions: another tab's warm worker holds a slot, but it is no
        session (and gives its slot up to a run that waits), as this tab's own is not."""
        return [path for path in self.elsewhere if path]

    @property
    def shared(self) -> bool:
        return self._js is not None

    async def take(self, cap: int, label: str, *, for_warm: bool = False) -> Slot | None:
        """A slot that is free now, or None. A warm worker never takes one that a run in any
        tab waits for."""
        if self._js is None:
            return Slot()
        held = await self._js.take(cap, label, for_warm)
        return None if compat.is_null(held) else Slot(held)

    async def wait(self, ticket: object, cap: int, label: str) -> Slot:
        """The first slot that frees up in any tab; WaitCancelled if cancel(ticket) is called."""
        if self._js is None:
            return Slot()
        pending = self._waits[ticket] = self._js.wait(cap, label)
        try:
            held = await pending.promise
        except Exception as error:
            if ticket not in self._waits:
                raise WaitCancelled() from error
            raise
        finally:
            cancelled = self._waits.pop(ticket, None) is None
        slot = Slot(held)
        if cancelled:  # the slot came just as the wait was given up: pass it on
            slot.release()
            raise WaitCancelled()
        return slot

    async def wanted(self) -> bool:
        """Whether a run in some tab waits for a slot."""
        return self._js is not None and bool(await self._js.wanted())

    def waiting(self, ticket: object) -> bool:
        return ticket in self._waits

    @property
    def waits(self) -> int:
        return len(self._waits)

    def cancel(self, ticket: object) -> bool:
        pending = self._waits.pop(ticket, None)
        if pending is None:
            return False
        pending.cancel()
        return True

    async def refresh(self) -> bool:
        """Read what other tabs hold; True if it changed."""
        if self._js is None:
            return False
        now = [str(path) for path in compat.to_py(await self._js.elsewhere())]
        changed = now != self.elsewhere
        self.elsewhere = now
        return changed

    def listen(self, on_event: Callable[[str], None]) -> None:
        """`on_event("wanted")` when a run in another tab waits for a slot, and
        `on_event("changed")` when any tab takes or frees one."""
        if self._js is None:
            return
        # Kept here: the loader's listener list is all that refers to it otherwise.
        self._listener = compat.create_proxy(lambda what: on_event(str(what)))
        self._js.listen(self._listener)
