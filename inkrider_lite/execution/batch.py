"""A batch: many notebooks, at most `parallelism` of them at a time, each ending in one write.

The batch only schedules. What running a notebook means (a session, its contents) and where
its file goes are the two callables it is given: `execute` may be cancelled at any time and
writes nothing; `write` is the run's one write, and is never cancelled half-way, so a cancel
either comes before it (the file stays exactly as it was) or after it (the run is done).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .states import ENDED, NotebookRun, RunState, duration_text

#: Local sessions are capped at 3 per page (sessions/capacity.py).
MAX_PARALLELISM = 3

Execute = Callable[[NotebookRun], Awaitable[dict[str, Any] | None]]
Write = Callable[[NotebookRun, dict[str, Any]], Awaitable[None]]


class NotWritten(Exception):
    """The write was refused for a reason the user can act on (the run is skipped with it)."""


class Skip(Exception):
    """The notebook is not run at all, for the reason given."""


@dataclass(frozen=True)
class BatchOptions:
    parallelism: int = MAX_PARALLELISM
    stop_on_error: bool = True
    keep_sessions: bool = False
    runtime: str = "local"
    #: Seconds a notebook's cells may run in all (its session's start not counted); past it
    #: the running cell is interrupted and the notebook fails, its outputs written so far.
    timeout: float | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.parallelism <= MAX_PARALLELISM:
            raise ValueError(f"parallelism must be 1 to {MAX_PARALLELISM}, not {self.parallelism}")
        if self.timeout is not None and not self.timeout > 0:
            raise ValueError(f"the time limit must be a positive number of seconds: {self.timeout}")
        if self.runtime not in ("local", "remote"):
            raise ValueError(f"unknown runtime {self.runtime!r}")


@dataclass(frozen=True)
class SummaryLine:
    path: str
    state: str
    seconds: float | None
    detail: str

    @property
    def text(self) -> str:
        parts = [self.path, self.state, duration_text(self.seconds)]
        if self.detail:
            parts.append(self.detail)
        return " · ".join(part for part in parts if part)


@dataclass(frozen=True)
class Summary:
    lines: tuple[SummaryLine, ...]
    seconds: float

    def count(self, state: RunState) -> int:
        return sum(line.state == state for line in self.lines)

    @property
    def passed(self) -> bool:
        return all(line.state == RunState.DONE for line in self.lines)

    @property
    def notice_kind(self) -> str:
        """How the end is announced: an error only for a failure; a batch the user cancelled
        (or that skipped a notebook) did nothing wrong."""
        if self.passed:
            return "success"
        return "error" if self.count(RunState.FAILED) else "warning"

    @property
    def headline(self) -> str:
        counts = [
            f"{self.count(state)} {state}"
            for state in (RunState.DONE, RunState.FAILED, RunState.CANCELLED, RunState.SKIPPED)
            if self.count(state) or state is RunState.DONE
        ]
        total = len(self.lines)
        notebooks = "notebook" if total == 1 else "notebooks"
        return f"{total} {notebooks}: {', '.join(counts)} in {duration_text(self.seconds)}"

    @property
    def text(self) -> str:
        return "\n".join([self.headline, *(line.text for line in self.lines)])


class Batch:
    def __init__(
        self,
        paths: Iterable[str],
        options: BatchOptions,
        execute: Execute,
        write: Write,
        on_change: Callable[[Batch], None] = lambda _batch: None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.options = options
        self._execute = execute
        self._write = write
        self._on_change = on_change
        self._clock = clock or asyncio.get_event_loop().time
        unique = list(dict.fromkeys(paths))
        self.runs = [
            NotebookRun(path, clock=self._clock, on_change=lambda _run: self._changed())
            for path in unique
        ]
        self._tasks: dict[str, asyncio.Task[dict[str, Any] | None]] = {}
        self._writing: set[str] = set()
        self.started_at: float | None = None
        self.ended_at: float | None = None
        self.summary: Summary | None = None

    def _changed(self) -> None:
        self._on_change(self)

    # -- progress ---------------------------------------------------------------------------

    @property
    def total(self) -> int:
        return len(self.runs)

    @property
    def finished(self) -> int:
        return sum(run.ended for run in self.runs)

    @property
    def fraction(self) -> float:
        return self.finished / self.total if self.runs else 1.0

    @property
    def ended(self) -> bool:
        return self.summary is not None

    @property
    def progress_text(self) -> str:
        """ "4 of 6 notebooks done", or, once any ended otherwise, how each ended: "6 of 6
        notebooks ended: 4 done, 1 failed, 1 cancelled" (not "done" for a failure)."""
        counts = Counter(run.state for run in self.runs if run.ended)
        if set(counts) <= {RunState.DONE}:
            return f"{self.finished} of {self.total} notebooks done"
        how = ", ".join(f"{counts[state]} {state}" for state in RunState if counts[state])
        return f"{self.finished} of {self.total} notebooks ended: {how}"

    def run_of(self, path: str) -> NotebookRun | None:
        return next((run for run in self.runs if run.path == path), None)

    # -- running ----------------------------------------------------------------------------

    async def run(self) -> Summary:
        self.started_at = self._clock()
        gate = asyncio.Semaphore(self.options.parallelism)
        await asyncio.gather(*(self._one(run, gate) for run in self.runs))
        self.ended_at = self._clock()
        self.summary = Summary(
            tuple(
                SummaryLine(run.path, str(run.state), run.duration(), run.detail_text)
                for run in self.runs
            ),
            self.ended_at - self.started_at,
        )
        self._changed()
        return self.summary

    async def _one(self, run: NotebookRun, gate: asyncio.Semaphore) -> None:
        async with gate:
            if run.ended:  # cancelled while it waited for its turn
                return
            task = self._tasks[run.path] = asyncio.ensure_future(self._execute(run))
            try:
                notebook = await task
            except asyncio.CancelledError:
                if not run.ended:
                    run.advance(RunState.CANCELLED)
                return
            except Skip as skip:
                run.skip(str(skip))
                return
            except Exception as error:
                run.fail(reason=str(error) or type(error).__name__)
                return
            finally:
                self._tasks.pop(run.path, None)
            if run.ended or notebook is None:
                return
            self._writing.add(run.path)
            try:
                await self._write(run, notebook)
            except NotWritten as refused:
                run.skip(str(refused))
                return
            except Exception as error:
                run.fail(run.error, f"its outputs could not be written: {error}")
                return
            finally:
                self._writing.discard(run.path)
            run.written = True
            if run.error is not None:
                run.fail(run.error)
            else:
                run.advance(RunState.DONE)

    def cancel(self, path: str) -> bool:
        """Cancel one notebook: a queued one never starts; a running one is stopped (its
        session is let go by `execute`) and its file left as it was. False when it has ended
        or is being written."""
        run = self.run_of(path)
        if run is None or run.ended or path in self._writing:
            return False
        task = self._tasks.get(path)
        if task is None:
            run.advance(RunState.CANCELLED)
        else:
            task.cancel()
        return True

    def cancel_all(self) -> int:
        """Queued ones first, so that none of them takes a slot a cancelled run frees."""
        order = sorted(self.runs, key=lambda run: run.path in self._tasks)
        return sum(self.cancel(run.path) for run in order)


__all__ = ["ENDED", "Batch", "BatchOptions", "NotWritten", "Skip", "Summary"]
