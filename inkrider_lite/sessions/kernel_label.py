"""The name a notebook's toolbar gives its kernel, once its session is bound.

Every notebook's kernel is the routing kernel, registered under the local kernelspec, whose name
("Python (Pyodide)") JupyterLab shows and saves in the notebook's metadata. Changing that name
would mark every saved notebook as changed on open, so the label changes only in the toolbar,
and only while the session runs somewhere else than the browser.
"""

from __future__ import annotations

from typing import Any

REMOTE_PREFIX = "remote "
#: After the name while the server does not answer (the Session Explorer's word for it): the
#: status bar beside it still says the kernel's last state, "Idle".
UNREACHABLE = " (unreachable)"
#: Instead, once the server has said it no longer has the kernel (the explorer's "gone").
GONE = " (kernel gone)"


def kernel_gone(kernel: Any) -> bool:
    """Whether the server said it no longer has the kernel of this routing kernel's remote
    session (RemoteSession.gone): what Reconnect learns, and every label then says."""
    return bool(getattr(getattr(kernel, "session", None), "gone", False))


def token_refused(kernel: Any) -> bool:
    """Whether the server of this routing kernel's remote session runs but refuses the token
    saved for it (RemoteSession.token_refused)."""
    return bool(getattr(getattr(kernel, "session", None), "token_refused", False))


def kernel_label(
    spec_name: str,
    runtime_label: str,
    remote_kernel: str = "",
    *,
    unreachable: bool = False,
    gone: bool = False,
) -> str:
    """`spec_name` is JupyterLab's own label, `runtime_label` the bound session's ("local",
    "remote 127.0.0.1:8888") and `remote_kernel` the server's kernelspec for that session;
    `unreachable` while the session waits for Reconnect, `gone` when Reconnect found the
    kernel gone from its server."""
    if not runtime_label.startswith(REMOTE_PREFIX):
        return spec_name
    server = runtime_label.removeprefix(REMOTE_PREFIX)
    note = GONE if gone else UNREACHABLE if unreachable else ""
    return f"{remote_kernel or 'Python'} on {server}{note}"
