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
