"""The toolbar's kernel name: the pure wording, and the shadowed reading on a stand-in for
JupyterLab's session context (the real one is checked in tests/e2e/test_remote.py)."""

from __future__ import annotations

from types import SimpleNamespace

from inkrider_lite.controller.kernel_labels import KERNEL_STATUS_ITEM, KernelLabels
from inkrider_lite.sessions.kernel_label import kernel_label

from .fakes import FakeSignal

SPEC = "Python (Pyodide)"


def test_only_a_remote_session_changes_the_name() -> None:
    assert kernel_label(SPEC, "local") == SPEC
    assert kernel_label(SPEC, "remote 127.0.0.1:8888", "python3") == "python3 on 127.0.0.1:8888"
    assert kernel_label(SPEC, "remote lab.example.org/user/x", "") == (
        "Python on lab.example.org/user/x"
    )


class Context:
    """What JupyterLab's SessionContext offers here: its session's kernel and the name."""

    def __init__(self, kernel_id: str) -> None:
        self.session = SimpleNamespace(kernel=SimpleNamespace(id=kernel_id))
        self.disposed = FakeSignal()

    @property
    def kernelDisplayName(self) -> str:
        return SPEC


class Label:
    textContent = SPEC


class Widget:
    def __init__(self, context: Context) -> None:
        self.sessionContext = context
        self.label = Label()
        self.node = SimpleNamespace(querySelector=lambda _selector: self.label)


class StatusModel:
    """JupyterLab's KernelStatus.Model: reads the name when given a context."""

    def __init__(self, context: Context) -> None:
        self.sessionContext = context

    @property
    def sessionContext(self) -> Context:
        return self._context

    @sessionContext.setter
    def sessionContext(self, context: Context) -> None:
        self._context = context
        self.name = context.kernelDisplayName


def test_a_bound_remote_kernel_relabels_its_notebooks_and_a_closed_one_reads_as_before() -> None:
    kernel = SimpleNamespace(
        id="k1", session=None, runtime_label="remote", state=None, link="connected"
    )
    other = SimpleNamespace(
        id="k2", session=None, runtime_label="local", state=None, link="connected"
    )
    mine, theirs = Widget(Context("k1")), Widget(Context("k2"))
    shell = SimpleNamespace(widgets=lambda _area: [mine, theirs, SimpleNamespace()])
    model = StatusModel(mine.sessionContext)
    status_bar = SimpleNamespace(_statusItems=SimpleNamespace())
    drawn: list[str] = []
    item = SimpleNamespace(model=model, update=lambda: drawn.append(model.name))
    setattr(status_bar._statusItems, KERNEL_STATUS_ITEM, SimpleNamespace(item=item))
    labels = KernelLabels(shell, {"k1": kernel, "k2": other}, status_bar)

    kernel.session = SimpleNamespace(kernel_name="python3")
    kernel.runtime_label = "remote 127.0.0.1:8888"
    labels.update(kernel)
    assert mine.label.textContent == "python3 on 127.0.0.1:8888"
    assert mine.sessionContext.kernelDisplayName == "python3 on 127.0.0.1:8888"
    assert model.name == "python3 on 127.0.0.1:8888"
    assert theirs.sessionContext.kernelDisplayName == SPEC
    assert theirs.label.textContent == SPEC
    # Busy and idle change nothing the label shows: the toolbar is left alone.
    mine.label.textContent = "drawn by JupyterLab"
    labels.update(kernel)
    assert mine.label.textContent == "drawn by JupyterLab"
    # The server stops answering: the name says so until Reconnect (the status bar's state
    # beside it stays the kernel's last, "Idle").
    kernel.link = "lost"
    labels.update(kernel)
    assert mine.label.textContent == "python3 on 127.0.0.1:8888 (unreachable)"
    assert model.name == "python3 on 127.0.0.1:8888 (unreachable)"
    # Reconnect finds the kernel gone from the server: the name says that instead.
    kernel.session.gone = True
    labels.update(kernel)
    assert mine.label.textContent == "python3 on 127.0.0.1:8888 (kernel gone)"
    kernel.session.gone = False
    kernel.link = "connected"
    labels.update(kernel)
    assert mine.label.textContent == "python3 on 127.0.0.1:8888"

    kernel.session = None
    labels.update(kernel)
    assert mine.label.textContent == SPEC
    assert model.name == SPEC
    # Drawn again each time: after a Close its model did not say it changed, and the item kept
    # the server's name.
    assert drawn == [
        "python3 on 127.0.0.1:8888",
        "python3 on 127.0.0.1:8888 (unreachable)",
        "python3 on 127.0.0.1:8888 (kernel gone)",
        "python3 on 127.0.0.1:8888",
        SPEC,
    ]

    mine.sessionContext.disposed.emit()
    kernel.session = SimpleNamespace(kernel_name="python3")
    assert mine.sessionContext.kernelDisplayName == SPEC  # the shadow is gone with the context
