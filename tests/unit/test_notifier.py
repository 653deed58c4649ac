"""Changes to a notice wait until its toast can have been drawn (the toast library drops
changes to a toast it has not drawn yet)."""

from __future__ import annotations

import asyncio
from typing import Any

from inkrider_lite.controller import notifier as notifier_module
from inkrider_lite.controller.notifier import Notifier


class FakeNotification:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def emit(self, message: str, kind: str, options: Any) -> str:
        self.calls.append(("emit", message))
        return f"n{len(self.calls)}"

    def update(self, options: Any) -> None:
        self.calls.append(("update", options["message"]))

    def dismiss(self, notice_id: str) -> None:
        self.calls.append(("dismiss", notice_id))


def attached() -> tuple[Notifier, FakeNotification]:
    notifier = Notifier()
    notification = FakeNotification()
    notifier.attach(notification)
    return notifier, notification


def test_changes_right_after_the_notice_wait_and_keep_their_order(monkeypatch) -> None:
    monkeypatch.setattr(notifier_module, "DRAWING_SECONDS", 0.05)
    notifier, notification = attached()

    async def main() -> None:
        notice = notifier.emit("Installing 2 packages", "in-progress", {"autoClose": False})
        notifier.update({"id": notice, "message": "Installed 2 packages"})
        notifier.dismiss(notice)
        assert notification.calls == [("emit", "Installing 2 packages")]
        await asyncio.sleep(0.1)
        assert notification.calls == [
            ("emit", "Installing 2 packages"),
            ("update", "Installed 2 packages"),
            ("dismiss", notice),
        ]

    asyncio.run(main())


def test_changes_to_a_drawn_notice_go_at_once(monkeypatch) -> None:
    monkeypatch.setattr(notifier_module, "DRAWING_SECONDS", 0.01)
    notifier, notification = attached()

    async def main() -> None:
        first = notifier.emit("one", "info", {})
        await asyncio.sleep(0.05)
        second = notifier.emit("two", "info", {})
        notifier.update({"id": first, "message": "one, later"})  # not held by the new notice
        assert notification.calls[-1] == ("update", "one, later")
        notifier.dismiss(second)
        assert ("dismiss", second) not in notification.calls
        await asyncio.sleep(0.05)
        assert notification.calls[-1] == ("dismiss", second)

    asyncio.run(main())


LONG = (
    "Could not reconnect: the Jupyter Server at 127.0.0.1:18931 is not answering. Once it "
    "answers again (start it again if it stopped), press Reconnect or run a cell."
)


def test_a_message_that_fits_is_kept_and_a_longer_one_is_cut_at_a_word() -> None:
    assert notifier_module.fitted("Saved.") == "Saved."
    exact = "x" * notifier_module.SHOWN_CHARS
    assert notifier_module.fitted(exact) == exact
    shown = notifier_module.fitted(LONG)
    assert len(shown) <= notifier_module.SHOWN_CHARS
    assert shown.endswith("…") and LONG.startswith(shown[:-1])
    assert LONG[len(shown) - 1] == " "  # cut between words
    one_word = "/drive/" + "a" * 200
    assert len(notifier_module.fitted(one_word)) == notifier_module.SHOWN_CHARS


class RecordingNotification(FakeNotification):
    def __init__(self) -> None:
        super().__init__()
        self.options: list[Any] = []

    def emit(self, message: str, kind: str, options: Any) -> str:
        self.options.append(options)
        return super().emit(message, kind, options)


def test_a_cut_notice_gets_a_details_button_that_shows_it_whole(monkeypatch) -> None:
    monkeypatch.setattr(notifier_module, "DETAILS_SECONDS", 0.01)
    notifier = Notifier()
    notification = RecordingNotification()
    notifier.attach(notification)
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(notifier, "show_text", lambda title, text: shown.append((title, text)))

    async def main() -> None:
        notifier.notify("Saved.", "info")
        assert notification.calls[-1] == ("emit", "Saved.")
        assert "actions" not in notification.options[-1]
        notifier.notify(LONG, "error")
        message = notification.calls[-1][1]
        assert message == notifier_module.fitted(LONG)
        (details,) = notification.options[-1]["actions"]
        assert details["label"] == "Details"
        details["callback"]()
        assert shown == [("Error", LONG)]
        # A notice with buttons keeps them, Details added after.
        own = [("Wait", lambda *_: None, "default")]
        result = notifier.emit_with_actions(LONG, "warning", own)
        assert result is not None
        _notice, proxies = result
        labels = [a["label"] for a in notification.options[-1]["actions"]]
        assert labels == ["Wait", "Details"] and len(proxies) == 2

    asyncio.run(main())
