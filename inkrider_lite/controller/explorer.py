"""The Session Explorer: every live InkRider session, with Interrupt and Close.

A Lumino widget whose DOM this module builds and owns. It opens in the shell's right area (in
JupyterLab and in Jupyter Notebook alike) from the Tools menu, the command palette and the
status item. What a row says comes from `sessions.explorer_rows`; here it only goes into the
page, always as text (`textContent`, `setAttribute`), never as markup. While the panel is hidden
a refresh costs nothing: it is drawn again when it shows.

Its buttons act through the session registry (live sessions) and the detached kernels (remote
kernels no page relays), both given in `ExplorerDeps`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._compat import compat
from ..sessions.explorer_rows import (
    EMPTY_TEXT,
    UNKNOWN,
    SessionRow,
    close_all_text,
    count_text,
    other_tabs_text,
    rows_for,
)
from .dom import child, element, panel_rules

if TYPE_CHECKING:
    from .detached_kernels import DetachedKernels
    from .keepalive import ProxyKeeper, Spawn
    from .lab_handles import LabHandles
    from .session_registry import SessionRegistry

EXPLORER_ID = "inkrider-session-explorer"
OPEN_COMMAND = "inkrider:open-session-explorer"
TOOLS_MENU_ID = "inkrider-tools-menu"
TOOLS_MENU_RANK = 900
RIGHT_AREA_RANK = 1000
PALETTE_CATEGORY = "InkRider"

# Fixed text, scoped to the panel; only JupyterLab's theme variables for colours and sizes.
CSS = (
    panel_rules(EXPLORER_ID)
    + f"""
#{EXPLORER_ID} {{
  display: flex; flex-direction: column; overflow-y: auto; min-width: 220px;
  background: var(--jp-layout-color1); color: var(--jp-ui-font-color1);
  font-family: var(--jp-ui-font-family); font-size: var(--jp-ui-font-size1);
}}
#{EXPLORER_ID} .inkrider-explorer-header {{
  display: flex; flex-wrap: wrap; align-items: center; gap: 6px 8px; padding: 6px 8px;
  border-bottom: var(--jp-border-width) solid var(--jp-border-color2);
}}
#{EXPLORER_ID} .inkrider-explorer-title {{
  font-weight: 600; text-transform: uppercase; letter-spacing: 0.5px;
  font-size: var(--jp-ui-font-size0);
}}
#{EXPLORER_ID} .inkrider-explorer-count {{
  flex: 1; color: var(--jp-ui-font-color2); white-space: nowrap;
}}
#{EXPLORER_ID} .inkrider-explorer-header button {{ white-space: nowrap; }}
#{EXPLORER_ID} .inkrider-other-tabs {{ padding: 8px; color: var(--jp-ui-font-color2); }}
#{EXPLORER_ID} .inkrider-session-empty {{ padding: 12px 8px; color: var(--jp-ui-font-color2); }}
#{EXPLORER_ID} .inkrider-session-row {{
  display: flex; flex-direction: column; gap: 3px; padding: 6px 8px;
  border-bottom: var(--jp-border-width) solid var(--jp-border-color2);
}}
#{EXPLORER_ID} .inkrider-session-line {{
  display: flex; flex-wrap: wrap; align-items: center; gap: 4px 6px;
}}
#{EXPLORER_ID} .inkrider-session-path {{ font-weight: 600; overflow-wrap: anywhere; }}
#{EXPLORER_ID} .inkrider-session-meta {{
  flex-wrap: wrap; column-gap: 10px; row-gap: 2px; color: var(--jp-ui-font-color2);
}}
#{EXPLORER_ID} .inkrider-session-label {{ color: var(--jp-ui-font-color3); }}
/* A long state ("unreachable: the server is not answering") keeps a readable width and the
   buttons go to the next line; it was squeezed into a column a word wide beside them. */
#{EXPLORER_ID} .inkrider-session-state {{ flex: 1 1 14em; min-width: 0; }}
#{EXPLORER_ID} .inkrider-session-state::before {{
  content: ""; display: inline-block; width: 8px; height: 8px; border-radius: 50%;
  margin-right: 4px; background: var(--jp-ui-font-color3);
}}
#{EXPLORER_ID} [data-state="idle"] .inkrider-session-state::before {{
  background: var(--jp-success-color1);
}}
#{EXPLORER_ID} [data-state="busy"] .inkrider-session-state::before {{
  background: var(--jp-warn-color1);
}}
#{EXPLORER_ID} [data-state="starting"] .inkrider-session-state::before,
#{EXPLORER_ID} [data-state="installing"] .inkrider-session-state::before {{
  background: var(--jp-brand-color1);
}}
#{EXPLORER_ID} .inkrider-session-packages-line {{
  display: flex; flex-wrap: wrap; align-items: baseline; gap: 2px 6px;
  color: var(--jp-ui-font-color2);
}}
#{EXPLORER_ID} .inkrider-session-packages-line > .inkrider-session-field {{ flex: 1 1 14em; }}
#{EXPLORER_ID} .inkrider-session-packages {{ overflow-wrap: anywhere; }}
#{EXPLORER_ID} button.jp-Button {{
  height: 22px; min-height: 22px; line-height: 22px; padding: 0 8px; flex: none;
  font-size: var(--jp-ui-font-size0); letter-spacing: 0;
}}
"""
)


@dataclass(frozen=True)
class ExplorerDeps:
    lab: LabHandles
    proxies: ProxyKeeper
    sessions: SessionRegistry
    detached: DetachedKernels
    spawn: Spawn
    #: The plan gate: only then are detached remote kernels looked for.
    remote_enabled: bool
    #: Opens a dialog with a title and a text shown whole (Notifier.show_text).
    show_text: Callable[[str, str], bool] = lambda _title, _text: False
    #: Slot labels that other tabs of the site hold (BrowserSlots.elsewhere).
    other_tabs: Callable[[], list[str]] = lambda: []
    #: Opens the Execution Tool (controller/execution_tool.py).
    open_execution_tool: Callable[[], None] = lambda: None
    #: Asks before Close all (Notifier.confirm): title, text, the accepting button's label.
    confirm: Callable[[str, str, str], Awaitable[bool]] = lambda *_: _yes()


async def _yes() -> bool:
    return True


#: Classes of the buttons; jp-mod-styled gives them the theme's look.
BUTTON_CLASS = {
    "interrupt": "jp-Button jp-mod-small jp-mod-styled jp-mod-accept",
    "close": "jp-Button jp-mod-small jp-mod-styled jp-mod-reject",
    "close-all": "jp-Button jp-mod-small jp-mod-styled jp-mod-reject",
    "reconnect": "jp-Button jp-mod-small jp-mod-styled jp-mod-accept",
    "details": "jp-Button jp-mod-small jp-mod-styled",
    "execution-tool": "jp-Button jp-mod-small jp-mod-styled",
}


CLOSE_TITLES = {
    "Close": "End this session: its variables are lost; the notebook stays open",
    # A session whose server died is closed by starting afresh: the next run binds anew.
    "Start fresh": "Let this session go: the next run starts a new one",
    "Forget": "Take it off this list: the server does not answer, so nothing can be shut down",
}


class _RowView:
    """The nodes of one row, kept so that a refresh only touches what changed."""

    def __init__(self, document: Any, kernel_id: str) -> None:
        self.row: SessionRow | None = None
        el = self.element = element(document, "div", "inkrider-session-row")
        el.setAttribute("data-kernel-id", kernel_id)
        el.setAttribute("role", "listitem")

        # The path on a line of its own, whole: in a narrow side panel, cut paths look alike.
        self.path = child(document, el, "div", "inkrider-session-path")
        status = child(document, el, "div", "inkrider-session-line")
        self.state = child(document, status, "span", "inkrider-session-state")
        self.interrupt = _button(document, status, "interrupt", "Interrupt")
        self.reconnect = _button(document, status, "reconnect", "Reconnect")
        self.close = _button(document, status, "close", "Close")

        meta = child(document, el, "div", "inkrider-session-line inkrider-session-meta")
        self.runtime = _labelled(document, meta, "Runtime", "inkrider-session-runtime")
        self.started = _labelled(document, meta, "Started", "inkrider-session-started")
        self.memory = _labelled(document, meta, "Memory", "inkrider-session-memory")

        self.packages_line = child(document, el, "div", "inkrider-session-packages-line")
        self.packages = _labelled(
            document, self.packages_line, "Packages", "inkrider-session-packages"
        )
        # The tooltip is out of the keyboard's reach: the button shows the same text.
        self.details = _button(document, self.packages_line, "details", "Details")

    def update(self, row: SessionRow) -> None:
        old = self.row
        if old == row:
            return
        self.row = row
        if old is None or old.path != row.path:
            self.path.textContent = row.path
            self.interrupt.setAttribute("aria-label", f"Interrupt {row.path}")
            self.close.setAttribute("aria-label", f"Close the session of {row.path}")
        if old is None or old.state != row.state:
            self.element.setAttribute("data-state", row.state)
        _set_text(self.state, row.state_text, old and old.state_text)
        _set_text(self.runtime, row.runtime, old and old.runtime)
        _set_text(self.started, row.started_text, old and old.started_text)
        _set_text(self.memory, row.memory_text, old and old.memory_text)
        if old is None or old.memory_detail != row.memory_detail:
            self.memory.setAttribute("title", row.memory_detail)
        _set_text(self.packages, row.packages_text, old and old.packages_text)
        if old is None or old.packages_detail != row.packages_detail:
            self.packages_line.setAttribute("title", row.packages_detail)
            self.details.setAttribute("aria-label", f"Package details of {row.path}")
        self.packages_line.hidden = row.packages_text == UNKNOWN
        self.details.hidden = not row.packages_detail
        self.interrupt.disabled = not row.can_interrupt
        self.close.disabled = not row.can_close
        self.reconnect.hidden = not row.can_reconnect
        # A lost link (Reconnect, or only Start fresh once the kernel is gone) has nothing to
        # interrupt: no greyed button beside Start fresh.
        self.interrupt.hidden = row.state == "dead" or row.detached
        self.close.textContent = row.close_text
        self.element.setAttribute("data-detached", "true" if row.detached else "false")
        self.interrupt.title = (
            "Stop the running cell" if row.can_interrupt else "Nothing is running"
        )
        self.close.title = CLOSE_TITLES.get(row.close_text, CLOSE_TITLES["Close"])
        self.reconnect.title = (
            f"Connect {row.path} to this kernel again; its variables are kept"
            if row.detached
            else "Connect again, if the server kept the kernel"
        )


class SessionExplorer:
    """The panel of one controller."""

    def __init__(self, deps: ExplorerDeps, widgets: Any) -> None:
        self._deps = deps
        widget = self.widget = widgets.Widget.new()
        widget.id = EXPLORER_ID
        widget.addClass("inkrider-session-explorer")
        widget.title.label = "Sessions"
        widget.title.caption = "InkRider Session Explorer"
        node = widget.node
        document = self._document = node.ownerDocument

        style = document.createElement("style")
        style.textContent = CSS
        node.appendChild(style)

        header = child(document, node, "div", "inkrider-explorer-header")
        title = child(document, header, "span", "inkrider-explorer-title")
        title.textContent = "Sessions"
        self._count = child(document, header, "span", "inkrider-explorer-count")
        self._close_all = _button(document, header, "close-all", "Close all")
        self._close_all.title = "End every session; the notebooks stay open"
        tool = _button(document, header, "execution-tool", "Execution Tool…")
        tool.title = "Run whole notebooks in fresh sessions, up to 3 at a time"

        self._empty = child(document, node, "div", "inkrider-session-empty")
        self._empty.textContent = EMPTY_TEXT
        self._list = child(document, node, "div", "inkrider-session-list")
        self._other_tabs = child(document, node, "div", "inkrider-other-tabs")
        self._other_tabs.hidden = True
        self._list.setAttribute("role", "list")
        self._views: dict[str, _RowView] = {}
        self._order: list[str] = []

        on_click = deps.proxies.create_proxy(self._on_click)
        on_show = deps.proxies.create_proxy(lambda *_: self.render())
        on_sessions = deps.proxies.create_proxy(lambda *_: self.refresh())
        node.addEventListener("click", on_click)
        # A notebook renamed or moved: its row follows.
        self._sessions = deps.lab.app.serviceManager.sessions
        self._sessions.runningChanged.connect(on_sessions)
        # Lumino calls this on the instance: drawn again whenever it comes into view.
        widget.onAfterShow = on_show

    @property
    def visible(self) -> bool:
        return bool(self.widget.isVisible)

    def refresh(self) -> None:
        if self.visible:
            self.render()

    def render(self) -> None:
        sessions = self._deps.sessions
        rows = rows_for(sessions.kernels.values(), paths=sessions.notebook_paths())
        rows += self._deps.detached.rows()
        wanted = [row.kernel_id for row in rows]
        for kernel_id in set(self._views) - set(wanted):
            self._list.removeChild(self._views.pop(kernel_id).element)
        for row in rows:
            view = self._views.get(row.kernel_id)
            if view is None:
                view = self._views[row.kernel_id] = _RowView(self._document, row.kernel_id)
            view.update(row)
        if wanted != self._order:
            # appendChild moves a node that is already there; only when the order changed.
            for kernel_id in wanted:
                self._list.appendChild(self._views[kernel_id].element)
            self._order = wanted
        self._count.textContent = count_text(rows)
        self._empty.hidden = bool(rows)
        elsewhere = other_tabs_text(self._deps.other_tabs())
        if self._other_tabs.textContent != elsewhere:
            self._other_tabs.textContent = elsewhere
        self._other_tabs.hidden = not elsewhere
        self._close_all.disabled = not any(row.can_close for row in rows)

    async def _confirm_close_all(self) -> None:
        """Close all ends every session listed, local and remote: asked first, as JupyterLab's
        own Shut Down All is."""
        sessions, detached = self._deps.sessions, self._deps.detached
        rows = rows_for(sessions.kernels.values(), paths=sessions.notebook_paths())
        text = close_all_text(rows + detached.rows())
        if not await self._deps.confirm("Close all sessions?", text, "Close all"):
            return
        _act("closing every session", sessions.close_all)
        await detached.close_all()

    def _on_click(self, event: Any) -> None:
        button = event.target.closest("button[data-action]")
        if compat.is_null(button) or button.disabled:
            return
        sessions, detached, spawn = self._deps.sessions, self._deps.detached, self._deps.spawn
        action = button.getAttribute("data-action")
        if action == "execution-tool":
            _act("opening the Execution Tool", self._deps.open_execution_tool)
            return
        if action == "close-all":
            spawn(self._confirm_close_all())
            return
        row = button.closest(".inkrider-session-row")
        kernel_id = None if compat.is_null(row) else row.getAttribute("data-kernel-id")
        if compat.is_null(kernel_id):
            return
        view = self._views.get(kernel_id)
        if action == "details" and view is not None and view.row is not None:
            shown = view.row
            _act(
                f"showing the packages of {kernel_id}",
                lambda: self._deps.show_text(f"{shown.path}: packages", shown.packages_detail),
            )
        elif row.getAttribute("data-detached") == "true":
            if action == "close":
                spawn(detached.close(kernel_id))
            elif action == "reconnect":
                spawn(detached.reconnect(kernel_id))
        elif action == "close":
            _act(f"closing session {kernel_id}", lambda: sessions.close(kernel_id))
        elif action == "reconnect":
            _act(f"reconnecting session {kernel_id}", lambda: sessions.reconnect(kernel_id))
        elif action == "interrupt":
            _act(f"interrupting session {kernel_id}", lambda: sessions.interrupt(kernel_id))
        self.refresh()


#: The panel and the Lumino widgets module of each ExplorerDeps (one per controller), by its id.
_explorers: dict[int, SessionExplorer] = {}
_widgets: dict[int, Any] = {}


def install(deps: ExplorerDeps, widgets: Any) -> None:
    """The command, its palette entry, and the Tools menu that holds it. The panel itself is
    made on first open."""
    lab = deps.lab
    app = lab.app
    _widgets[id(deps)] = widgets
    execute = deps.proxies.create_proxy(lambda *_: show(deps))
    app.commands.addCommand(
        OPEN_COMMAND,
        compat.to_js(
            {
                "label": "Session Explorer",
                "caption": "Every InkRider session: its state, memory and packages; "
                "interrupt or close it",
                "execute": execute,
            }
        ),
    )
    if lab.palette is not None:
        lab.palette.addItem(compat.to_js({"command": OPEN_COMMAND, "category": PALETTE_CATEGORY}))
    if lab.main_menu is not None:
        try:
            menu = tools_menu(lab.main_menu, app, widgets)
            menu.addItem(compat.to_js({"command": OPEN_COMMAND}))
        except Exception as error:  # the palette and the status item still open it
            compat.log_error("could not add the Tools menu", error)


def tools_menu(main_menu: Any, app: Any, widgets: Any) -> Any:
    """JupyterLab has no Tools menu: make one, or join one another extension made."""
    for menu in main_menu.menus:
        if menu.id == TOOLS_MENU_ID or menu.title.label == "Tools":
            return menu
    menu = widgets.Menu.new(compat.to_js({"commands": app.commands}))
    menu.id = TOOLS_MENU_ID
    menu.title.label = "Tools"
    main_menu.addMenu(menu, True, compat.to_js({"rank": TOOLS_MENU_RANK}))
    return menu


def show(deps: ExplorerDeps) -> None:
    """Open the explorer in the right area, making it on first use, and bring it into view."""
    explorer = _explorers.get(id(deps))
    widgets = _widgets.get(id(deps))
    if explorer is None or explorer.widget.isDisposed:
        if widgets is None:  # install() never ran
            return
        explorer = _explorers[id(deps)] = SessionExplorer(deps, widgets)
    shell = deps.lab.app.shell
    if compat.is_null(explorer.widget.parent):
        shell.add(explorer.widget, "right", compat.to_js({"rank": RIGHT_AREA_RANK}))
    shell.activateById(EXPLORER_ID)
    if not explorer.visible and hasattr(shell, "expandRight"):
        # Jupyter Notebook's shell; older ones do not find right-area widgets by id.
        shell.expandRight(EXPLORER_ID)
    explorer.render()
    if deps.remote_enabled:  # another tab may have closed since: its kernels show now
        deps.spawn(deps.detached.refresh())


def is_visible(deps: ExplorerDeps) -> bool:
    explorer = _explorers.get(id(deps))
    return explorer is not None and explorer.visible


def refresh(deps: ExplorerDeps) -> None:
    explorer = _explorers.get(id(deps))
    if explorer is not None:
        explorer.refresh()


def _act(what: str, action: Callable[[], object]) -> None:
    """A button's action; a failure is logged, and the panel stays usable."""
    try:
        action()
    except Exception as error:
        compat.log_error(f"{what} failed", error)


# -- building nodes, as text only ------------------------------------------------------------


def _button(document: Any, parent: Any, action: str, text: str) -> Any:
    button = child(document, parent, "button", BUTTON_CLASS[action])
    button.type = "button"
    button.setAttribute("data-action", action)
    button.textContent = text
    return button


def _labelled(document: Any, parent: Any, label: str, classes: str) -> Any:
    """A muted label, then the value's own span, e.g. "Started" 14:03:22."""
    pair = child(document, parent, "span", "inkrider-session-field")
    child(document, pair, "span", "inkrider-session-label").textContent = f"{label} "
    return child(document, pair, "span", classes)


def _set_text(node: Any, text: str, old: str | None) -> None:
    if text != old:
        node.textContent = text
