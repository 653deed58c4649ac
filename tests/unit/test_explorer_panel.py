"""inkrider_lite.controller.explorer against a small fake DOM and a fake Lumino shell.

The fake elements have no innerHTML at all: the panel must build everything from text.
"""

from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass
from typing import Any

import pytest

from inkrider_lite.controller import explorer
from inkrider_lite.controller.keepalive import ProxyKeeper
from inkrider_lite.controller.lab_handles import LabHandles
from inkrider_lite.sessions.explorer_rows import SessionRow, detached_row
from inkrider_lite.sessions.lifecycle import SessionState

from .fakes import FakeSignal

# -- a fake DOM -------------------------------------------------------------------------------


class Text:
    def __init__(self, text: str) -> None:
        self.text = text


class Element:
    def __init__(self, document: Document, tag: str) -> None:
        self.ownerDocument = document
        self.tagName = tag.upper()
        self.className = ""
        self.attributes: dict[str, str] = {}
        self.children: list[Any] = []
        self.parentNode: Element | None = None
        self.listeners: dict[str, list[Any]] = {}
        self.hidden = False
        self.disabled = False
        self.title = ""
        self.type = ""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("innerHTML", "outerHTML"):
            raise AssertionError(f"{name} must not be used")
        super().__setattr__(name, value)

    @property
    def textContent(self) -> str:
        return "".join(c.text if isinstance(c, Text) else c.textContent for c in self.children)

    @textContent.setter
    def textContent(self, value: str) -> None:
        self.children = [Text(value)] if value else []

    def appendChild(self, child: Element) -> Element:
        if child.parentNode is not None:
            child.parentNode.children.remove(child)
        child.parentNode = self
        self.children.append(child)
        return child

    def removeChild(self, child: Element) -> Element:
        self.children.remove(child)
        child.parentNode = None
        return child

    def setAttribute(self, name: str, value: str) -> None:
        self.attributes[name] = str(value)

    def getAttribute(self, name: str) -> str | None:
        return self.attributes.get(name)

    def removeAttribute(self, name: str) -> None:
        self.attributes.pop(name, None)

    def addEventListener(self, kind: str, listener: Any) -> None:
        self.listeners.setdefault(kind, []).append(listener)

    def matches(self, selector: str) -> bool:
        if selector.startswith("."):
            return selector[1:] in self.className.split()
        tag, _, attribute = selector.partition("[")
        return self.tagName == tag.upper() and attribute.rstrip("]") in self.attributes

    def closest(self, selector: str) -> Element | None:
        node: Element | None = self
        while node is not None and not node.matches(selector):
            node = node.parentNode
        return node

    def find_all(self, selector: str) -> list[Element]:
        found = []
        for child in self.children:
            if isinstance(child, Element):
                if child.matches(selector):
                    found.append(child)
                found.extend(child.find_all(selector))
        return found

    def find(self, selector: str) -> Element:
        (found,) = self.find_all(selector)
        return found

    def click(self) -> None:
        event = type("Event", (), {"target": self})()
        node: Element | None = self
        while node is not None:
            for listener in node.listeners.get("click", []):
                listener(event)
            node = node.parentNode


class Document:
    def createElement(self, tag: str) -> Element:
        return Element(self, tag)


# -- fake Lumino and JupyterLab ---------------------------------------------------------------


class Title:
    label = ""
    caption = ""


class Widget:
    def __init__(self, document: Document) -> None:
        self.id = ""
        self.node = document.createElement("div")
        self.title = Title()
        self.parent: Any = None
        self.isVisible = False
        self.isDisposed = False
        self.onAfterShow: Any = None

    @property
    def isAttached(self) -> bool:
        return self.parent is not None

    def addClass(self, name: str) -> None:
        self.node.className = f"{self.node.className} {name}".strip()

    def show(self) -> None:
        """Lumino sends after-show once the widget is in view."""
        self.isVisible = True
        if self.onAfterShow is not None:
            self.onAfterShow({"type": "after-show"})


class Menu:
    def __init__(self, options: dict[str, Any]) -> None:
        self.commands = options["commands"]
        self.id = ""
        self.title = Title()
        self.items: list[dict[str, Any]] = []

    def addItem(self, item: dict[str, Any]) -> None:
        self.items.append(item)


class Widgets:
    def __init__(self, document: Document) -> None:
        document_ = document
        self.Widget = type("WidgetClass", (), {"new": staticmethod(lambda: Widget(document_))})
        self.Menu = type("MenuClass", (), {"new": staticmethod(lambda options: Menu(options))})


class MainMenu:
    def __init__(self) -> None:
        self.menus: list[Menu] = []
        self.added: list[tuple[Menu, bool, dict[str, Any]]] = []

    def addMenu(self, menu: Menu, update: bool, options: dict[str, Any]) -> None:
        self.menus.append(menu)
        self.added.append((menu, update, options))


class Commands:
    def __init__(self) -> None:
        self.commands: dict[str, dict[str, Any]] = {}

    def addCommand(self, command_id: str, options: dict[str, Any]) -> None:
        self.commands[command_id] = options

    def execute(self, command_id: str) -> Any:
        return self.commands[command_id]["execute"]()


class SessionManager:
    """JupyterLab's sessions: which notebook each kernel serves."""

    def __init__(self) -> None:
        self.models: list[Any] = []
        self.runningChanged = FakeSignal()

    def running(self) -> Any:
        return iter(self.models)

    def add(self, path: str, kernel_id: str | None) -> None:
        kernel = None if kernel_id is None else type("Kernel", (), {"id": kernel_id})()
        self.models.append(type("Model", (), {"path": path, "kernel": kernel})())


class Shell:
    def __init__(self) -> None:
        self.areas: dict[str, list[tuple[Widget, dict[str, Any]]]] = {}

    def add(self, widget: Widget, area: str, options: dict[str, Any] | None = None) -> None:
        self.areas.setdefault(area, []).append((widget, options))
        widget.parent = self

    def activateById(self, widget_id: str) -> None:
        for widgets in self.areas.values():
            for widget, _ in widgets:
                if widget.id == widget_id:
                    widget.show()


@dataclass
class Session:
    id: str
    state: Any = SessionState.IDLE
    location: str = "examples"
    started_at: float | None = None
    queue_position: int | None = None
    memory_bytes: int | None = None
    requirements: Any = None
    runtime_label: str = "local"


class Sessions:
    """The session registry: the routing kernels by id, their notebooks, and what was asked."""

    def __init__(self, notebooks: SessionManager, calls: list[tuple[str, str | None]]) -> None:
        self.notebooks = notebooks
        self.kernels: dict[str, Session] = {}
        self.calls = calls

    def notebook_paths(self) -> dict[str, str]:
        return {
            str(model.kernel.id): str(model.path)
            for model in self.notebooks.running()
            if model.kernel is not None
        }

    def close(self, kernel_id: str) -> bool:
        self.calls.append(("close", kernel_id))
        return True

    def close_all(self) -> int:
        self.calls.append(("close-all", None))
        return 0

    def interrupt(self, kernel_id: str) -> str:
        self.calls.append(("interrupt", kernel_id))
        return "interrupted"


class DetachedKernels:
    """The detached remote kernels: rows to show, and what was asked of them."""

    def __init__(self, calls: list[tuple[str, str | None]]) -> None:
        self.listed: list[SessionRow] = []
        self.calls = calls

    def rows(self) -> list[SessionRow]:
        return self.listed

    async def refresh(self) -> None:
        self.calls.append(("refresh-detached", None))

    async def reconnect(self, kernel_id: str) -> bool:
        self.calls.append(("reconnect-detached", kernel_id))
        return True

    async def close(self, kernel_id: str) -> bool:
        self.calls.append(("close-detached", kernel_id))
        return True

    async def close_all(self) -> None:
        self.calls.append(("close-all-detached", None))


def spawn(coroutine: Any) -> None:
    """Run at once: the fakes' coroutines never wait."""
    with contextlib.suppress(StopIteration):
        coroutine.send(None)


class Harness:
    """The explorer's collaborators, as fakes that the tests set up and look into."""

    def __init__(
        self, main_menu: MainMenu | None = None, palette: Any = None, remote_enabled: bool = False
    ) -> None:
        self.notebooks = SessionManager()
        service_manager = type("ServiceManager", (), {"sessions": self.notebooks})()
        self.app = type(
            "App",
            (),
            {"commands": Commands(), "shell": Shell(), "serviceManager": service_manager},
        )()
        self.calls: list[tuple[str, str | None]] = []
        self.sessions = Sessions(self.notebooks, self.calls)
        self.detached_kernels = DetachedKernels(self.calls)
        lab = LabHandles(
            self.app,
            require_shared=_not_used,
            open_window=_not_used,
            palette=palette,
            main_menu=main_menu,
        )
        self.deps = explorer.ExplorerDeps(
            lab,
            ProxyKeeper(),
            self.sessions,  # type: ignore[arg-type]
            self.detached_kernels,  # type: ignore[arg-type]
            spawn,
            remote_enabled,
        )


def _not_used(*_args: Any) -> Any:
    raise AssertionError("the explorer does not use this")


class Palette:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def addItem(self, item: dict[str, Any]) -> None:
        self.items.append(item)


@pytest.fixture
def document() -> Document:
    return Document()


def installed(document: Document, **kwargs: Any) -> Harness:
    harness = Harness(**kwargs)
    explorer.install(harness.deps, Widgets(document))
    return harness


def button(node: Element, action: str) -> Element:
    (found,) = [
        b for b in node.find_all("button[data-action]") if b.getAttribute("data-action") == action
    ]
    return found


def opened(harness: Harness) -> Widget:
    harness.app.commands.execute(explorer.OPEN_COMMAND)
    ((widget, _),) = harness.app.shell.areas["right"]
    return widget


# -- the tests --------------------------------------------------------------------------------


def test_install_adds_the_command_palette_entry_and_a_tools_menu(document: Document) -> None:
    main_menu, palette = MainMenu(), Palette()
    harness = installed(document, main_menu=main_menu, palette=palette)
    command = harness.app.commands.commands[explorer.OPEN_COMMAND]
    assert command["label"] == "Session Explorer"
    assert palette.items == [{"command": explorer.OPEN_COMMAND, "category": "InkRider"}]
    ((menu, update, options),) = main_menu.added
    assert (menu.id, menu.title.label, update, options) == (
        "inkrider-tools-menu",
        "Tools",
        True,
        {"rank": 900},
    )
    assert menu.items == [{"command": explorer.OPEN_COMMAND}]
    assert "right" not in harness.app.shell.areas  # the panel is made on first open


def test_an_existing_tools_menu_is_joined(document: Document) -> None:
    main_menu = MainMenu()
    tools = Menu({"commands": None})
    tools.title.label = "Tools"
    main_menu.menus.append(tools)
    installed(document, main_menu=main_menu)
    assert main_menu.added == []
    assert tools.items == [{"command": explorer.OPEN_COMMAND}]


def test_opening_adds_the_panel_to_the_right_once(document: Document) -> None:
    harness = installed(document)
    widget = opened(harness)
    assert widget.id == "inkrider-session-explorer"
    assert (widget.title.label, widget.title.caption) == ("Sessions", "InkRider Session Explorer")
    assert harness.app.shell.areas["right"][0][1] == {"rank": 1000}
    assert widget.isVisible
    opened(harness)
    assert len(harness.app.shell.areas["right"]) == 1


def test_empty_state(document: Document) -> None:
    widget = opened(installed(document))
    empty = widget.node.find(".inkrider-session-empty")
    assert empty.textContent == "No sessions. A session starts when you run a cell."
    assert not empty.hidden
    assert widget.node.find_all(".inkrider-session-row") == []
    assert button(widget.node, "close-all").disabled


def test_rows_show_text_literally(document: Document) -> None:
    harness = installed(document)
    name = "<img src=x onerror=alert(1)>.ipynb"
    harness.sessions.kernels = {
        "b": Session("b", SessionState.BUSY, started_at=2.0, memory_bytes=412_000_000),
        "a": Session("a", SessionState.IDLE, "", started_at=1.0),
        "w": Session("w", "waiting", queue_position=2),
        "u": Session("u", SessionState.UNBOUND),
    }
    harness.notebooks.add(f"examples/{name}", "b")
    harness.notebooks.add("a.ipynb", "a")
    harness.notebooks.add("examples/w.ipynb", "w")
    harness.notebooks.add("examples/u.ipynb", "u")
    harness.notebooks.add("console-without-kernel", None)
    widget = opened(harness)
    rows = widget.node.find_all(".inkrider-session-row")
    assert [r.getAttribute("data-kernel-id") for r in rows] == ["a", "b", "w"]
    busy = rows[1]
    assert busy.find(".inkrider-session-path").textContent == f"examples/{name}"
    assert [r.find(".inkrider-session-path").textContent for r in rows] == [
        "a.ipynb",
        f"examples/{name}",
        "examples/w.ipynb",
    ]
    assert busy.find(".inkrider-session-state").textContent == "busy"
    assert busy.find(".inkrider-session-memory").textContent == "412 MB"
    assert busy.getAttribute("data-state") == "busy"
    assert rows[2].find(".inkrider-session-state").textContent == "waiting (#2 in queue)"
    buttons = {
        (r.getAttribute("data-kernel-id"), b.getAttribute("data-action")): b.disabled
        for r in rows
        for b in r.find_all("button[data-action]")
        if not getattr(b, "hidden", False)
    }
    assert buttons == {
        ("a", "interrupt"): True,
        ("a", "close"): False,
        ("b", "interrupt"): False,
        ("b", "close"): False,
        ("w", "interrupt"): True,
        ("w", "close"): False,
    }
    assert widget.node.find(".inkrider-session-empty").hidden


def test_refresh_redraws_only_while_visible(document: Document) -> None:
    harness = installed(document)
    widget = opened(harness)
    harness.sessions.kernels = {"a": Session("a", SessionState.IDLE)}
    explorer.refresh(harness.deps)
    (row,) = widget.node.find_all(".inkrider-session-row")

    widget.isVisible = False
    harness.sessions.kernels["a"].state = SessionState.BUSY
    explorer.refresh(harness.deps)
    assert row.find(".inkrider-session-state").textContent == "idle"
    widget.show()
    assert row.find(".inkrider-session-state").textContent == "busy"
    assert widget.node.find_all(".inkrider-session-row") == [row]  # the same node, updated

    del harness.sessions.kernels["a"]
    explorer.refresh(harness.deps)
    assert widget.node.find_all(".inkrider-session-row") == []


def test_a_renamed_notebook_is_followed(document: Document) -> None:
    harness = installed(document)
    harness.sessions.kernels = {"a": Session("a", SessionState.IDLE)}
    harness.notebooks.add("examples/old.ipynb", "a")
    path = opened(harness).node.find(".inkrider-session-path")
    assert path.textContent == "examples/old.ipynb"
    harness.notebooks.models[0].path = "examples/new.ipynb"
    harness.notebooks.runningChanged.emit()
    assert path.textContent == "examples/new.ipynb"


def test_buttons_call_the_session_registry(document: Document) -> None:
    harness = installed(document)
    harness.sessions.kernels = {"k": Session("k", SessionState.BUSY)}
    widget = opened(harness)
    row = widget.node.find(".inkrider-session-row")
    button(row, "interrupt").click()
    button(row, "close").click()
    assert harness.calls == [("interrupt", "k"), ("close", "k")]
    button(widget.node, "close-all").click()
    assert harness.calls[-2:] == [("close-all", None), ("close-all-detached", None)]


def test_close_all_asks_first_and_does_nothing_when_refused(document: Document) -> None:
    # Found by a new user: one misclick ended every session, remote kernels included.
    asked: list[tuple[str, str, str]] = []
    answer = [False]

    async def confirm(title: str, text: str, accept: str) -> bool:
        asked.append((title, text, accept))
        return answer[0]

    harness = Harness()
    harness.deps = dataclasses.replace(harness.deps, confirm=confirm)
    explorer.install(harness.deps, Widgets(document))
    harness.sessions.kernels = {"k": Session("k", SessionState.BUSY)}
    widget = opened(harness)
    button(widget.node, "close-all").click()
    assert asked == [
        (
            "Close all sessions?",
            "End the session listed? Their variables are lost. The notebooks stay open.",
            "Close all",
        )
    ]
    assert ("close-all", None) not in harness.calls
    answer[0] = True
    button(widget.node, "close-all").click()
    assert harness.calls[-2:] == [("close-all", None), ("close-all-detached", None)]


def test_a_disabled_button_does_nothing(document: Document) -> None:
    harness = installed(document)
    harness.sessions.kernels = {"k": Session("k", SessionState.IDLE)}
    row = opened(harness).node.find(".inkrider-session-row")
    interrupt = button(row, "interrupt")
    assert interrupt.disabled
    interrupt.click()
    assert harness.calls == []


def test_a_failing_main_menu_does_not_stop_the_rest(document: Document) -> None:
    class Broken(MainMenu):
        def addMenu(self, menu: Menu, update: bool, options: dict[str, Any]) -> None:
            raise RuntimeError("no menus here")

    palette = Palette()
    harness = installed(document, main_menu=Broken(), palette=palette)
    assert explorer.OPEN_COMMAND in harness.app.commands.commands
    assert palette.items


def test_a_detached_kernel_is_listed_with_reconnect_and_close(document: Document) -> None:
    harness = installed(document, remote_enabled=True)
    harness.detached_kernels.listed = [
        detached_row("server-k", "batch/a.ipynb", "127.0.0.1:8888", None, True)
    ]
    widget = opened(harness)
    assert ("refresh-detached", None) in harness.calls
    row = widget.node.find(".inkrider-session-row")
    assert row.getAttribute("data-detached") == "true"
    assert row.find(".inkrider-session-state").textContent == "detached: no notebook is connected"
    assert widget.node.find(".inkrider-explorer-count").textContent == "1 detached"
    assert button(row, "interrupt").hidden and not button(row, "reconnect").hidden
    button(row, "reconnect").click()
    button(row, "close").click()
    assert harness.calls[-2:] == [
        ("reconnect-detached", "server-k"),
        ("close-detached", "server-k"),
    ]
