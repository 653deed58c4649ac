"""The parts of JupyterLab that the controller's visible parts use, taken once from the
loader's handles. An optional service the page lacks is None: Jupyter Notebook's single-document
page has no status bar, and a page may have no main menu or command palette."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from .._compat import compat


@dataclass(frozen=True)
class LabHandles:
    #: JupyterLab's application: its commands, shell and service manager.
    app: Any
    #: A module the page shares (e.g. "@lumino/widgets"), as JupyterLab's own plugins get it.
    require_shared: Callable[[str], Awaitable[Any]]
    #: Opens a URL in a new tab, without handing it this page.
    open_window: Callable[[str], Any]
    palette: Any = None
    main_menu: Any = None
    status_bar: Any = None
    #: Jupyter Notebook's file browser page: the tabs (Files, Running) its main area holds.
    notebook_tree: Any = None
    #: The file browser: JupyterLab's left side bar, Jupyter Notebook's Files tab.
    file_browser: Any = None

    @classmethod
    def from_handles(cls, handles: Any) -> LabHandles:
        return cls(
            app=handles.app,
            require_shared=handles.requireShared,
            open_window=handles.openWindow,
            palette=handles.palette,
            main_menu=handles.mainMenu,
            status_bar=handles.statusBar,
            # Absent from pages that do not have them (JupyterLab has no notebook tree).
            notebook_tree=getattr(handles, "notebookTree", None),
            file_browser=getattr(handles, "fileBrowser", None),
        )

    def show_panel(self, widget: Any, widget_id: str, rank: int = 900) -> None:
        """Show one of InkRider's panels (the Execution Tool, the runtime form) where the page
        has room. JupyterLab opens it as a tab of its main area. Jupyter Notebook's main area
        holds one widget and ignores any other: its file browser page has tabs to add to, and
        its notebook page gets the panel in its right side bar."""
        shell = self.app.shell
        tree = self.notebook_tree
        if not widget.isAttached:
            shell.add(widget, "main")
        if not widget.isAttached and tree is not None:
            tree.addWidget(widget)
        elif not widget.isAttached:
            shell.add(widget, "right", compat.to_js({"rank": rank}))
        if tree is not None and tree.widgets.includes(widget):
            tree.currentWidget = widget
        else:
            shell.activateById(widget_id)
