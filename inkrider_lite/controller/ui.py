"""The controller's visible parts: the status item, the Help entry for the runtime guide, and
the Session Explorer (explorer.py), which the status item opens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._compat import compat
from . import explorer

if TYPE_CHECKING:
    from .app import Controller

STATUS_ID = "inkrider-lite:status"
GUIDE_COMMAND = "inkrider:open-runtime-guide"
GUIDE_PATH = "inkrider/docs/jupyterlite-runtime.html"

_items: dict[int, Any] = {}


def status_text(controller: Controller) -> str:
    """Where new runs start, then the sessions: "InkRider: local · 1/3 sessions", or
    "InkRider: remote 127.0.0.1:8888 · 1 local session · 2 remote"."""
    budget = controller.workers.budget
    waiting = controller.workers.limiter.waiting
    remote = sum(1 for k in controller.sessions.values() if k.runtime_label.startswith("remote"))
    if controller.selected_runtime().kind == "remote":
        address, _token, _kernel = controller.remote_configuration()
        where = address.display if address is not None else "(no server set)"
        local = "1 local session" if budget.bound == 1 else f"{budget.bound} local sessions"
        text = f"InkRider: remote {where} · {local}"
    else:
        text = f"InkRider: local · {budget.bound}/{budget.cap} sessions"
    if remote and controller.selected_runtime().kind == "remote":
        text += f" · {remote} remote"
    elif remote:
        text += f" · {remote} remote session{'s' if remote > 1 else ''}"
    return f"{text} · {waiting} waiting" if waiting else text


async def install(controller: Controller) -> None:
    handles = controller._handles
    app = handles.app
    widgets = await handles.requireShared("@lumino/widgets")
    controller.notification = (await handles.requireShared("@jupyterlab/apputils")).Notification

    item = widgets.Widget.new()
    item.id = "inkrider-status"
    item.addClass("inkrider-status")
    item.node.title = (
        "InkRider Lite: where new cell runs start, and how many sessions are live."
        " Click to open the Session Explorer."
    )
    item.node.style.padding = "0 6px"
    item.node.style.cursor = "pointer"
    item.node.setAttribute("role", "button")
    item.node.setAttribute("tabindex", "0")

    def open_on_key(event: Any) -> None:
        if event.key in ("Enter", " "):
            event.preventDefault()
            explorer.show(controller)

    open_explorer = compat.create_proxy(lambda *_: explorer.show(controller))
    on_key = compat.create_proxy(open_on_key)
    controller._proxies.extend([open_explorer, on_key])
    item.node.addEventListener("click", open_explorer)
    item.node.addEventListener("keydown", on_key)
    _items[id(controller)] = item
    refresh(controller)
    if handles.statusBar is not None:
        handles.statusBar.registerStatusItem(
            STATUS_ID, compat.to_js({"item": item, "align": "left", "rank": 100})
        )
    else:  # Jupyter Notebook's single-document page has no status bar
        item.node.style.alignSelf = "center"
        item.node.style.fontSize = "var(--jp-ui-font-size1)"
        app.shell.add(item, "top", compat.to_js({"rank": 1000}))

    guide_url = f"{controller.site_url}{GUIDE_PATH}"
    open_guide = compat.create_proxy(lambda *_: handles.openWindow(guide_url))
    controller._proxies.append(open_guide)
    app.commands.addCommand(
        GUIDE_COMMAND,
        compat.to_js(
            {
                "label": "JupyterLite Runtime guide (InkRider)",
                "caption": "What runs where, what works offline, and how to fix common problems",
                "execute": open_guide,
            }
        ),
    )
    if handles.mainMenu is not None:
        handles.mainMenu.helpMenu.addGroup(compat.to_js([{"command": GUIDE_COMMAND}]), 1)
    if handles.palette is not None:
        handles.palette.addItem(compat.to_js({"command": GUIDE_COMMAND, "category": "Help"}))
    explorer.install(controller, widgets)


def refresh(controller: Controller) -> None:
    item = _items.get(id(controller))
    if item is not None:
        item.node.textContent = status_text(controller)
    explorer.refresh(controller)
