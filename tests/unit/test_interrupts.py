"""inkrider_lite.kernel.interrupts: sleeps and awaits that Interrupt can stop.

The browser side (the JS watches of the interrupt buffer) is tested in
tests/e2e/test_interrupt.py; here, the Python decisions, on a real asyncio loop.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from inkrider_lite.kernel.interrupts import (
    PRESS,
    RUN,
    SLICE,
    CellCode,
    Presses,
    checked_seconds,
    guarded_run_code,
    interrupt_awaiting_cells,
    is_cell,
    sigint_handler,
    sliced_sleep,
    trimmed_showtraceback,
    watched_sleep,
    without_own_frames,
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def test_a_blocking_sleep_is_many_short_ones_of_the_same_total() -> None:
    clock = Clock()
    sliced_sleep(clock.sleep, clock)(1.0)
    assert max(clock.slept) <= SLICE
    assert len(clock.slept) >= 1.0 / SLICE - 1
    assert sum(clock.slept) == pytest.approx(1.0)


def test_an_interrupt_between_slices_stops_the_blocking_sleep() -> None:
    clock = Clock()

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        if len(clock.slept) == 3:  # what Pyodide does when its interrupt buffer is set
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sliced_sleep(sleep, clock)(100)
    assert sum(clock.slept) <= 3 * SLICE


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (-1, ValueError, "non-negative"),
        (float("nan"), ValueError, "NaN"),
        ("1", TypeError, "'str' object"),
        (None, TypeError, "'NoneType' object"),
    ],
)
def test_the_argument_checks_of_time_sleep(value: Any, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        checked_seconds(value)
    with pytest.raises(error, match=message):
        watched_sleep(lambda s: False, lambda s: None, lambda: True)(value)


def test_zero_ints_and_bools_are_fine_as_in_cpython() -> None:
    assert checked_seconds(0) == 0.0
    assert checked_seconds(True) == 1.0
    clock = Clock()
    sliced_sleep(clock.sleep, clock)(0)
    assert clock.slept == []


def test_a_suspending_sleep_raises_keyboard_interrupt_when_its_wait_was_interrupted() -> None:
    waits: list[float] = []

    def wait(seconds: float) -> bool:
        waits.append(seconds)
        return seconds > 1  # "interrupted" for the long one

    sleep = watched_sleep(wait, lambda s: pytest.fail("must not block"), lambda: True)
    sleep(0.5)
    with pytest.raises(KeyboardInterrupt):
        sleep(100)
    assert waits == [0.5, 100.0]


def test_a_sleep_that_cannot_suspend_blocks_instead() -> None:
    blocked: list[float] = []
    sleep = watched_sleep(lambda s: pytest.fail("cannot suspend"), blocked.append, lambda: False)
    sleep(2)
    assert blocked == [2.0]


@pytest.fixture
def own_sigint_handler() -> Iterator[list[int]]:
    calls: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: calls.append(signum))
    yield calls
    signal.signal(signal.SIGINT, previous)


def test_a_users_own_sigint_handler_runs_instead_of_keyboard_interrupt(
    own_sigint_handler: list[int],
) -> None:
    sleep = watched_sleep(lambda s: True, lambda s: None, lambda: True)
    sleep(1)  # no KeyboardInterrupt
    for _ in range(1000):  # the handler runs at a bytecode boundary soon after
        if own_sigint_handler:
            break
    assert own_sigint_handler == [signal.SIGINT]


# -- cells that await ------------------------------------------------------------------------


class InteractiveShell:
    """Stands in for IPython's, whose `run_code` runs the cell's own code."""

    async def run_code(self, body: Any) -> None:
        await body()


class Kernel:
    """Stands in for pyodide-kernel's, whose `run` coroutine is the task of each cell."""

    def __init__(self) -> None:
        self.outcome = ""
        self.before: Any = None  # awaited before the cell's code, as pyodide-kernel does

    async def run(self, body: Any) -> None:
        if self.before is not None:
            await self.before()
        try:
            await InteractiveShell().run_code(body)
        except KeyboardInterrupt:  # IPython catches it and shows the traceback
            self.outcome = "KeyboardInterrupt"
        except asyncio.CancelledError:
            self.outcome = "CancelledError"
        else:
            self.outcome = "finished"


def run_interrupting(body: Any, at: float = 0.05, before: Any = None) -> tuple[str, list[bool]]:
    """Run a cell of `body` and interrupt it from a loop callback (as the JS watch does)."""
    loop = asyncio.new_event_loop()
    kernel = Kernel()
    kernel.before = before
    results: list[bool] = []
    try:
        task = loop.create_task(kernel.run(body))
        loop.call_later(at, lambda: results.append(interrupt_awaiting_cells(loop)))
        loop.run_until_complete(asyncio.wait_for(task, 5))
    finally:
        loop.close()
    return kernel.outcome, results


def test_the_cell_task_is_recognised_by_its_coroutine() -> None:
    loop = asyncio.new_event_loop()
    try:
        cell = loop.create_task(Kernel().run(lambda: asyncio.sleep(0)))
        other = loop.create_task(asyncio.sleep(0))
        assert is_cell(cell) and not is_cell(other)
        loop.run_until_complete(asyncio.gather(cell, other))
    finally:
        loop.close()


def test_an_awaiting_cell_gets_keyboard_interrupt_at_its_await() -> None:
    outcome, results = run_interrupting(lambda: asyncio.sleep(100))
    assert (outcome, results) == ("KeyboardInterrupt", [True])


def test_an_interrupt_before_the_cells_own_code_is_not_thrown_into_the_kernel() -> None:
    """pyodide-kernel awaits the packages of the cell's imports first; a KeyboardInterrupt
    there would escape its code and the cell would never get a reply. (The press waits in
    `Presses` for the cell's start: see the run_code tests below.)"""
    outcome, results = run_interrupting(
        lambda: asyncio.sleep(0.2), at=0.05, before=lambda: asyncio.sleep(0.1)
    )
    assert (outcome, results) == ("finished", [True])


def test_a_cell_awaiting_a_gather_gets_keyboard_interrupt() -> None:
    outcome, results = run_interrupting(
        lambda: asyncio.gather(asyncio.sleep(100), asyncio.sleep(50))
    )
    assert (outcome, results) == ("KeyboardInterrupt", [True])


def test_a_cell_awaiting_another_task_is_cancelled() -> None:
    async def body() -> None:
        await asyncio.ensure_future(asyncio.sleep(100))

    outcome, results = run_interrupting(body)
    assert (outcome, results) == ("CancelledError", [True])


def test_a_cell_in_the_middle_of_a_step_keeps_the_interrupt_pending() -> None:
    """A JSPI-suspended cell is mid-step: the buffer stays set for its own sleep to see."""
    seen: list[bool] = []

    async def body() -> None:
        seen.append(interrupt_awaiting_cells(asyncio.get_running_loop()))

    loop = asyncio.new_event_loop()
    try:
        kernel = Kernel()
        loop.run_until_complete(loop.create_task(kernel.run(body)))
    finally:
        loop.close()
    assert seen == [False] and kernel.outcome == "finished"


def test_an_interrupt_with_no_cell_running_is_used_up() -> None:
    loop = asyncio.new_event_loop()
    try:
        assert interrupt_awaiting_cells(loop) is True
    finally:
        loop.close()


def test_throwing_into_a_cells_await_uses_up_its_press() -> None:
    words = press_for_request(3)
    loop = asyncio.new_event_loop()
    kernel = Kernel()
    try:
        task = loop.create_task(kernel.run(lambda: asyncio.sleep(100)))
        loop.call_later(
            0.05, interrupt_awaiting_cells, loop, is_cell, lambda t: True, Presses(lambda: words)
        )
        loop.run_until_complete(asyncio.wait_for(task, 5))
    finally:
        loop.close()
    assert kernel.outcome == "KeyboardInterrupt" and words[PRESS] == 0


# -- presses that come before the cell's own code runs -----------------------------------------


def press_for_request(run: int) -> list[int]:
    """The shared words as the page leaves them: `run` requests sent, and a press for the last."""
    words = [0, 0, 0]
    words[RUN] = words[PRESS] = run
    return words


def test_a_press_counts_only_for_the_request_it_was_made_for() -> None:
    words = press_for_request(4)
    presses = Presses(lambda: words)
    assert presses.pending()
    words[RUN] = 5  # the page sent the next request: the old press is stale
    assert not presses.pending() and not presses.take()
    words[PRESS] = 5
    assert presses.take() and words[PRESS] == 0 and not presses.take()
    assert not Presses(lambda: None).pending()  # no buffer handed over yet


class Shell:
    """IPython's run_code, as far as it matters here: run the cell's code in the user's
    namespace; an exception is shown, never raised."""

    def __init__(self) -> None:
        self.ns: dict[str, Any] = {}
        self.errors: list[str] = []

    async def run_code(self, code_obj: Any, result: Any = None, *, async_: bool = False) -> bool:
        try:
            if async_:
                await eval(code_obj, self.ns)
            else:
                exec(code_obj, self.ns)
        except BaseException as error:  # as IPython's bare except
            self.errors.append(type(error).__name__)
            return True
        return False


def run_cell(shell: Shell, run_code: Any, source: str) -> bool:
    code = compile(source, "<ipython-input-1-cafe>", "exec")
    return asyncio.run(run_code(shell, code))


def test_a_press_before_the_cell_started_stops_it_at_its_first_line() -> None:
    words = press_for_request(2)
    shell, cells = Shell(), CellCode()
    run_code = guarded_run_code(Shell.run_code, cells, Presses(lambda: words))
    assert run_cell(shell, run_code, "ran = True") is True
    assert shell.errors == ["KeyboardInterrupt"] and "ran" not in shell.ns
    assert words[PRESS] == 0 and cells.current is None
    # The press is used up: the next statement, or the next cell, runs.
    assert run_cell(shell, run_code, "ran = True") is False and shell.ns["ran"] is True


def test_a_cell_with_no_press_runs_unchanged() -> None:
    words = press_for_request(2)
    words[PRESS] = 1  # pressed during an earlier request
    shell = Shell()
    run_code = guarded_run_code(Shell.run_code, CellCode(), Presses(lambda: words))
    assert run_cell(shell, run_code, "x = 6 * 7") is False
    assert shell.ns["x"] == 42 and shell.errors == []


@pytest.fixture
def handler_of(request: pytest.FixtureRequest) -> Iterator[Any]:
    """Installs a SIGINT handler for one test and puts the old one back."""
    previous = signal.getsignal(signal.SIGINT)

    def install(handler: Any) -> None:
        signal.signal(signal.SIGINT, handler)

    yield install
    signal.signal(signal.SIGINT, previous)


def test_sigint_raises_only_inside_the_cells_own_code(handler_of: Any) -> None:
    """SIGINT that strikes inside the cell (or a function it calls) is its KeyboardInterrupt;
    one that strikes in the kernel's code while a cell runs is armed again for later; one
    between cells is left to the press bookkeeping."""
    words = press_for_request(1)
    cells, presses, rearmed = CellCode(), Presses(lambda: words), []
    handler_of(sigint_handler(cells, presses, lambda: rearmed.append(True)))
    shell = Shell()
    run_code = guarded_run_code(Shell.run_code, cells, presses)

    words[PRESS] = 0  # the press comes while the cell runs
    source = "import signal\ndef deep():\n    signal.raise_signal(signal.SIGINT)\ndeep()\nafter = 1"
    assert run_cell(shell, run_code, source) is True
    assert shell.errors == ["KeyboardInterrupt"] and "after" not in shell.ns

    signal.raise_signal(signal.SIGINT)  # between cells: nothing happens here
    assert rearmed == []

    shielded = CellCode()  # a cell inside the sleep's own wait, which watches the buffer
    handler_of(sigint_handler(shielded, presses, lambda: rearmed.append(True)))
    exec_code = compile(
        "import signal\nwith cells.shield(): signal.raise_signal(signal.SIGINT)",
        "<ipython-input-9-f>",
        "exec",
    )
    shielded.enter(exec_code)
    exec(exec_code, {"cells": shielded})  # no KeyboardInterrupt
    assert rearmed == [True]
    rearmed.clear()

    kernel_code = CellCode()
    kernel_code.enter(compile("pass", "<cell>", "exec"))  # a cell runs, but not on this stack
    handler_of(sigint_handler(kernel_code, presses, lambda: rearmed.append(True)))
    signal.raise_signal(signal.SIGINT)
    assert rearmed == [True]


def test_functions_defined_in_earlier_cells_count_as_the_users_code() -> None:
    cells = CellCode()
    namespace: dict[str, Any] = {}
    exec(
        compile("import sys\ndef here(): return sys._getframe()", "<ipython-input-1-a>", "exec"),
        namespace,
    )
    cells.enter(compile("here()", "<ipython-input-1-a>", "exec"))
    cells.current = compile("pass", "<ipython-input-2-b>", "exec")
    assert cells.on_stack(namespace["here"]())
    assert not cells.on_stack(sys._getframe())


def _interrupted_in(handler: Any) -> KeyboardInterrupt:
    """A KeyboardInterrupt raised by `handler`, called from a user-like frame."""

    def users_line() -> None:
        handler()

    try:
        users_line()
    except KeyboardInterrupt as error:
        return error
    raise AssertionError("no KeyboardInterrupt")


def _frame_names(tb: Any) -> list[str]:
    names = []
    while tb is not None:
        names.append(tb.tb_frame.f_code.co_name)
        tb = tb.tb_next
    return names


def test_an_interrupt_shows_the_users_line_last_not_inkriders_handler() -> None:
    def on_sigint() -> None:
        raise KeyboardInterrupt

    error = _interrupted_in(on_sigint)
    assert _frame_names(error.__traceback__)[-1] == "on_sigint"
    trimmed = without_own_frames(error.__traceback__, lambda code: code is on_sigint.__code__)
    assert _frame_names(trimmed)[-2:] == ["_interrupted_in", "users_line"]


def test_a_traceback_of_only_inkriders_frames_is_left_whole() -> None:
    def on_sigint() -> None:
        raise KeyboardInterrupt

    error = _interrupted_in(on_sigint)
    everything = {tb.tb_frame.f_code for tb in _walk(error.__traceback__)}
    assert _frame_names(
        without_own_frames(error.__traceback__, everything.__contains__)
    ) == _frame_names(error.__traceback__)


def _walk(tb: Any) -> Iterator[Any]:
    while tb is not None:
        yield tb
        tb = tb.tb_next


def test_showtraceback_sees_the_trimmed_interrupt_only() -> None:
    def on_sigint(error: type[BaseException] = KeyboardInterrupt) -> None:
        raise error

    seen: list[list[str]] = []

    def showtraceback(_self: Any, exc_tuple: Any = None) -> None:
        tb = exc_tuple[2] if exc_tuple else sys.exc_info()[2]
        seen.append(_frame_names(tb))

    wrapped = trimmed_showtraceback(showtraceback, lambda code: code is on_sigint.__code__)
    try:
        raise _interrupted_in(on_sigint)
    except KeyboardInterrupt:
        wrapped(None)
    try:
        on_sigint()
    except KeyboardInterrupt as error:
        wrapped(None, (type(error), error, error.__traceback__))
    try:
        on_sigint(ValueError)  # only an interrupt is trimmed
    except ValueError:
        wrapped(None)
    assert seen[0][-1] == "users_line"
    assert seen[1][-1] == "test_showtraceback_sees_the_trimmed_interrupt_only"
    assert seen[2][-1] == "on_sigint"
