"""Local session slots: granted at once while one is free, else first come, first served.

The slots are the WorkerBudget's: a bound session holds one, and so does the warm worker, which
a binding session takes over. When every slot is held, a binding session waits in line; each
slot that frees up goes to the head of the line, never to a new warm worker.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from enum import Enum

from .capacity import WorkerBudget


class Grant(Enum):
    WARM = "warm"  # take the warm worker (booted, or booting)
    BOOT = "boot"  # boot a fresh worker in a slot that is now yours
    QUEUED = "queued"  # wait: a later release() names you


class SlotLimiter:
    def __init__(self, budget: WorkerBudget) -> None:
        self.budget = budget
        self._line: deque[Hashable] = deque()

    def request(self, ticket: Hashable, *, warm_available: bool) -> Grant:
        """A session wants to bind. Nobody jumps the line, even when a slot is free."""
        if ticket in self._line:
            raise ValueError(f"{ticket!r} is already waiting")
        if not self._line:
            if warm_available and self.budget.warm > 0:
                self.budget.take_warm()
                return Grant.WARM
            if self.budget.workers < self.budget.cap:
                self.budget.add_bound()
                return Grant.BOOT
        self._line.append(ticket)
        return Grant.QUEUED

    def cancel(self, ticket: Hashable) -> bool:
        """Leave the line; False if `ticket` was not in it (it was granted meanwhile)."""
        try:
            self._line.remove(ticket)
        except ValueError:
            return False
        return True

    def release(self) -> list[Hashable]:
        """A bound session ended. Returns the tickets that now hold a slot, in line order."""
        self.budget.release_bound()
        return self._grant_free()

    def release_warm(self) -> list[Hashable]:
        """The warm worker went away unused (failed, or warming was switched off)."""
        self.budget.release_warm()
        return self._grant_free()

    def set_cap(self, cap: int) -> list[Hashable]:
        """A lower cap ends no session; a higher one lets waiting sessions in."""
        if cap < 1:
            raise ValueError("at least one local session must be allowed")
        self.budget.cap = cap
        return self._grant_free()

    def _grant_free(self) -> list[Hashable]:
        granted = []
        while self._line and self.budget.workers < self.budget.cap:
            self.budget.add_bound()
            granted.append(self._line.popleft())
        return granted

    def may_warm(self, enabled: bool) -> bool:
        """A warm worker never takes a slot that somebody is waiting for."""
        return not self._line and self.budget.should_warm(enabled)

    def position(self, ticket: Hashable) -> int | None:
        """1 for the head of the line; None if not waiting."""
        for index, waiting in enumerate(self._line, start=1):
            if waiting == ticket:
                return index
        return None

    @property
    def waiting(self) -> int:
        return len(self._line)
