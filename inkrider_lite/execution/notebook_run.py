"""One notebook run through a kernel port: its session starts, every code cell runs in order,
and the notebook to write comes back.

The port is what a runtime gives (the page's routing kernel, or a CPython kernel in tests); it
knows nothing of notebooks. The run stops at the first error unless told otherwise; the cells
after it are not sent, so the written notebook leaves them untouched.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from ..protocol import messages
from .notebook_file import code_cells, source_text, written_notebook
from .outputs import CellOutputs, Message
from .states import TIMEOUT_NAME, FirstError, NotebookRun, RunState, TimedOut, timeout_text

#: Seconds a cell interrupted at the time limit gets to end before the run stops waiting for
#: it (the session is let go after the write either way).
INTERRUPT_GRACE = 5.0


class SessionStartError(Exception):
    """The notebook's session could not start (or was closed under it): nothing ran."""


class KernelPort(Protocol):
    async def start(self, run: NotebookRun) -> None:
        """Bind a fresh session; may move `run` to queued (waiting for a slot) or installing.
        SessionStartError when it cannot."""

    async def execute(self, code: str, on_message: Callable[[Message], None]) -> None:
        """Run `code` as a cell; every message of the request goes to `on_message`; returns
        once the kernel is idle again after it."""

    async def language_info(self) -> Mapping[str, Any] | None:
        """The kernel's language_info (its kernel_info_reply), None if it does not say."""

    def interrupt(self) -> None:
        """Interrupt the running cell."""


def execute_request_content(code: str) -> dict[str, Any]:
    """What nbclient sends for a cell."""
    return {
        "code": code,
        "silent": False,
        "store_history": True,
        "user_expressions": {},
        "allow_stdin": False,
        "stop_on_error": False,
    }


async def run_notebook(
    notebook: Mapping[str, Any],
    port: KernelPort,
    run: NotebookRun,
    *,
    stop_on_error: bool,
    timeout: float | None = None,
) -> dict[str, Any]:
    """Run the notebook's code cells; returns the notebook with their results. The first
    error, if any, is in `run.error`; the run's state is left for the caller to end, after
    its write. Past `timeout` seconds of cells the running cell is interrupted, and the
    notebook is returned with what its cells gave until then (`run.timed_out` says so)."""
    cells = code_cells(notebook)
    run.advance(RunState.STARTING)
    await port.start(run)
    results: dict[int, CellOutputs] = {}
    deadline = None if timeout is None else asyncio.get_event_loop().time() + timeout
    loop = asyncio.get_event_loop()
    for number, index in enumerate(cells, start=1):
        run.advance(RunState.RUNNING, cell=number, cells=len(cells))
        if deadline is not None and loop.time() >= deadline:
            # The cell before ended, by itself, after the limit: this one would only be
            # interrupted as it starts, so it is left as it is.
            run.timed_out = TimedOut(index, timeout or 0.0)
            if run.error is None:
                run.error = FirstError(
                    index, TIMEOUT_NAME, f"{timeout_text(timeout)} before this cell started"
                )
            break
        result = results[index] = CellOutputs()
        if number == 1 and run.notes:
            # Where an interactive run shows it: in the cell whose run started the session.
            note = run.notes if run.notes.endswith("\n") else run.notes + "\n"
            result.add(messages.stream("stderr", note, {}))
        ended = await _execute(port, source_text(notebook["cells"][index]), result, deadline)
        if result.aborted:
            # The session went away under the cell (closed from the Session Explorer).
            raise SessionStartError(f"cell {index + 1} never ran: its session was closed")
        error = result.error
        if not ended and timeout is not None:
            run.timed_out = TimedOut(index, timeout, result.traceback)
            if run.error is None:
                run.error = FirstError(
                    index,
                    TIMEOUT_NAME,
                    f"{timeout_text(timeout)}; the cell was interrupted",
                    traceback=result.traceback,
                )
            break
        if error is not None and run.error is None:
            run.error = FirstError(index, *error, traceback=result.traceback)
        if error is not None and stop_on_error:
            break
    try:
        language = await port.language_info()
    except Exception:
        language = None
    return written_notebook(notebook, results, language)


async def _execute(
    port: KernelPort, code: str, result: CellOutputs, deadline: float | None
) -> bool:
    """Run one cell; False when it was still running at `deadline` and was cut: it is
    interrupted, and given INTERRUPT_GRACE seconds to end with what it says to that. A cell that
    ends without an error all the same (it was ending as the interrupt came, or it caught the
    KeyboardInterrupt and finished) ended by itself, as nbclient's `interrupt_on_timeout`
    counts it."""
    if deadline is None:
        await port.execute(code, result.add)
        return True
    loop = asyncio.get_event_loop()
    cell = asyncio.ensure_future(port.execute(code, result.add))
    try:
        await asyncio.wait({cell}, timeout=max(0.0, deadline - loop.time()))
        if cell.done():
            cell.result()
            return True
        port.interrupt()
        await asyncio.wait({cell}, timeout=INTERRUPT_GRACE)
        ended = cell.done() and not cell.cancelled() and cell.exception() is None
        return ended and result.error is None
    finally:
        if not cell.done():
            cell.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await cell
