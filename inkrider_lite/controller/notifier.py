"""JupyterLab's notifications from Python, or the console where there are none.

The controller starts before JupyterLab's Notification is at hand (ui.install attaches it), so
every feature module gets this one Notifier and asks it, not the page, whether notices can show.
A button's callback is a proxy that JavaScript holds; it must outlive the notification long
enough for a click already on its way, and then be freed (`free_later`).

JupyterLab shows only a notice's first 140 characters, in its toast and in its list alike, and
drops the rest: a new user read "Could not reconnect…" cut off before what to do (new-user pass,
stop 25, defect 3). A longer notice here is cut at a word, and a Details button shows it whole.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from .._compat import compat

#: (label, callback, displayType): displayType is JupyterLab's "accent", "warn", "default"...
Action = tuple[str, Callable[..., Any], str]

#: Milliseconds a passing notice stays.
NOTICE_MS = 12_000
#: Seconds a new notice's toast is given to show before it is changed. The toast library drops
#: an update (or dismissal) of a toast it has not drawn yet: an install whose packages were
#: already in the worker went from "Installing…" to its outcome within one tick, and the toast
#: kept "Installing…" and its spinner for good while the notification list said the outcome.
DRAWING_SECONDS = 0.3
#: Characters of a notice that JupyterLab shows (`createContent` in @jupyterlab/apputils).
SHOWN_CHARS = 140
#: Seconds a Details button of a passing notice keeps working: the notification list keeps the
#: notice after its toast has gone.
DETAILS_SECONDS = 3600
#: Titles of the Details dialog, by the notice's kind.
DETAILS_TITLES = {"error": "Error", "warning": "Warning"}


def fitted(message: str, limit: int = SHOWN_CHARS) -> str:
    """`message` as JupyterLab shows it whole: as it is if it fits, else cut after the last
    whole word that leaves room for "…"."""
    if len(message) <= limit:
        return message
    cut = message[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:  # one very long word (a path, say) is cut inside
        cut = cut[:space]
    return cut.rstrip(" ,;:(—-") + "…"


class Notifier:
    def __init__(self) -> None:
        #: JupyterLab's Notification, once attached; `window.inkrider.notification` reads it.
        self.notification: Any = None
        self._apputils: Any = None
        self._widgets: Any = None
        #: Changes of notices whose toasts may not be drawn yet, in order, by notice id.
        self._held: dict[Any, list[Callable[[], None]]] = {}

    def attach(self, notification: Any, apputils: Any = None, widgets: Any = None) -> None:
        """JupyterLab's Notification; with apputils and Lumino's widgets, `show_text` can open
        dialogs too."""
        self.notification = notification
        self._apputils = apputils
        self._widgets = widgets

    def show_text(self, title: str, text: str) -> bool:
        """A dialog showing `text` whole, as text (never markup), lines kept; False where
        dialogs cannot show."""
        if self._apputils is None or self._widgets is None:
            compat.log_error(f"{title}\n{text}")
            return False
        body = self._widgets.Widget.new()
        body.addClass("inkrider-details")
        pre = body.node.ownerDocument.createElement("pre")
        pre.textContent = text
        pre.style.whiteSpace = "pre-wrap"
        pre.style.margin = "0"
        pre.style.fontFamily = "var(--jp-code-font-family)"
        pre.style.fontSize = "var(--jp-code-font-size)"
        body.node.appendChild(pre)
        dialog = self._apputils.Dialog
        self._apputils.showDialog(
            compat.to_js({"title": title, "body": body, "buttons": [dialog.okButton()]})
        )
        return True

    async def confirm(self, title: str, text: str, accept: str) -> bool:
        """Ask before something that cannot be undone: JupyterLab's dialog, with Cancel and a
        warning button labelled `accept`; True once accepted. Where dialogs cannot show, True:
        the button the user pressed is all the asking there is."""
        if self._apputils is None:
            return True
        dialog = self._apputils.Dialog
        buttons = [dialog.cancelButton(), dialog.warnButton(compat.to_js({"label": accept}))]
        # Cancel has the focus, so that Enter, pressed out of habit, undoes nothing.
        options = {"title": title, "body": text, "buttons": buttons, "defaultButton": 0}
        result = await self._apputils.showDialog(compat.to_js(options))
        return bool(result.button.accept)

    @property
    def available(self) -> bool:
        return self.notification is not None

    def notify(self, message: str, kind: str) -> None:
        """A passing notice: in JupyterLab's notifications where there are any, else the console."""
        if self.notification is None:
            compat.log_error(message)
            return
        options: dict[str, Any] = {"autoClose": NOTICE_MS}
        proxies = self._fit(message, kind, options)
        self.notification.emit(options.pop("message"), kind, compat.to_js(options))
        free_later(proxies, DETAILS_SECONDS)

    def emit(self, message: str, kind: str, options: dict[str, Any]) -> Any:
        """A notice with JupyterLab's `options`; its id, or None where notices cannot show."""
        if self.notification is None:
            return None
        options = dict(options)
        free_later(self._fit(message, kind, options), DETAILS_SECONDS)
        notice_id = self.notification.emit(options.pop("message"), kind, compat.to_js(options))
        self._hold(notice_id)
        return notice_id

    def update(self, options: dict[str, Any]) -> None:
        notification = self.notification
        if notification is None:
            return
        if "message" in options:
            options = dict(options)
            kind = options.get("type", "default")
            free_later(self._fit(options["message"], kind, options), DETAILS_SECONDS)
        self._change(options.get("id"), lambda: notification.update(compat.to_js(options)))

    def _fit(self, message: str, kind: str, options: dict[str, Any]) -> list[Any]:
        """Set `options["message"]` to what shows whole and, where that cuts `message`, add a
        Details button showing all of it (unless the caller gave its own); the proxies made."""
        actions = list(options.get("actions") or [])
        options["message"] = message
        if len(message) <= SHOWN_CHARS or any(a.get("label") == "Details" for a in actions):
            return []  # it shows whole, or the caller's own Details shows it
        options["message"] = fitted(message)
        title = DETAILS_TITLES.get(kind, "Notice")

        def show(event: Any = None) -> None:
            if event is not None:
                event.preventDefault()  # the toast stays: its other buttons may still be wanted
            self.show_text(title, message)

        details = compat.create_proxy(show)
        options["actions"] = [
            *actions,
            {"label": "Details", "callback": details, "displayType": "default"},
        ]
        return [details]

    def dismiss(self, notice_id: Any) -> None:
        notification = self.notification
        if notification is not None:
            self._change(notice_id, lambda: notification.dismiss(notice_id))

    def _change(self, notice_id: Any, change: Callable[[], None]) -> None:
        """Make `change` now, or once the notice's toast has had time to show."""
        held = self._held.get(notice_id)
        if held is None:
            change()
        else:
            held.append(change)

    def _hold(self, notice_id: Any) -> None:
        """Keep the notice's changes back until its toast has had time to show."""
        self._held[notice_id] = []
        asyncio.get_event_loop().call_later(DRAWING_SECONDS, self._release, notice_id)

    def _release(self, notice_id: Any) -> None:
        # In their order: a dismissal stays after the updates before it.
        for change in self._held.pop(notice_id, []):
            change()

    def emit_with_actions(
        self, message: str, kind: str, actions: list[Action]
    ) -> tuple[Any, list[Any]] | None:
        """A notice with buttons that stays until dismissed; its id and the proxies of its
        buttons, for `free_later`. None where notices cannot show."""
        if self.notification is None:
            return None
        proxies = [compat.create_proxy(callback) for _label, callback, _display in actions]
        buttons = [
            {"label": label, "callback": proxy, "displayType": display}
            for (label, _callback, display), proxy in zip(actions, proxies, strict=True)
        ]
        options: dict[str, Any] = {"autoClose": False, "actions": buttons}
        proxies += self._fit(message, kind, options)
        notice_id = self.notification.emit(options.pop("message"), kind, compat.to_js(options))
        self._hold(notice_id)
        return notice_id, proxies


def free_later(proxies: list[Any], seconds: float) -> None:
    if not proxies:
        return
    loop = asyncio.get_event_loop()
    for proxy in proxies:
        loop.call_later(seconds, compat.destroy_proxy, proxy)
