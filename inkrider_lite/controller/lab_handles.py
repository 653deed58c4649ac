"""The parts of JupyterLab that the controller's visible parts use, taken once from the
loader's handles. An optional service the page lacks is None: Jupyter Notebook's single-document
page has no status bar, and a page may have no main menu or command palette."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any


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

    @classmethod
    def from_handles(cls, handles: Any) -> LabHandles:
        return cls(
            app=handles.app,
            require_shared=handles.requireShared,
            open_window=handles.openWindow,
            palette=handles.palette,
            main_menu=handles.mainMenu,
            status_bar=handles.statusBar,
        )
