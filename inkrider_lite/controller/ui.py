"""The controller's visible parts: the status item, the Help entry for the runtime guide, and
the Session Explorer (explorer.py), which the status item opens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._compat import compat
from . import explorer, runtime_form

if TYPE_CHECKING:
    from .app import Controller

STATUS_ID = "inkrider-lite:status"
GUIDE_COMMAND = "inkrider:open-runtime-guide"
GUIDE_PATH = "inkrider/docs/jupyterlite-runtime.html"
SERVER_GUIDE_COMMAND = "inkrider:open-server-guide"

#: Each controller's two status spans: where runs start, and the sessions.
_items: dict[int, list[Any]] = {}


def status_parts(controller: Controller) -> tuple[str, str]:
    """Where new runs start, then the sessions: ("InkRider: local", "1/3 sessions"), or
    ("InkRider: remote 127.0.0.1:8888", "1 local session · 2 remote")."""
    budget = controller.workers.budget
    waiting = controller.workers.limiter.waiting
    remote = sum(1 for k in controller.sessions.values() if k.runtime_label.startswith("remote"))
    if controller.selected_runtime().kind == "remote":
        address, _token, _kernel = controller.remote_configuration()
        where = f"remote {address.display if address is not None else '(no server set)'}"
        local = "1 local session" if budget.bound == 1 else f"{budget.bound} local sessions"
        sessions = [local, f"{remote} remote"] if remote else [local]
    else:
        where = "local"
        sessions = [f"{budget.bound}/{budget.cap} sessions"]
        if remote:
            sessions.append(f"{remote} remote session{'s' if remote > 1 else ''}")
    if waiting:
        sessions.append(f"{waiting} waiting")
    return f"InkRider: {where}", " · ".join(sessions)


async def install(controller: Controller) -> None:
    handles = controller._handles
    app = handles.app
    widgets = await handles.requireShared("@lumino/widgets")
    controller.notifier.attach((await handles.requireShared("@jupyterlab/apputils")).Notification)

    item = widgets.Widget.new()
    item.id = "inkrider-status"
    item.addClass("inkrider-status")
    item.node.style.padding = "0 6px"
    document = item.node.ownerDocument
    # Two buttons: where new runs start (opens Settings → Runtime), and the sessions (opens
    # the Session Explorer).
    parts = []
    for part, title, opener in (
        ("runtime", "Where new cell runs start. Click to change the runtime.", runtime_form.show),
        ("sessions", "Live sessions. Click to open the Session Explorer.", explorer.show),
    ):
        span = document.createElement("span")
        span.className = f"inkrider-status-{part}"
        span.title = title
        span.style.cursor = "pointer"
        span.setAttribute("role", "button")
        span.setAttribute("tabindex", "0")
        _on_activate(controller, span, opener)
        item.node.appendChild(span)
        parts.append(span)
    _items[id(controller)] = parts
    refresh(controller)
    if handles.statusBar is not None:
        handles.statusBar.registerStatusItem(
            STATUS_ID, compat.to_js({"item": item, "align": "left", "rank": 100})
        )
    else:  # Jupyter Notebook's single-document page has no status bar
        item.node.style.alignSelf = "center"
        item.node.style.fontSize = "var(--jp-ui-font-size1)"
        app.shell.add(item, "top", compat.to_js({"rank": 1000}))

    for command, path, label, caption in (
        (
            GUIDE_COMMAND,
            GUIDE_PATH,
            "JupyterLite Runtime guide (InkRider)",
            "What runs where, what works offline, and how to fix common problems",
        ),
        (
            SERVER_GUIDE_COMMAND,
            runtime_form.GUIDE_PATH,
            "External Jupyter Server guide (InkRider)",
            "Run notebooks on your own Jupyter Server: start, connect, troubleshoot",
        ),
    ):
        _guide_command(controller, command, f"{controller.urls.site_url}{path}", label, caption)
    explorer.install(controller, widgets)
    runtime_form.install(controller, widgets)


def _guide_command(
    controller: Controller, command: str, url: str, label: str, caption: str
) -> None:
    handles = controller._handles
    open_guide = compat.create_proxy(lambda *_: handles.openWindow(url))
    controller._proxies.append(open_guide)
    handles.app.commands.addCommand(
        command, compat.to_js({"label": label, "caption": caption, "execute": open_guide})
    )
    if handles.mainMenu is not None:
        handles.mainMenu.helpMenu.addGroup(compat.to_js([{"command": command}]), 1)
    if handles.palette is not None:
        handles.palette.addItem(compat.to_js({"command": command, "category": "Help"}))


def _on_activate(controller: Controller, node: Any, opener: Any) -> None:
    def on_key(event: Any) -> None:
        if event.key in ("Enter", " "):
            event.preventDefault()
            opener(controller)

    on_click = compat.create_proxy(lambda *_: opener(controller))
    on_keydown = compat.create_proxy(on_key)
    controller._proxies.extend([on_click, on_keydown])
    node.addEventListener("click", on_click)
    node.addEventListener("keydown", on_keydown)


def refresh(controller: Controller) -> None:
    parts = _items.get(id(controller))
    if parts is not None:
        runtime, sessions = parts
        where, rest = status_parts(controller)
        runtime.textContent = where
        sessions.textContent = f" · {rest}"
    explorer.refresh(controller)
