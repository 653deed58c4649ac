"""Making waits in a kernel worker stoppable by Interrupt.

Pyodide notices its interrupt buffer only while Python bytecode runs, and a wait runs none:
- Where it can, Pyodide 314's own `time.sleep` suspends the whole WebAssembly stack (JSPI:
  `run_sync(asyncio.sleep(t))`). Nothing sees the buffer until the timer fires; the
  KeyboardInterrupt then strikes wherever Python resumes first, often in the event loop's own
  callback instead of the cell, and that cell never gets its reply. So this sleep waits on a JS
  promise that watches the buffer itself, and raises KeyboardInterrupt in the sleeping frame.
- Elsewhere the sleep blocks in C; short slices let the interpreter's own check run between them.
- A cell that awaits (`await asyncio.sleep(100)`) leaves Python idle, and the KeyboardInterrupt
  would strike in whatever callback runs next, so again the cell would never end. A watcher in
  the worker's JS sees the buffer while Python is idle and throws KeyboardInterrupt into the
  future the cell awaits.
"""

from __future__ import annotations

import _thread
import asyncio
import math
import numbers
import signal
import time
from collections.abc import Callable
from typing import Any

#: Longest uninterruptible stretch of a blocking sleep, and the JS poll period, in seconds.
SLICE = 0.05

#: Waits `ms` milliseconds or until the interrupt buffer holds SIGINT (2), which it then clears;
#: the promise says whether it was interrupted. The buffer is looked up at each tick because
#: the page hands it over after the worker's setup code has run.
WAIT_JS = """(module, ms, slice) => new Promise((resolve) => {
  const end = performance.now() + ms;
  const tick = () => {
    const buffer = module.Py_EmscriptenSignalBuffer;
    if (buffer && buffer[0] === 2) { buffer[0] = 0; resolve(true); return; }
    const left = end - performance.now();
    if (left <= 0) resolve(false); else setTimeout(tick, Math.min(left, slice));
  };
  tick();
})"""


#: Polls the interrupt buffer while Python is idle. The buffer is cleared before Python runs (any
#: bytecode would otherwise notice it first) and set again if nothing took the interrupt.
WATCH_JS = """(module, deliver, period) => setInterval(() => {
  const buffer = module.Py_EmscriptenSignalBuffer;
  if (!buffer || buffer[0] !== 2) return;
  buffer[0] = 0;
  let taken = false;
  try { taken = deliver(); } finally { if (!taken) buffer[0] = 2; }
}, period)"""

#: pyodide-kernel runs every execute_request as a task of its kernel's `run` coroutine.
CELL_COROUTINES = frozenset({"PyodideKernel.run", "Kernel.run"})


def checked_seconds(seconds: Any) -> float:
    """time.sleep's own argument checks."""
    if not isinstance(seconds, numbers.Real):
        raise TypeError(f"'{type(seconds).__name__}' object cannot be interpreted as an integer")
    if math.isnan(seconds):
        raise ValueError("Invalid value NaN (not a number)")
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    return float(seconds)


def raise_interrupt() -> None:
    """What SIGINT would do here: KeyboardInterrupt, or the user's own handler."""
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        raise KeyboardInterrupt
    _thread.interrupt_main()  # the handler runs at the next bytecode boundary


def sliced_sleep(
    sleep: Callable[[float], None], clock: Callable[[], float] = time.monotonic
) -> Callable[[float], None]:
    def blocking_sleep(seconds: float) -> None:
        end = clock() + checked_seconds(seconds)
        while (left := end - clock()) > 0:
            sleep(min(left, SLICE))

    return blocking_sleep


def watched_sleep(
    wait: Callable[[float], bool],
    blocking: Callable[[float], None],
    can_suspend: Callable[[], bool],
) -> Callable[[float], None]:
    """A time.sleep that suspends on `wait` (True: interrupted) where the stack can suspend."""

    def sleep(seconds: float) -> None:
        seconds = checked_seconds(seconds)
        if not can_suspend():
            blocking(seconds)
        elif wait(seconds):
            raise_interrupt()

    return sleep


def is_cell(task: asyncio.Task[Any]) -> bool:
    return getattr(task.get_coro(), "__qualname__", "") in CELL_COROUTINES


def in_user_code(task: asyncio.Task[Any]) -> bool:
    """Whether the task awaits from inside the cell's own code: IPython's `run_code` is on its
    chain of awaits. Before that (pyodide-kernel loading packages for the cell's imports) an
    exception would escape the kernel's own code, and the cell would never get its reply."""
    link: Any = task.get_coro()
    while link is not None:
        if getattr(link, "__qualname__", "").endswith(".run_code"):
            return True
        link = getattr(link, "cr_await", None) or getattr(link, "gi_yieldfrom", None)
    return False


def interrupt_awaiting_cells(
    loop: asyncio.AbstractEventLoop,
    cell: Callable[[asyncio.Task[Any]], bool] = is_cell,
    user_code: Callable[[asyncio.Task[Any]], bool] = in_user_code,
) -> bool:
    """Deliver a pending interrupt while no Python runs. True when it is used up: thrown into
    the cells' awaits, or dropped because no cell runs or none is in its own code yet. False
    leaves it pending, for a cell that is suspended in the middle of a step (a JSPI sleep,
    which watches the buffer itself)."""
    cells = [task for task in asyncio.all_tasks(loop) if cell(task) and not task.done()]
    waits = [task._fut_waiter for task in cells]  # type: ignore[attr-defined]
    if any(wait is None for wait in waits):
        return False
    for task, wait in zip(cells, waits, strict=True):
        if not user_code(task):
            continue
        if isinstance(wait, asyncio.Task) or wait.done():
            # A task cannot take an exception from outside; cancel the awaited work instead.
            task.cancel("Interrupted")
        else:
            wait.set_exception(KeyboardInterrupt())
    return True


def make_interruptible() -> None:
    if hasattr(time.sleep, "inkrider_original"):
        return
    import pyodide_js  # type: ignore[import-not-found]
    from pyodide.code import run_js  # type: ignore[import-not-found]
    from pyodide.ffi import (  # type: ignore[import-not-found]
        can_run_sync,
        create_proxy,
        run_sync,
    )

    original = time.sleep
    # Pyodide's JSPI sleep keeps the C one as __wrapped__.
    blocking = sliced_sleep(getattr(original, "__wrapped__", original))
    wait_js = run_js(WAIT_JS)

    def wait(seconds: float) -> bool:
        return bool(run_sync(wait_js(pyodide_js._module, seconds * 1000, SLICE * 1000)))

    sleep = watched_sleep(wait, blocking, can_run_sync)
    sleep.__name__ = sleep.__qualname__ = "sleep"
    sleep.__doc__ = original.__doc__
    # Not __wrapped__: IPython's traceback of an interrupt would follow it and hang the kernel.
    sleep.inkrider_original = original  # type: ignore[attr-defined]
    time.sleep = sleep

    deliver = create_proxy(lambda: interrupt_awaiting_cells(asyncio.get_event_loop()))
    run_js(WATCH_JS)(pyodide_js._module, deliver, SLICE * 1000)
