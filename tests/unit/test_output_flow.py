"""inkrider_lite.kernel.output_flow: a worker's writes go at once while the page keeps up, and
are held and joined while it is behind, never lost or reordered."""

from __future__ import annotations

from inkrider_lite.kernel.output_flow import StreamGate


class Page:
    """Takes in what the gate sends when told to, as the page's main thread does."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.taken = 0

    def publish(self, stream: str, text: str) -> bool:
        self.sent.append((stream, text))
        return True

    def catch_up(self) -> None:
        self.taken = len(self.sent)


def gate_for(page: Page) -> StreamGate:
    return StreamGate(page.publish, lambda: page.taken, high=3, low=1)


def test_writes_go_at_once_while_the_page_keeps_up() -> None:
    page = Page()
    gate = gate_for(page)
    for i in range(10):
        gate.write("stdout", f"{i}\n")
        page.catch_up()
    assert page.sent == [("stdout", f"{i}\n") for i in range(10)]
    assert not gate.holding


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
    assert not gate.holding
    assert "".join(text for _, text in page.sent) == "".join(f"{i}\n" for i in range(9))


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


def test_a_write_without_a_kernel_callback_is_not_counted_as_on_its_way() -> None:
    page = Page()
    gate = StreamGate(lambda stream, text: False, lambda: page.taken, high=3, low=1)
    for _ in range(10):
        gate.write("stdout", "x")
    assert gate.sent == 0 and not gate.holding


def test_empty_writes_send_nothing() -> None:
    page = Page()
    gate = gate_for(page)
    assert gate.write("stdout", "") == 0
    assert page.sent == []
