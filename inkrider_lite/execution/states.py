"""One notebook's run in a batch, as a state machine: where it is, since when, what went wrong."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum


class RunState(StrEnum):
    QUEUED = "queued"  # not started: waiting for its turn in the batch, or for a session slot
    STARTING = "starting"  # its session is being taken or booted
    INSTALLING = "installing"  # its folder's requirements.txt goes into the session
    RUNNING = "running"  # running code cell `cell` of `cells`
    DONE = "done"
    FAILED = "failed"  # a cell raised (see `error`), or the session could not start (`reason`)
    CANCELLED = "cancelled"  # stopped by the user: its file is left as it was
    SKIPPED = "skipped"  # never run, for `reason` (e.g. unsaved edits in an open editor)


ENDED = frozenset({RunState.DONE, RunState.FAILED, RunState.CANCELLED, RunState.SKIPPED})

_ALLOWED: dict[RunState, frozenset[RunState]] = {
    RunState.QUEUED: frozenset({RunState.STARTING, RunState.INSTALLING, RunState.RUNNING, *ENDED}),
    # A session that waits for a slot goes back to queued.
    RunState.STARTING: frozenset({RunState.QUEUED, RunState.INSTALLING, RunState.RUNNING, *ENDED}),
    RunState.INSTALLING: frozenset({RunState.RUNNING, *ENDED}),
    RunState.RUNNING: frozenset({RunState.RUNNING, *ENDED}),
    RunState.DONE: frozenset(),
    RunState.FAILED: frozenset(),
    RunState.CANCELLED: frozenset(),
    RunState.SKIPPED: frozenset(),
}


class InvalidRunTransition(RuntimeError):
    pass


#: The error a notebook whose cells ran past the batch's time limit fails with.
TIMEOUT_NAME = "TimeoutError"


def timeout_text(seconds: float | None) -> str:
    return f"its cells ran past the time limit of {seconds:g} s"


@dataclass(frozen=True)
class TimedOut:
    """Where a run's cells ran past its time limit: `cell` is the interrupted cell's 1-based
    position in the notebook (as FirstError's), `traceback` where the interrupt found it."""

    index: int
    seconds: float
    traceback: str = ""

    @property
    def cell(self) -> int:
        return self.index + 1

    def to_json(self) -> dict[str, object]:
        return {"seconds": self.seconds, "cell": self.cell, "traceback": self.traceback}


@dataclass(frozen=True)
class FirstError:
    """The first error of a notebook: `cell` is the cell's 1-based position in the notebook
    (markdown cells counted, as the user sees them), `index` the same from 0."""

    index: int
    ename: str
    evalue: str
    #: The kernel's traceback as plain text (for the JUnit report); empty if it sent none.
    traceback: str = ""

    @property
    def cell(self) -> int:
        return self.index + 1

    @property
    def text(self) -> str:
        message = f"{self.ename}: {self.evalue}" if self.evalue else self.ename
        return f"cell {self.cell}: {message}"

    def to_json(self) -> dict[str, object]:
        return {
            "cell": self.cell,
            "ename": self.ename,
            "evalue": self.evalue,
            "text": self.text,
            "traceback": self.traceback,
        }


@dataclass
class NotebookRun:
    path: str
    state: RunState = RunState.QUEUED
    #: While running: the code cell being run (1-based) and how many will run.
    cell: int = 0
    cells: int = 0
    started_at: float | None = None
    #: When its first cell started: a timeout counts from here, not from its session's start
    #: (sessions start one after another, so that includes waiting for the others').
    cells_started_at: float | None = None
    ended_at: float | None = None
    error: FirstError | None = None
    #: Why it failed without a cell error, or why it was skipped; also a write that failed.
    reason: str = ""
    #: What its session's start said besides, e.g. the lines of its folder's requirements.txt
    #: that were not installed (its first cell's output has it too, as in an interactive run).
    notes: str = ""
    #: The outputs were written into its file.
    written: bool = False
    #: Where its cells ran past the time limit, if they did: the running cell was
    #: interrupted there and the run failed.
    timed_out: TimedOut | None = None
    #: The clock; tests give their own.
    clock: Callable[[], float] = field(default=time.monotonic, repr=False, compare=False)
    #: Told after every change (the panel, the notification, the terminal redraw from it).
    on_change: Callable[[NotebookRun], None] = field(
        default=lambda _run: None, repr=False, compare=False
    )

    @property
    def ended(self) -> bool:
        return self.state in ENDED

    def advance(self, state: RunState, *, cell: int = 0, cells: int = 0) -> None:
        if state is not self.state and state not in _ALLOWED[self.state]:
            raise InvalidRunTransition(f"a notebook run cannot go from {self.state} to {state}")
        now = self._now()
        if state is RunState.QUEUED:
            # Back in line for a slot: its time counts again from when it gets one (the rows
            # of a batch then agree: a queued notebook shows no time, whichever way it waits).
            self.started_at = None
        elif self.started_at is None and state not in ENDED:
            self.started_at = now
        self.state = state
        if state is RunState.RUNNING:
            self.cell, self.cells = cell, cells
            if self.cells_started_at is None:
                self.cells_started_at = now
        if state in ENDED:
            self.ended_at = now
        self.on_change(self)

    def fail(self, error: FirstError | None = None, reason: str = "") -> None:
        self.error = error
        self.reason = reason
        self.advance(RunState.FAILED)

    def skip(self, reason: str) -> None:
        self.reason = reason
        self.advance(RunState.SKIPPED)

    def duration(self, now: float | None = None) -> float | None:
        """Seconds from its session's start (once it has a slot) to its end (or to now while
        it runs)."""
        if self.started_at is None:
            return None
        end = self.ended_at if self.ended_at is not None else (now or self._now())
        return max(0.0, end - self.started_at)

    def cells_duration(self, now: float | None = None) -> float | None:
        """Seconds its cells have run (the whole run's time less its session's start)."""
        if self.cells_started_at is None:
            return None
        end = self.ended_at if self.ended_at is not None else (now or self._now())
        return max(0.0, end - self.cells_started_at)

    @property
    def state_text(self) -> str:
        if self.state is RunState.RUNNING:
            return f"running cell {self.cell} of {self.cells}"
        if self.state is RunState.INSTALLING:
            return "installing requirements"
        if self.state is RunState.STARTING:
            return "starting session"
        if self.state is RunState.FAILED and self.timed_out is not None:
            return f"timed out at cell {self.timed_out.cell}"
        if self.state is RunState.FAILED and self.error is not None:
            return f"failed at cell {self.error.cell}"
        return str(self.state)

    @property
    def detail_text(self) -> str:
        """The first error as text, or the reason, or its session's notes; else empty."""
        timed_out = self.timed_out
        if self.error is not None and timed_out is not None and self.error.ename != TIMEOUT_NAME:
            # An earlier error was the first; the time ran out later.
            limit = timeout_text(timed_out.seconds)
            return f"{self.error.text}; then {limit}, at cell {timed_out.cell}"
        if self.error is not None:
            return self.error.text
        return self.reason or self.notes

    def _now(self) -> float:
        return float(self.clock())


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"
