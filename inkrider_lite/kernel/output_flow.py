"""Keeping a printing cell from burying the page (issue 13 §6), in the worker.

pyodide-kernel sends one message to the page per `write` on stdout or stderr: a `print` in a
tight loop sends tens of thousands a second, more than the page's main thread can take in, so they
pile up there (gigabytes in a minute) and Stop's answer waits behind them. Two things stop that:

- Beyond a rate that no reader can follow, writes are cut, and the cell says how much
  (sessions/output_limit.py decides; the rates are measured here, as the cell writes).
- Flow control, where the page shares memory with the worker (cross-origin isolated pages): the
  page counts the stream messages and characters it has taken in (the loader's worker route).
  While too much is still on its way (`HIGH` messages or `HIGH_CHARS` characters), writes are
  held here and joined; they go as one message once the page is down to `LOW` / `LOW_CHARS`, at
  the next write. Once `MAX_HELD` characters are held, the write waits for the page (in short
  slices, so that Stop still interrupts it). A cell that prints at a reader's pace never waits:
  its writes go at once, as before.

Held output goes before anything that must come after it: a display, the cell's result or error
(the kernel flushes stdout first, and the `post_execute` event), an `input()` prompt.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ..sessions.output_limit import OutputLimiter

#: On their way to the page: above HIGH messages or HIGH_CHARS characters writes are held, and
#: they go again below LOW and LOW_CHARS.
HIGH = 200
LOW = 50
HIGH_CHARS = 256 * 1024
LOW_CHARS = 64 * 1024
#: Characters held at most; the next write waits for the page to take in what is on its way.
MAX_HELD = 256 * 1024
#: Seconds of each wait for the page, and of all of them for one write (a page that never takes
#: anything in must not hang the cell).
WAIT_SLICE = 0.02
MAX_WAIT = 10.0


class StreamGate:
    """Writes of a worker's streams, sent at once while the page keeps up, else held and joined.

    `publish(stream, text)` sends one stream message (False if the kernel has nowhere to send
    it); `taken_in()` is how many messages and characters the page has taken in so far;
    `wait(seconds)` waits that long at most for the page to take in more."""

    def __init__(
        self,
        publish: Callable[[Any, str], bool],
        taken_in: Callable[[], tuple[int, int]],
        wait: Callable[[float], None],
        *,
        high: int = HIGH,
        low: int = LOW,
        high_chars: int = HIGH_CHARS,
        low_chars: int = LOW_CHARS,
        max_held: int = MAX_HELD,
    ) -> None:
        self._publish = publish
        self._taken_in = taken_in
        #: What is cut beyond a readable rate, per run (see start_run); None: nothing is cut.
        self.limiter: OutputLimiter | None = None
        self._run = 0
        self._clock: Callable[[], float] = time.monotonic
        #: Where the limiter's notices are written (stderr).
        self.notices: Any = None
        self._wait = wait
        self.high, self.low = high, low
        self.high_chars, self.low_chars = high_chars, low_chars
        self.max_held = max_held
        self.sent = 0
        self.sent_chars = 0
        #: Held writes, joined by stream, in order: [stream, [texts]].
        self._held: list[tuple[Any, list[str]]] = []
        self._held_chars = 0

    @property
    def holding(self) -> bool:
        return bool(self._held)

    def _on_the_way(self) -> tuple[int, int]:
        messages, chars = self._taken_in()
        # The page's counters are 32-bit and wrap (2 GB printed): the difference does not.
        return (self.sent - messages) % 2**32, (self.sent_chars - chars) % 2**32

    def start_run(self, *_args: Any) -> None:
        """A new request runs: its output has a rate window of its own."""
        self.end_run()
        self._run += 1

    def end_run(self, *_args: Any) -> None:
        """The request ran: what was held goes, then what the cell is owed about cut output."""
        told = self.limiter.finish(self._run) if self.limiter is not None else None
        if told and self.notices is not None:
            self._pass(self.notices, told)
        self.flush()

    def write(self, stream: Any, text: str) -> int:
        if not text:
            return 0
        if self.limiter is not None:
            verdict = self.limiter.admit(self._run, self._clock(), 1, len(text), text.count("\n"))
            if verdict.notice and self.notices is not None:
                self._pass(self.notices, verdict.notice)
            if not verdict.show:
                # What was held when the cut began (the notice too) goes once the page has
                # caught up, while the cell is still printing, not when it ends.
                if self._held:
                    messages, chars = self._on_the_way()
                    if messages < self.low and chars < self.low_chars:
                        self.flush()
                return len(text)
        self._pass(stream, text)
        return len(text)

    def _pass(self, stream: Any, text: str) -> None:
        if not self._held:
            messages, chars = self._on_the_way()
            if messages < self.high and chars < self.high_chars:
                self._send(stream, text)
                return
        if self._held and self._held[-1][0] is stream:
            self._held[-1][1].append(text)
        else:
            self._held.append((stream, [text]))
        self._held_chars += len(text)
        if self._held_chars >= self.max_held:
            self._wait_for_page()
        messages, chars = self._on_the_way()
        if messages < self.low and chars < self.low_chars:
            self.flush()

    def _wait_for_page(self) -> None:
        waited = 0.0
        while waited < MAX_WAIT:
            messages, chars = self._on_the_way()
            if messages < self.low and chars < self.low_chars:
                return
            self._wait(WAIT_SLICE)
            waited += WAIT_SLICE

    def flush(self, *_args: Any) -> None:
        held, self._held = self._held, []
        self._held_chars = 0
        for stream, texts in held:
            self._send(stream, "".join(texts))

    def _send(self, stream: Any, text: str) -> None:
        if self._publish(stream, text):
            self.sent += 1
            self.sent_chars += len(text)


def _publish(stream: Any, text: str) -> bool:
    callback = getattr(stream, "publish_stream_callback", None)
    if callback is None:
        return False
    callback(stream.name, text)
    return True


def install(shell: Any) -> StreamGate:
    """Limit the worker's stdout and stderr to a readable rate, and hold them while the page is
    behind where the page gave this worker its counter (`inkrider_flow`: cross-origin isolated
    pages; elsewhere every write that is not cut goes at once, as in plain pyodide-kernel)."""
    import builtins
    import getpass
    import sys

    try:
        import inkrider_flow  # type: ignore[import-not-found]  # the loader registers it
    except ImportError:
        inkrider_flow = None
    gate: StreamGate
    if inkrider_flow is None:
        gate = StreamGate(_publish, lambda: (gate.sent, gate.sent_chars), lambda _s: None)
    else:
        import js  # type: ignore[import-not-found]

        # [messages, characters] the page has taken in.
        counter = js.Int32Array.new(inkrider_flow.acks)
        atomics = js.Atomics

        def taken_in() -> tuple[int, int]:
            return int(atomics.load(counter, 0)), int(atomics.load(counter, 1))

        def wait(seconds: float) -> None:
            atomics.wait(counter, 1, atomics.load(counter, 1), seconds * 1000)

        gate = StreamGate(_publish, taken_in, wait)
    gate.limiter = OutputLimiter()
    gate.notices = sys.stderr
    for stream in (sys.stdout, sys.stderr):
        # pyodide-kernel sets the stream's callback anew for each request; its `write` stays.
        stream.write = lambda text, stream=stream: gate.write(stream, text)
        stream.flush = gate.flush
    publisher = shell.display_pub
    for name in ("publish", "clear_output"):
        original = getattr(publisher, name)
        setattr(publisher, name, _flushing_first(gate, original))

    def run_starts(*_args: Any) -> None:
        gate.start_run()
        # pyodide-kernel puts its input() and getpass() in place for each request.
        if not getattr(builtins.input, "_inkrider_flushes", False):
            builtins.input = _flushing_first(gate, builtins.input)
        if not getattr(getpass.getpass, "_inkrider_flushes", False):
            getpass.getpass = _flushing_first(gate, getpass.getpass)

    shell.events.register("pre_execute", run_starts)
    # The result, the error and the reply come after the cell has run.
    shell.events.register("post_execute", gate.end_run)
    return gate


def _flushing_first(gate: StreamGate, function: Callable[..., Any]) -> Callable[..., Any]:
    def flushing(*args: Any, **kwargs: Any) -> Any:
        gate.flush()
        return function(*args, **kwargs)

    flushing._inkrider_flushes = True  # type: ignore[attr-defined]
    return flushing
