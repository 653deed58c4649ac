"""The controller's visible parts: the status item, the Help entries for the guides, the Session
Explorer (explorer.py) and Settings → Runtime… (runtime_form.py), which the status item opens."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from .._compat import compat
from ..sessions.kernel_label import kernel_gone
from . import execution_tool, explorer, runtime_form

if TYPE_CHECKING:
    from ..runtimes.base import Runtime
    from ..runtimes.local.workers import LocalWorkers
    from ..runtimes.remote.address import ServerAddress
    from .keepalive import ProxyKeeper
    from .lab_handles import LabHandles
    from .notifier import Notifier
    from .routing_kernel import RoutingKernel
    from .site_urls import SiteUrls

STATUS_ID = "inkrider-lite:status"
GUIDE_COMMAND = "inkrider:open-runtime-guide"
GUIDE_PATH = "inkrider/docs/jupyterlite-runtime.html"
SERVER_GUIDE_COMMAND = "inkrider:open-server-guide"


@dataclass(frozen=True)
class StatusFacts:
    """What the status item tells: the local slots, the sessions, where new runs start."""

    workers: LocalWorkers
    sessions: Mapping[str, RoutingKernel]
    selected_runtime: Callable[[], Runtime]
    #: The server new remote sessions start on, as the settings have it now.
    remote_address: Callable[[], ServerAddress | None]
    #: Remote kernels that a page now gone left running (the Session Explorer lists them): the
    #: item said "0 local sessions" while one ran on the server (new-user pass, stop 27, D5).
    detached: Callable[[], int] = lambda: 0


@dataclass(frozen=True)
class UiDeps:
    lab: LabHandles
    proxies: ProxyKeeper
    #: Gets JupyterLab's Notification attached here, once the page has it.
    notifier: Notifier
    urls: SiteUrls
    status: StatusFacts
    explorer: explorer.ExplorerDeps
    runtime_form: runtime_form.RuntimeFormDeps
    execution_tool: execution_tool.ExecutionToolDeps | None = None


#: The two status spans of each UiDeps (one per controller), by its id: where runs start, and
#: the sessions.
_items: dict[int, list[Any]] = {}
#: The texts they show now.
_shown: dict[int, tuple[str, str]] = {}


def status_parts(facts: StatusFacts) -> tuple[str, str]:
    """Where new runs start, then the sessions: ("InkRider: local", "1/3 sessions"), or
    ("InkRider: remote 127.0.0.1:8888", "1 local session · 2 remote sessions")."""
    budget = facts.workers.budget
    waiting = facts.workers.waiting
    elsewhere = len(facts.workers.slots.sessions_elsewhere)
    # Sessions that run on a server now: a kernel whose remote start failed has none. One whose
    # server stopped answering is counted apart, as the Session Explorer's header counts it.
    on_servers = [
        k
        for k in facts.sessions.values()
        if k.session is not None and k.runtime_label.startswith("remote")
    ]
    lost = [k for k in on_servers if k.link == "lost"]
    gone = sum(kernel_gone(k) for k in lost)
    unreachable = len(lost) - gone
    remote = len(on_servers) - len(lost)
    if facts.selected_runtime().kind == "remote":
        address = facts.remote_address()
        where = f"remote {address.display if address is not None else '(no server set)'}"
        running = facts.workers.running
        local = "1 local session" if running == 1 else f"{running} local sessions"
        # Said as the local runtime's item says it.
        sessions = (
            [local, f"{remote} remote session{'s' if remote > 1 else ''}"] if remote else [local]
        )
    else:
        where = "local"
        sessions = [f"{facts.workers.running + elsewhere}/{budget.cap} sessions"]
        if elsewhere:
            sessions.append(f"{elsewhere} in other tabs")
        if remote:
            sessions.append(f"{remote} remote session{'s' if remote > 1 else ''}")
    if unreachable:
        sessions.append(f"{unreachable} unreachable")
    if gone:
        sessions.append(f"{gone} gone")
    if detached := facts.detached():
        sessions.append(f"{detached} detached")
    if waiting:
        sessions.append(f"{waiting} waiting")
    return f"InkRider: {where}", " · ".join(sessions)


async def install(deps: UiDeps) -> None:
    lab = deps.lab
    app = lab.app
    widgets = await lab.require_shared("@lumino/widgets")
    apputils = await lab.require_shared("@jupyterlab/apputils")
    deps.notifier.attach(apputils.Notification, apputils, widgets)

    item = widgets.Widget.new()
    item.id = "inkrider-status"
    item.addClass("inkrider-status")
    item.node.style.padding = "0 6px"
    document = item.node.ownerDocument
    # Two buttons: where new runs start (opens Settings → Runtime), and the sessions (opens
    # the Session Explorer).
    parts = []
    for part, title, opener in (
        (
            "runtime",
            "Where new cell runs start. Click to change the runtime.",
            partial(runtime_form.show, deps.runtime_form),
        ),
        (
            "sessions",
            "Live sessions. Click to open the Session Explorer.",
            partial(explorer.show, deps.explorer),
        ),
    ):
        span = document.createElement("span")
        # JupyterLab's text-item class: the same font and line height as the neighbours.
        span.className = f"inkrider-status-{part} jp-StatusBar-TextItem"
        span.title = title
        span.style.cursor = "pointer"
        span.setAttribute("role", "button")
        span.setAttribute("tabindex", "0")
        _on_activate(deps.proxies, span, opener)
        item.node.appendChild(span)
        parts.append(span)
    _items[id(deps)] = parts
    _shown.pop(id(deps), None)  # new spans: nothing shown in them yet
    refresh(deps)
    if lab.status_bar is not None:
        lab.status_bar.registerStatusItem(
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
        _guide_command(
            deps.lab, deps.proxies, command, f"{deps.urls.site_url}{path}", label, caption
        )
    explorer.install(deps.explorer, widgets)
    runtime_form.install(deps.runtime_form, widgets)
    if deps.execution_tool is not None:
        execution_tool.install(deps.execution_tool, widgets)


def _guide_command(
    lab: LabHandles, proxies: ProxyKeeper, command: str, url: str, label: str, caption: str
) -> None:
    open_guide = proxies.create_proxy(lambda *_: lab.open_window(url))
    lab.app.commands.addCommand(
        command, compat.to_js({"label": label, "caption": caption, "execute": open_guide})
    )
    if lab.main_menu is not None:
        lab.main_menu.helpMenu.addGroup(compat.to_js([{"command": command}]), 1)
    if lab.palette is not None:
        lab.palette.addItem(compat.to_js({"command": command, "category": "Help"}))


def _on_activate(proxies: ProxyKeeper, node: Any, opener: Callable[[], None]) -> None:
    def on_key(event: Any) -> None:
        if event.key in ("Enter", " "):
            event.preventDefault()
            opener()

    on_click = proxies.create_proxy(lambda *_: opener())
    on_keydown = proxies.create_proxy(on_key)
    node.addEventListener("click", on_click)
    node.addEventListener("keydown", on_keydown)


#: The UiDeps (by id) whose refresh waits for the next frame.
_requested: set[int] = set()


def request_refresh(deps: UiDeps) -> None:
    """Refresh the status item and the explorer before the next paint: however many session
    changes come in one frame (a busy and an idle status per request), they are drawn once."""
    key = id(deps)
    if key in _requested:
        return
    _requested.add(key)

    def run() -> None:
        _requested.discard(key)
        refresh(deps)

    compat.next_frame(run)


def refresh(deps: UiDeps) -> None:
    parts = _items.get(id(deps))
    if parts is not None:
        texts = status_parts(deps.status)
        # Each request's busy and idle refresh it; the text rarely changes, and a write would
        # still make the browser lay the status bar out again.
        if _shown.get(id(deps)) != texts:
            _shown[id(deps)] = texts
            runtime, sessions = parts
            runtime.textContent = texts[0]
            sessions.textContent = f" · {texts[1]}"
    explorer.refresh(deps.explorer)
