"""Keeping a printing cell from burying the page under messages (issue 13 §6), in the worker.

pyodide-kernel sends one message to the page per `write` on stdout or stderr: a `print` in a
tight loop sends tens of thousands a second, more than the page's main thread can take in, so they
pile up there (gigabytes in a minute) and Stop's answer waits behind them. The page counts the
stream messages it has taken in, in a SharedArrayBuffer shared with this worker (the loader's
worker route). While more than `HIGH` are still on their way, writes are held here and joined;
they go as one message once fewer than `LOW` are, at the next write. A cell that prints at a
reader's pace never waits: its writes go at once, as before.

Held output also goes before anything that must come after it: a display, the cell's result or
error (the kernel flushes stdout first, and the `post_execute` event), an `input()` prompt.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: Messages on their way to the page above which writes are held, and below which they go again.
HIGH = 200
LOW = 50


class StreamGate:
    """Writes of a worker's streams, sent at once while the page keeps up, else held and joined.

    `publish(stream, text)` sends one stream message; `taken_in()` is how many the page has
    taken in so far."""

    def __init__(
        self,
        publish: Callable[[Any, str], bool],
        taken_in: Callable[[], int],
        high: int = HIGH,
        low: int = LOW,
    ) -> None:
        self._publish = publish
        self._taken_in = taken_in
        self.high = high
        self.low = low
        self.sent = 0
        #: Held writes, joined by stream, in order: [stream, [texts]].
        self._held: list[tuple[Any, list[str]]] = []

    @property
    def holding(self) -> bool:
        return bool(self._held)

    def write(self, stream: Any, text: str) -> int:
        if not text:
            return 0
        if not self._held and self.sent - self._taken_in() < self.high:
            self._send(stream, text)
            return len(text)
        if self._held and self._held[-1][0] is stream:
            self._held[-1][1].append(text)
        else:
            self._held.append((stream, [text]))
        if self.sent - self._taken_in() < self.low:
            self.flush()
        return len(text)

    def flush(self, *_args: Any) -> None:
        held, self._held = self._held, []
        for stream, texts in held:
            self._send(stream, "".join(texts))

    def _send(self, stream: Any, text: str) -> None:
        if self._publish(stream, text):
            self.sent += 1


def _publish(stream: Any, text: str) -> bool:
    callback = getattr(stream, "publish_stream_callback", None)
    if callback is None:
        return False
    callback(stream.name, text)
    return True


def install(shell: Any) -> StreamGate | None:
    """Hold the worker's stdout and stderr while the page is behind. Only where the page gave
    this worker its counter (`inkrider_flow`, cross-origin isolated pages): elsewhere every write
    goes at once, as in plain pyodide-kernel."""
    try:
        import inkrider_flow  # type: ignore[import-not-found]  # the loader registers it
    except ImportError:
        return None
    import builtins
    import getpass
    import sys

    import js  # type: ignore[import-not-found]

    counter = js.Int32Array.new(inkrider_flow.acks)
    atomics = js.Atomics
    gate = StreamGate(_publish, lambda: int(atomics.load(counter, 0)))
    for stream in (sys.stdout, sys.stderr):
        # pyodide-kernel sets the stream's callback anew for each request; its `write` stays.
        stream.write = lambda text, stream=stream: gate.write(stream, text)
        stream.flush = gate.flush
    publisher = shell.display_pub
    for name in ("publish", "clear_output"):
        original = getattr(publisher, name)
        setattr(publisher, name, _flushing_first(gate, original))
    # The result, the error and the reply come after the cell has run.
    shell.events.register("post_execute", gate.flush)

    def wrap_prompts(*_args: Any) -> None:
        # pyodide-kernel puts its input() and getpass() in place for each request.
        if not getattr(builtins.input, "_inkrider_flushes", False):
            builtins.input = _flushing_first(gate, builtins.input)
        if not getattr(getpass.getpass, "_inkrider_flushes", False):
            getpass.getpass = _flushing_first(gate, getpass.getpass)

    shell.events.register("pre_run_cell", wrap_prompts)
    return gate


def _flushing_first(gate: StreamGate, function: Callable[..., Any]) -> Callable[..., Any]:
    def flushing(*args: Any, **kwargs: Any) -> Any:
        gate.flush()
        return function(*args, **kwargs)

    flushing._inkrider_flushes = True  # type: ignore[attr-defined]
    return flushing
