"""LabHandles.show_panel over fakes of JupyterLab's and Jupyter Notebook's shells."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from inkrider_lite.controller.lab_handles import LabHandles


class Panel:
    def __init__(self, widget_id: str) -> None:
        self.id = widget_id
        self.isAttached = False
        self.shown = False


class Tabs(list):
    """A JS array, as Jupyter Notebook's tree TabPanel holds its widgets."""

    def includes(self, item: Any) -> bool:
        return any(entry is item for entry in self)


class LabShell:
    """JupyterLab: the main area takes any number of widgets."""

    def __init__(self) -> None:
        self.areas: dict[str, list[Panel]] = {}
        self.activated: list[str] = []

    def add(self, widget: Panel, area: str, options: Any = None) -> None:
        self.areas.setdefault(area, []).append(widget)
        widget.isAttached = True

    def activateById(self, widget_id: str) -> None:
        self.activated.append(widget_id)


class NotebookShell(LabShell):
    """Jupyter Notebook: a main area that already holds its widget ignores any other."""

    def add(self, widget: Panel, area: str, options: Any = None) -> None:
        if area == "main":
            return
        super().add(widget, area, options)


class Tree:
    def __init__(self) -> None:
        self.widgets = Tabs()
        self.currentWidget: Panel | None = None

    def addWidget(self, widget: Panel) -> None:
        self.widgets.append(widget)
        widget.isAttached = True


def handles(shell: LabShell, tree: Tree | None = None) -> LabHandles:
    return LabHandles(
        SimpleNamespace(shell=shell), lambda _: None, lambda _: None, notebook_tree=tree
    )


def test_jupyterlab_opens_a_panel_as_a_main_area_tab_once() -> None:
    shell = LabShell()
    panel = Panel("tool")
    lab = handles(shell)
    lab.show_panel(panel, "tool")
    lab.show_panel(panel, "tool")
    assert shell.areas == {"main": [panel]}
    assert shell.activated == ["tool", "tool"]


def test_the_notebook_file_browser_page_gets_it_as_a_tab() -> None:
    shell, tree = NotebookShell(), Tree()
    panel = Panel("tool")
    lab = handles(shell, tree)
    lab.show_panel(panel, "tool")
    tree.currentWidget = None  # the user went back to the Files tab
    lab.show_panel(panel, "tool")
    assert list(tree.widgets) == [panel] and tree.currentWidget is panel
    assert shell.areas == {}


def test_a_notebook_page_gets_it_in_the_right_side_bar() -> None:
    shell = NotebookShell()
    panel = Panel("tool")
    handles(shell).show_panel(panel, "tool")
    assert shell.areas == {"right": [panel]}
    assert shell.activated == ["tool"]
