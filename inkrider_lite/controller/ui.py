"""The controller's visible parts: the status item and the Help entry for the runtime guide."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._compat import compat

if TYPE_CHECKING:
    from .app import Controller

STATUS_ID = "inkrider-lite:status"
GUIDE_COMMAND = "inkrider:open-runtime-guide"
GUIDE_PATH = "inkrider/docs/jupyterlite-runtime.html"

_items: dict[int, Any] = {}


def status_text(controller: Controller) -> str:
    budget = controller.workers.budget
    return f"InkRider: local · {budget.bound}/{budget.cap} sessions"


async def install(controller: Controller) -> None:
    handles = controller._handles
    app = handles.app
    widgets = await handles.requireShared("@lumino/widgets")
    controller.notification = (await handles.requireShared("@jupyterlab/apputils")).Notification

    item = widgets.Widget.new()
    item.id = "inkrider-status"
    item.addClass("inkrider-status")
    item.node.title = "InkRider Lite: where new cell runs start, and how many sessions are live"
    item.node.style.padding = "0 6px"
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


def refresh(controller: Controller) -> None:
    item = _items.get(id(controller))
    if item is not None:
        item.node.textContent = status_text(controller)
