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
- A press can come before the cell's own code runs: the request is still on its way to the
  worker, or pyodide-kernel is loading the packages of the cell's imports. A KeyboardInterrupt
  in the kernel's own code would cost the cell its reply, so the press is remembered for that
  request (see `Presses`) and the cell raises KeyboardInterrupt as its code starts. The SIGINT
  handler raises only where the cell's own code is on the stack.
- CPython reads the interrupt byte and clears it in two steps, so a press written between them
  was lost; Pyodide reads it through `ATOMIC_SIGNAL_JS` instead.
"""

from __future__ import annotations

import _thread
import asyncio
import contextlib
import math
import numbers
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, MutableSequence
from types import CodeType, FrameType, TracebackType
from typing import Any

#: Longest uninterruptible stretch of a blocking sleep, and the JS poll period, in seconds.
SLICE = 0.05

#: Waits `ms` milliseconds or until the interrupt buffer holds SIGINT (2), which it then clears;
#: the promise says whether it was interrupted. The buffer is looked up at each tick: a page
#: without isolation never hands one over.
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


#: CPython reads the signal byte and clears it with a separate write, so a press written between
#: the two is lost: 1 to 2 presses in 100 made just after Run, measured here. Pyodide is given
#: this view of the byte instead, whose read takes the value and leaves 0 in one atomic step;
#: writes of 0 are then dropped, so that no clear can overwrite a press. The page has handed the
#: buffer over before the worker's setup code runs; a later setInterruptBuffer is wrapped too.
ATOMIC_SIGNAL_JS = """(api, module) => {
  const atomic = (bytes) => (!bytes || bytes.inkriderAtomic) ? bytes : {
    get 0() { return Atomics.exchange(bytes, 0, 0); },
    set 0(value) { if (value) Atomics.store(bytes, 0, value); },
    get buffer() { return bytes.buffer; },
    inkriderAtomic: true,
  };
  const set = api.setInterruptBuffer.bind(api);
  api.setInterruptBuffer = (bytes) => set(atomic(bytes));
  module.Py_EmscriptenSignalBuffer = atomic(module.Py_EmscriptenSignalBuffer);
}"""

#: Polls the interrupt buffer while Python is idle. The buffer is cleared before Python runs (any
#: bytecode would otherwise notice it first) and set again if nothing took the interrupt.
WATCH_JS = """(module, deliver, period) => setInterval(() => {
  const buffer = module.Py_EmscriptenSignalBuffer;
  if (!buffer || buffer[0] !== 2) return;
  buffer[0] = 0;
  let taken = false;
  try { taken = deliver(); } finally { if (!taken) buffer[0] = 2; }
}, period)"""

#: The loader's layout of the interrupt buffer's SharedArrayBuffer, in 32-bit words after
#: Pyodide's signal byte: RUN counts the execute requests the page has sent to this worker, and
#: PRESS holds the RUN of the request an Interrupt was pressed for (0: none).
RUN, PRESS = 1, 2

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


class Presses:
    """Interrupts pressed for the request in flight, kept until its cell's code starts.

    `words` gives the shared words (None until the page has handed the buffer over). The page
    writes PRESS; the worker only reads it and clears it when the press is used."""

    def __init__(self, words: Callable[[], MutableSequence[int] | None]) -> None:
        self._words = words

    def pending(self) -> bool:
        words = self._words()
        return words is not None and words[PRESS] != 0 and words[PRESS] == words[RUN]

    def take(self) -> bool:
        """Use up a press meant for the current request, if there is one."""
        if not self.pending():
            return False
        self.clear()
        return True

    def clear(self) -> None:
        words = self._words()
        if words is not None:
            words[PRESS] = 0


class CellCode:
    """Which code is the cell's own, so that a KeyboardInterrupt strikes only inside it."""

    def __init__(self) -> None:
        self.current: CodeType | None = None  # what IPython's run_code runs now
        self._files: set[str] = set()  # every cell's, for functions defined in earlier cells
        # Inside our own wait machinery (which watches the buffer itself), a KeyboardInterrupt
        # would strike in Pyodide's conversions and come out as a ConversionError.
        self.shielded = 0

    def enter(self, code: CodeType) -> CodeType | None:
        previous, self.current = self.current, code
        self._files.add(code.co_filename)
        return previous

    @contextlib.contextmanager
    def shield(self) -> Iterator[None]:
        self.shielded += 1
        try:
            yield
        finally:
            self.shielded -= 1

    def on_stack(self, frame: FrameType | None) -> bool:
        while frame is not None:
            if frame.f_code is self.current or frame.f_code.co_filename in self._files:
                return True
            frame = frame.f_back
        return False


def interrupted_code(code: CodeType) -> CodeType:
    """What runs instead of a cell pressed to stop before it started: KeyboardInterrupt at
    its first line, as if the press had come just then."""
    return compile("raise KeyboardInterrupt", code.co_filename, "exec")


def guarded_run_code(run_code: Any, cells: CellCode, presses: Presses) -> Any:
    """IPython's `InteractiveShell.run_code`, which knows what is the cell's own code and
    raises a press that came before the cell started."""

    async def run_code_(
        self: Any, code_obj: CodeType, result: Any = None, *, async_: bool = False
    ) -> bool:
        previous = cells.enter(code_obj)
        try:
            if presses.take():
                code_obj, async_ = interrupted_code(code_obj), False
                cells.enter(code_obj)
            return bool(await run_code(self, code_obj, result, async_=async_))
        finally:
            cells.current = previous

    run_code_.__name__ = run_code_.__qualname__ = "run_code"
    return run_code_


def sigint_handler(
    cells: CellCode, presses: Presses, rearm: Callable[[], None]
) -> Callable[[int, FrameType | None], None]:
    """SIGINT as KeyboardInterrupt, but only inside a cell's own code. A cell that runs but is
    not yet (or no longer) in its own code, or is inside a shielded wait, gets the signal
    again at a later check; between cells the press waits in `presses` for the cell it was
    meant for."""

    def on_sigint(_signum: int, frame: FrameType | None) -> None:
        __tracebackhide__ = True  # IPython leaves this frame out of the cell's traceback
        if cells.current is None:
            return
        if not cells.shielded and cells.on_stack(frame):
            presses.clear()
            raise KeyboardInterrupt
        rearm()

    on_sigint.inkrider = True  # type: ignore[attr-defined]
    return on_sigint


def without_own_frames(tb: TracebackType, own: Callable[[CodeType], bool]) -> TracebackType:
    """The traceback without its last entries when they are InkRider's (the SIGINT handler that
    raised, the time.sleep that re-raised): IPython hides frames marked `__tracebackhide__`
    except the last one, so the interrupted user's line must be the last, as in CPython where
    both are C. Unchanged if all are ours."""
    entries: list[TracebackType] = []
    link: TracebackType | None = tb
    while link is not None:
        entries.append(link)
        link = link.tb_next
    keep = len(entries)
    while keep > 0 and own(entries[keep - 1].tb_frame.f_code):
        keep -= 1
    if keep in (0, len(entries)):
        return tb
    entries[keep - 1].tb_next = None
    return tb


def trimmed_showtraceback(showtraceback: Any, own: Callable[[CodeType], bool]) -> Any:
    """IPython's `InteractiveShell.showtraceback`, for a KeyboardInterrupt raised by InkRider,
    shown as if it were raised in the user's own line (see without_own_frames)."""

    def showtraceback_(self: Any, exc_tuple: Any = None, *args: Any, **kwargs: Any) -> Any:
        error = exc_tuple[1] if exc_tuple else sys.exception()
        if isinstance(error, KeyboardInterrupt) and error.__traceback__ is not None:
            error.__traceback__ = without_own_frames(error.__traceback__, own)
            if exc_tuple:
                exc_tuple = (exc_tuple[0], error, error.__traceback__)
        return showtraceback(self, exc_tuple, *args, **kwargs)

    showtraceback_.__name__ = showtraceback_.__qualname__ = "showtraceback"
    return showtraceback_


def raise_interrupt() -> None:
    """What SIGINT would do here: KeyboardInterrupt, or the user's own handler."""
    __tracebackhide__ = True  # the traceback ends at the user's time.sleep, as in CPython
    handler = signal.getsignal(signal.SIGINT)
    if handler is signal.default_int_handler or getattr(handler, "inkrider", False):
        raise KeyboardInterrupt
    _thread.interrupt_main()  # the handler runs at the next bytecode boundary


def sliced_sleep(
    sleep: Callable[[float], None], clock: Callable[[], float] = time.monotonic
) -> Callable[[float], None]:
    def blocking_sleep(seconds: float) -> None:
        __tracebackhide__ = True
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
        __tracebackhide__ = True
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
    presses: Presses | None = None,
) -> bool:
    """Deliver the interrupt buffer's SIGINT while no Python runs. True when the signal is used
    up: thrown into the awaits of cells in their own code, or else left to `presses`, which
    the cell's start checks. False keeps it in the buffer, for a cell that is suspended in the
    middle of a step (a JSPI sleep, which watches the buffer itself)."""
    cells = [task for task in asyncio.all_tasks(loop) if cell(task) and not task.done()]
    waits = [task._fut_waiter for task in cells]  # type: ignore[attr-defined]
    if any(wait is None for wait in waits):
        return False
    for task, wait in zip(cells, waits, strict=True):
        if not user_code(task):
            continue
        if presses is not None:
            presses.clear()
        if isinstance(wait, asyncio.Task) or wait.done():
            # A task cannot take an exception from outside; cancel the awaited work instead.
            task.cancel("Interrupted")
        else:
            wait.set_exception(KeyboardInterrupt())
    return True


def make_interruptible() -> None:
    if hasattr(time.sleep, "inkrider_original"):
        return
    import js  # type: ignore[import-not-found]
    import pyodide_js  # type: ignore[import-not-found]
    from IPython.core.interactiveshell import InteractiveShell
    from pyodide.code import run_js  # type: ignore[import-not-found]
    from pyodide.ffi import (  # type: ignore[import-not-found]
        can_run_sync,
        create_proxy,
        run_sync,
    )

    module = pyodide_js._module
    shared: list[Any] = []  # the page's words, once it has handed the buffer over

    def words() -> Any:
        if not shared:
            buffer = getattr(module, "Py_EmscriptenSignalBuffer", None)
            if buffer is None or buffer.buffer.byteLength < 4 * (PRESS + 1):
                return None
            shared.append(js.Int32Array.new(buffer.buffer))
        return shared[0]

    rearm_js = run_js("(module) => { module.Py_EmscriptenSignalBuffer[0] = 2; }")

    def rearm() -> None:
        rearm_js(module)

    run_js(ATOMIC_SIGNAL_JS)(pyodide_js, module)
    cells, presses = CellCode(), Presses(words)
    InteractiveShell.run_code = guarded_run_code(InteractiveShell.run_code, cells, presses)
    signal.signal(signal.SIGINT, sigint_handler(cells, presses, rearm))
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    InteractiveShell.showtraceback = trimmed_showtraceback(
        InteractiveShell.showtraceback, lambda code: code.co_filename.startswith(package + os.sep)
    )

    original = time.sleep
    # Pyodide's JSPI sleep keeps the C one as __wrapped__.
    blocking = sliced_sleep(getattr(original, "__wrapped__", original))
    wait_js = run_js(WAIT_JS)

    def wait(seconds: float) -> bool:
        with cells.shield():
            interrupted = bool(run_sync(wait_js(module, seconds * 1000, SLICE * 1000)))
        if interrupted:
            presses.clear()
        return interrupted

    sleep = watched_sleep(wait, blocking, can_run_sync)
    sleep.__name__ = sleep.__qualname__ = "sleep"
    sleep.__doc__ = original.__doc__
    # Not __wrapped__: IPython's traceback of an interrupt would follow it and hang the kernel.
    sleep.inkrider_original = original  # type: ignore[attr-defined]
    time.sleep = sleep

    loop = asyncio.get_event_loop
    deliver = create_proxy(lambda: interrupt_awaiting_cells(loop(), presses=presses))
    run_js(WATCH_JS)(module, deliver, SLICE * 1000)
