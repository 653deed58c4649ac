"""Making a kernel worker's waits interruptible.

Pyodide raises KeyboardInterrupt when its interrupt buffer is set, but only between Python
bytecodes: a single long `time.sleep` blocks inside C and would ignore the Stop button until it
returned. Sleeping in short slices gives the interpreter a chance to notice after each one.
"""

from __future__ import annotations

import time
from collections.abc import Callable

#: Longest uninterruptible stretch of a sleep, in seconds.
SLICE = 0.05


def sliced_sleep(
    sleep: Callable[[float], None], clock: Callable[[], float] = time.monotonic
) -> Callable[[float], None]:
    def interruptible_sleep(seconds: float) -> None:
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        end = clock() + seconds
        while (left := end - clock()) > 0:
            sleep(min(left, SLICE))

    interruptible_sleep.__doc__ = sleep.__doc__
    # Not __wrapped__: IPython's traceback of an interrupt would follow it and hang the kernel.
    interruptible_sleep.inkrider_original = sleep  # type: ignore[attr-defined]
    return interruptible_sleep


def make_sleep_interruptible() -> None:
    if not hasattr(time.sleep, "inkrider_original"):
        time.sleep = sliced_sleep(time.sleep)
