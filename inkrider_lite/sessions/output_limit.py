"""How much of a cell's printed output reaches the page, and what the cell is told when some does
not (pure logic; the worker's stream gate, kernel/output_flow.py, asks it for each write).

A printing loop writes tens of thousands of times a second. Beyond a rate that no reader can
follow, the rest is cut, as jupyter_server does with `iopub_msg_rate_limit` and
`iopub_data_rate_limit`: rates are averaged over a sliding window, output stops when either is
exceeded, and comes back once both are below 80 % of their limit. Unlike the server, the cell is
told how much was cut, when output comes back and when the cell ends: nothing is dropped silently.
The rates are measured where the output is made, in the worker, before anything waits for the
page: the page takes in output at its own pace (see output_flow), which says nothing of how fast
the cell prints.

The window is the cell's own: a flood stopped with Interrupt does not cut the next cell's output.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Limits:
    #: Writes a second (a `print` makes two, each once a stream message), averaged over
    #: `window`. 10,000 printed lines, however fast they come, stay below it (20,000 writes in
    #: a 3 s window).
    msg_rate: float = 10_000.0
    #: Characters a second, averaged over `window`: about 3,000 lines of 60 characters, far
    #: more than anyone reads, and small enough for the notebook to keep redrawing the output.
    data_rate: float = 200_000.0
    #: Seconds the rates are averaged over (jupyter_server's rate_limit_window).
    window: float = 3.0
    #: Output comes back once both rates are below this share of their limit.
    resume_ratio: float = 0.8
    #: Writes closer together than this many seconds are counted as one entry of the window,
    #: which so holds at most window / bucket entries however fast a cell prints.
    bucket: float = 0.05


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Verdict:
    """Whether a chunk is shown, and a notice for the cell (stderr) to show before it, if any."""

    show: bool
    notice: str | None = None


@dataclass
class _Cut:
    lines: int = 0
    chars: int = 0

    def add(self, lines: int, chars: int) -> None:
        self.lines += lines
        self.chars += chars


@dataclass
class _Cell:
    #: (time, messages, characters) of every chunk still inside the window, oldest first.
    chunks: deque[tuple[float, int, int]] = field(default_factory=deque)
    messages: int = 0
    chars: int = 0
    #: Which limit stopped the output ("message" or "data"), while it is stopped.
    exceeded: str | None = None
    #: Cut since the cell was last told.
    untold: _Cut = field(default_factory=_Cut)
    #: Cut in the cell's whole run.
    total: _Cut = field(default_factory=_Cut)
    notices: int = 0


class OutputLimiter:
    """The output of the cells of one worker (one cell runs at a time; each has its own window)."""

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self._cells: dict[object, _Cell] = {}

    def admit(self, cell: object, now: float, messages: int, chars: int, lines: int) -> Verdict:
        """`messages` writes (a `print` makes two) of `chars` characters holding `lines` line
        ends, from the run `cell`, at `now` (seconds, any origin)."""
        state = self._cells.setdefault(cell, _Cell())
        limits = self.limits
        if state.chunks and now - state.chunks[-1][0] < limits.bucket:
            start, old_messages, old_chars = state.chunks[-1]
            state.chunks[-1] = (start, old_messages + messages, old_chars + chars)
        else:
            state.chunks.append((now, messages, chars))
        state.messages += messages
        state.chars += chars
        while state.chunks and state.chunks[0][0] <= now - limits.window:
            _, old_messages, old_chars = state.chunks.popleft()
            state.messages -= old_messages
            state.chars -= old_chars
        msg_rate = state.messages / limits.window
        data_rate = state.chars / limits.window
        if state.exceeded is None:
            if msg_rate > limits.msg_rate:
                state.exceeded = "message"
            elif data_rate > limits.data_rate:
                state.exceeded = "data"
            else:
                return Verdict(True)
            state.untold.add(lines, chars)
            state.total.add(lines, chars)
            return Verdict(False, self._stopped_text(state.exceeded))
        ratio = limits.resume_ratio
        if msg_rate < ratio * limits.msg_rate and data_rate < ratio * limits.data_rate:
            state.exceeded = None
            return Verdict(True, self._take_untold(state, resumed=True))
        state.untold.add(lines, chars)
        state.total.add(lines, chars)
        return Verdict(False)

    def finish(self, cell: object) -> str | None:
        """The run `cell` ended: what it has not been told yet about cut output, if anything."""
        state = self._cells.pop(cell, None)
        if state is None:
            return None
        return self._take_untold(state, resumed=False)

    def forget(self) -> None:
        """The worker went to another notebook, or away: no cell of before is still running."""
        self._cells.clear()

    def _take_untold(self, state: _Cell, *, resumed: bool) -> str | None:
        untold, state.untold = state.untold, _Cut()
        if not untold.lines and not untold.chars:
            return None
        state.notices += 1
        return cut_text(untold, state.total, resumed=resumed, repeated=state.notices > 1)

    def _stopped_text(self, which: str) -> str:
        return stopped_text(which, self.limits)


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def stopped_text(which: str, limits: Limits = DEFAULT_LIMITS) -> str:
    """The notice a cell gets when its output stops being shown."""
    if which == "message":
        rate = f"more than {limits.msg_rate:,.0f} writes a second"
    else:
        rate = f"more than {limits.data_rate:,.0f} characters a second"
    return (
        f"Output rate exceeded ({rate}, averaged over {limits.window:g} s): "
        "InkRider stops showing this cell's output so that the page keeps answering, "
        "and says below how much it left out. The code keeps running (Stop interrupts it). "
        "To keep all of it, write it to a file, or print less often.\n"
    )


def cut_text(cut: _Cut, total: _Cut, *, resumed: bool, repeated: bool) -> str:
    """The notice that says how much output was left out."""
    chars = _count(cut.chars, "character", "characters")
    amount = f"{_count(cut.lines, 'line', 'lines')} ({chars})"
    text = f"[{amount} of output not shown"
    if repeated:
        text += f"; {_count(total.lines, 'line', 'lines')} in all for this cell"
    text += "; output resumes below]\n" if resumed else "]\n"
    return text
