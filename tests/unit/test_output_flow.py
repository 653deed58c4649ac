"""inkrider_lite.kernel.output_flow: a worker's writes go at once while the page keeps up, are
held and joined while it is behind, and wait for it once too much is held; never lost or
reordered."""

from __future__ import annotations

from inkrider_lite.kernel.output_flow import MAX_WAIT, WAIT_SLICE, StreamGate
from inkrider_lite.sessions.output_limit import Limits, OutputLimiter


class Page:
    """Takes in what the gate sends when told to, as the page's main thread does."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.taken = (0, 0)
        self.waits: list[float] = []
        self.frozen = False

    def publish(self, stream: str, text: str) -> bool:
        self.sent.append((stream, text))
        return True

    def catch_up(self) -> None:
        self.taken = (len(self.sent), sum(len(text) for _, text in self.sent))

    def wait(self, seconds: float) -> None:
        self.waits.append(seconds)
        if not self.frozen:
            self.catch_up()


def gate_for(page: Page, **limits: int) -> StreamGate:
    bounds = {"high": 3, "low": 1, "high_chars": 1_000, "low_chars": 100, "max_held": 50}
    return StreamGate(page.publish, lambda: page.taken, page.wait, **(bounds | limits))


def joined(page: Page) -> str:
    return "".join(text for _, text in page.sent)


def test_writes_go_at_once_while_the_page_keeps_up() -> None:
    page = Page()
    gate = gate_for(page)
    for i in range(10):
        gate.write("stdout", f"{i}\n")
        page.catch_up()
    assert page.sent == [("stdout", f"{i}\n") for i in range(10)]
    assert not gate.holding and page.waits == []


def test_writes_are_held_and_joined_while_the_page_is_behind_then_go_as_one() -> None:
    page = Page()
    gate = gate_for(page)
    for i in range(3):
        gate.write("stdout", f"{i}\n")  # 3 on their way: the next ones are held
    for i in range(3, 8):
        gate.write("stdout", f"{i}\n")
    assert len(page.sent) == 3 and gate.holding
    page.catch_up()
    gate.write("stdout", "8\n")  # fewer than `low` on their way: everything held goes
    assert page.sent[3:] == [("stdout", "3\n4\n5\n6\n7\n8\n")]
    assert not gate.holding and page.waits == []
    assert joined(page) == "".join(f"{i}\n" for i in range(9))


def test_too_many_characters_on_their_way_also_hold_the_writes() -> None:
    page = Page()
    gate = gate_for(page, max_held=10_000)
    gate.write("stdout", "x" * 1_000)  # 1,000 characters on their way: the limit
    gate.write("stdout", "y")
    assert page.sent == [("stdout", "x" * 1_000)] and gate.holding


def test_once_too_much_is_held_the_write_waits_for_the_page_then_sends_it() -> None:
    page = Page()
    gate = gate_for(page)
    for _ in range(3):
        gate.write("stdout", "a")
    for _ in range(49):
        gate.write("stdout", "b")
    assert page.waits == [] and gate.holding
    gate.write("stdout", "b")  # 50 held: wait until the page took in what was on its way
    assert page.waits == [WAIT_SLICE]
    assert not gate.holding and page.sent[-1] == ("stdout", "b" * 50)


def test_a_page_that_never_takes_anything_in_does_not_hang_the_cell() -> None:
    page = Page()
    page.frozen = True
    gate = gate_for(page)
    for _ in range(3 + 50):
        gate.write("stdout", "a")
    assert abs(sum(page.waits) - MAX_WAIT) < WAIT_SLICE
    assert gate.holding  # still held, sent with the next flush
    gate.flush()
    assert joined(page) == "a" * 53


def test_held_writes_keep_their_order_across_stdout_and_stderr() -> None:
    page = Page()
    gate = gate_for(page)
    for text in ("a", "b", "c"):
        gate.write("stdout", text)
    gate.write("stdout", "d")
    gate.write("stderr", "E")
    gate.write("stderr", "F")
    gate.write("stdout", "g")
    gate.flush()  # e.g. before a display, the result, or input()
    assert page.sent[3:] == [("stdout", "d"), ("stderr", "EF"), ("stdout", "g")]
    assert not gate.holding


def test_the_page_counters_wrapping_at_32_bits_changes_nothing() -> None:
    page = Page()
    gate = gate_for(page)
    gate.sent, gate.sent_chars = 2**32 + 5, 2**32 + 500
    page.taken = (5, 500)  # what an Int32Array reads once it wrapped
    gate.write("stdout", "z")
    assert page.sent == [("stdout", "z")]


def test_a_write_without_a_kernel_callback_is_not_counted_as_on_its_way() -> None:
    page = Page()
    gate = StreamGate(lambda stream, text: False, lambda: page.taken, page.wait, high=3, low=1)
    for _ in range(10):
        gate.write("stdout", "x")
    assert gate.sent == 0 and not gate.holding


def test_empty_writes_send_nothing() -> None:
    page = Page()
    gate = gate_for(page)
    assert gate.write("stdout", "") == 0
    assert page.sent == []


def test_beyond_a_readable_rate_writes_are_cut_and_the_cell_told_how_much_when_it_ends() -> None:
    page = Page()
    gate = StreamGate(page.publish, lambda: page.taken, page.wait)
    gate.limiter = OutputLimiter(Limits(msg_rate=10.0, data_rate=1e9, window=1.0))
    gate.notices = "stderr"
    gate._clock = lambda: 0.0
    gate.start_run()
    for i in range(30):
        gate.write("stdout", f"{i}\n")
        page.catch_up()
    gate.end_run()
    shown = "".join(text for stream, text in page.sent if stream == "stdout")
    told = "".join(text for stream, text in page.sent if stream == "stderr")
    assert shown == "".join(f"{i}\n" for i in range(10))  # 10 writes a second over 1 s
    assert "Output rate exceeded" in told
    assert "[20 lines (60 characters) of output not shown]" in told
    # The next run has a window of its own.
    gate.start_run()
    gate.write("stdout", "next\n")
    assert page.sent[-1] == ("stdout", "next\n")


def test_the_notice_of_a_cut_reaches_the_page_while_the_cell_still_prints() -> None:
    """The page was behind when the cut began: the notice was held with the last writes shown,
    and goes as soon as the page has caught up, though every later write is cut."""
    page = Page()
    gate = gate_for(page, max_held=10_000)
    gate.limiter = OutputLimiter(Limits(msg_rate=10.0, data_rate=1e9, window=1.0))
    gate.notices = "stderr"
    gate._clock = lambda: 0.0
    gate.start_run()
    for i in range(30):  # the page takes nothing in meanwhile
        gate.write("stdout", f"{i}\n")
    assert gate.holding
    assert not any(stream == "stderr" for stream, _ in page.sent)
    page.catch_up()
    gate.write("stdout", "still printing\n")  # cut, but the held writes and the notice go
    assert not gate.holding
    told = "".join(text for stream, text in page.sent if stream == "stderr")
    assert "Output rate exceeded" in told
    shown = "".join(text for stream, text in page.sent if stream == "stdout")
    assert shown == "".join(f"{i}\n" for i in range(10))
