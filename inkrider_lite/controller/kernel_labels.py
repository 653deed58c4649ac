"""The kernel name in each notebook's toolbar says where its session runs.

JupyterLab reads a notebook's kernel name from its session context each time it draws the
toolbar (and the status bar's kernel item when that notebook comes to the front). A routing
kernel bound to a remote server keeps the local kernelspec, so without this the toolbar of a
notebook running on a Jupyter Server said "Python (Pyodide)". The context's reading is shadowed
(sessions/kernel_label.py says what it reads), and the label already drawn is rewritten, since
JupyterLab redraws it only when the kernel changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._compat import compat
from ..sessions.kernel_label import kernel_gone, kernel_label
from ..sessions.lifecycle import SessionState

if TYPE_CHECKING:
    from .routing_kernel import RoutingKernel

#: The text of the toolbar's kernel name button (JupyterLab's Toolbar.createKernelNameItem).
LABEL_SELECTOR = ".jp-Toolbar-kernelName .jp-ToolbarButtonComponent-label"


#: JupyterLab's status bar item "Python (Pyodide) | Idle", by its plugin's id.
KERNEL_STATUS_ITEM = "@jupyterlab/apputils-extension:kernel-status"
#: Set on a session context whose kernel name is already shadowed.
MARK = "inkriderKernelLabel"


class KernelLabels:
    def __init__(
        self, shell: Any, sessions: Mapping[str, RoutingKernel], status_bar: Any = None
    ) -> None:
        self._shell = shell
        self._sessions = sessions
        self._status_bar = status_bar
        #: The binding (and link) each kernel's labels show, by kernel id (see update).
        self._bindings: dict[str, tuple[int, str, str, bool]] = {}

    def label(self, context: Any, spec_name: Any) -> str:
        """What `context` (a widget's session context) shows, from JupyterLab's own `spec_name`."""
        name = "" if compat.is_null(spec_name) else str(spec_name)
        kernel = self._kernel_of(context)
        if kernel is None or kernel.session is None:
            return name
        remote = str(getattr(kernel.session, "kernel_name", "") or "")
        lost = kernel.link == "lost"
        return kernel_label(
            name, kernel.runtime_label, remote, unreachable=lost, gone=lost and kernel_gone(kernel)
        )

    def update(self, kernel: RoutingKernel) -> None:
        """Called on every change of `kernel`: the toolbars of its notebooks follow when its
        binding or its link changed (not on each busy and idle, which come with every run)."""
        if kernel.state is SessionState.DEAD:  # its notebook is gone, and so are its labels
            self._bindings.pop(kernel.id, None)
            return
        binding = (
            id(kernel.session),
            kernel.runtime_label if kernel.session else "",
            kernel.link,
            kernel_gone(kernel),
        )
        if self._bindings.get(kernel.id) == binding:
            return
        self._bindings[kernel.id] = binding
        for widget in self._shell.widgets("main"):
            context = getattr(widget, "sessionContext", None)
            if compat.is_null(context) or self._kernel_of(context) is not kernel:
                continue
            self._shadow(context)
            label = widget.node.querySelector(LABEL_SELECTOR)
            if not compat.is_null(label):
                label.textContent = str(context.kernelDisplayName)
            self._redraw_status_item(context)

    def _redraw_status_item(self, context: Any) -> None:
        """The status bar's kernel item keeps the name it read when its notebook came to the
        front; handed the same context, it reads it again. Its registry is the status bar's
        own (a private field): where a JupyterLab lacks it, the item catches up on the next
        change of tab."""
        items = getattr(self._status_bar, "_statusItems", None)
        entry = None if compat.is_null(items) else getattr(items, KERNEL_STATUS_ITEM, None)
        model = None if compat.is_null(entry) else getattr(entry.item, "model", None)
        if not compat.is_null(model) and model.sessionContext == context:
            model.sessionContext = context
            # The model has the new name now, but the item is drawn again only when the model
            # says it changed, which it did not after a Close (the name stayed the server's).
            entry.item.update()

    def _kernel_of(self, context: Any) -> RoutingKernel | None:
        session = getattr(context, "session", None)
        real = None if compat.is_null(session) else getattr(session, "kernel", None)
        if compat.is_null(real):
            return None
        return self._sessions.get(str(real.id))

    def _shadow(self, context: Any) -> None:
        if getattr(context, MARK, False):
            return
        undo = compat.shadow_getter(
            context, "kernelDisplayName", lambda spec_name: self.label(context, spec_name)
        )
        setattr(context, MARK, True)
        context.disposed.connect(compat.create_proxy(lambda *_: undo()))
