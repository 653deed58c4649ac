"""A session's life as a state machine: unbound → starting (→ waiting → starting) →
installing → idle/busy → unbound or dead."""

from __future__ import annotations

from enum import StrEnum


class SessionState(StrEnum):
    UNBOUND = "unbound"  # a notebook is open, no interpreter yet
    STARTING = "starting"  # the first run is taking or booting a worker
    WAITING = "waiting"  # every local slot is held: in line for the next free one
    INSTALLING = "installing"  # the folder's requirements.txt is being installed
    IDLE = "idle"
    BUSY = "busy"
    DEAD = "dead"  # disposed with its notebook, or its worker failed


_ALLOWED: dict[SessionState, frozenset[SessionState]] = {
    SessionState.UNBOUND: frozenset({SessionState.STARTING, SessionState.DEAD}),
    SessionState.STARTING: frozenset(
        {
            SessionState.WAITING,
            SessionState.INSTALLING,
            SessionState.IDLE,
            SessionState.BUSY,
            SessionState.UNBOUND,
            SessionState.DEAD,
        }
    ),
    SessionState.WAITING: frozenset(
        {SessionState.STARTING, SessionState.UNBOUND, SessionState.DEAD}
    ),
    SessionState.INSTALLING: frozenset(
        {SessionState.IDLE, SessionState.UNBOUND, SessionState.DEAD}
    ),
    SessionState.IDLE: frozenset({SessionState.BUSY, SessionState.UNBOUND, SessionState.DEAD}),
    SessionState.BUSY: frozenset({SessionState.IDLE, SessionState.UNBOUND, SessionState.DEAD}),
    SessionState.DEAD: frozenset(),
}


class InvalidTransition(RuntimeError):
    pass


def advance(current: SessionState, target: SessionState) -> SessionState:
    """`target` if a session may go there from `current`; staying put is always allowed."""
    if target is current or target in _ALLOWED[current]:
        return target
    raise InvalidTransition(f"a session cannot go from {current} to {target}")
