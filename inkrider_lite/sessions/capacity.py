"""How many local Pyodide workers may exist: bound sessions plus the warm one, under one cap.

(When they start is LocalWorkers' business: one Pyodide start at a time.)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .lifecycle import SessionState

DEFAULT_LOCAL_SESSIONS = 3


@dataclass
class WorkerBudget:
    cap: int = DEFAULT_LOCAL_SESSIONS
    bound: int = 0  # workers serving a session
    warm: int = 0  # booted or booting, not yet serving anybody

    def __post_init__(self) -> None:
        if self.cap < 1:
            raise ValueError("at least one local session must be allowed")

    @property
    def workers(self) -> int:
        return self.bound + self.warm

    def should_warm(self, enabled: bool) -> bool:
        """One warm worker at most, and only in room that no session needs."""
        return enabled and self.warm == 0 and self.workers < self.cap

    def take_warm(self) -> None:
        if self.warm == 0:
            raise RuntimeError("no warm worker to take")
        self.warm -= 1
        self.bound += 1

    def add_bound(self) -> None:
        if self.workers >= self.cap:
            raise RuntimeError(f"all {self.cap} local sessions are in use")
        self.bound += 1

    def add_warm(self) -> None:
        if not self.should_warm(True):
            raise RuntimeError("no room for a warm worker")
        self.warm += 1

    def release_bound(self) -> None:
        self.bound = max(0, self.bound - 1)

    def release_warm(self) -> None:
        self.warm = max(0, self.warm - 1)


def warm_worker_wanted(session_states: Iterable[SessionState]) -> bool:
    """A warm worker pays off only if a first run is likely soon: some open notebook has no
    session yet, or nothing is open so far (the page was just loaded). Otherwise it would hold
    well over 100 MB for nobody."""
    states = list(session_states)
    return not states or SessionState.UNBOUND in states
