"""Jupyter protocol messages as plain dicts, built without I/O (in the style of h11).

The routing kernel uses these to answer for a session that has no worker yet, to run its own
silent setup code in a worker, and to report a failed start as an ordinary cell error.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

PROTOCOL_VERSION = "5.3"
#: The session id of requests the controller makes itself; their replies never reach a notebook.
INTERNAL_SESSION = "inkrider-internal"

Message = dict[str, Any]

#: Requests an unbound kernel answers itself: opening a notebook must not boot a worker.
UNBOUND_REPLIES = {
    "kernel_info_request": "kernel_info_reply",
    "history_request": "history_reply",
    "comm_info_request": "comm_info_reply",
    "complete_request": "complete_reply",
    "inspect_request": "inspect_reply",
    "is_complete_request": "is_complete_reply",
}
#: Requests that need a live interpreter, so they bind an unbound kernel.
BINDING_REQUESTS = frozenset({"execute_request", "comm_open", "comm_msg"})


def header(msg_type: str, session: str, *, username: str = "inkrider") -> dict[str, str]:
    return {
        "msg_id": uuid.uuid4().hex,
        "msg_type": msg_type,
        "session": session,
        "username": username,
        "date": datetime.now(UTC).isoformat(),
        "version": PROTOCOL_VERSION,
    }


def message(
    msg_type: str,
    content: Mapping[str, Any],
    *,
    channel: str,
    parent: Mapping[str, Any] | None = None,
    session: str | None = None,
) -> Message:
    """A message; replies carry the parent's session, which is how a client routes them."""
    parent = dict(parent or {})
    return {
        "header": header(msg_type, session if session is not None else parent.get("session", "")),
        "parent_header": parent,
        "metadata": {},
        "content": dict(content),
        "channel": channel,
        "buffers": [],
    }


def status(state: str, parent: Mapping[str, Any]) -> Message:
    return message("status", {"execution_state": state}, channel="iopub", parent=parent)


def language_info() -> dict[str, Any]:
    return {
        "name": "python",
        "version": "3.14",
        "mimetype": "text/x-python",
        "file_extension": ".py",
        "codemirror_mode": {"name": "python", "version": 3},
        "nbconvert_exporter": "python",
        "pygments_lexer": "ipython3",
    }


def with_python_version(info: Mapping[str, Any], version: str) -> dict[str, Any]:
    """A local kernel's language_info with the Python it runs: pyodide-kernel's reply says
    "3.8" whatever Pyodide's Python is, and a batch wrote that into every notebook it ran. The
    worker runs the same Pyodide as the controller, whose `platform.python_version()` it is."""
    return {**info, "version": version}


def kept_language_info(stored: Any) -> dict[str, Any] | None:
    """The notebook's own language_info, if it is Python's: answered back unchanged, JupyterLab
    finds nothing to update, so opening a notebook does not mark it as changed."""
    if isinstance(stored, Mapping) and stored.get("name") == "python":
        return dict(stored)
    return None


def kernel_info_content(language: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What the unbound kernel reports: the same language as the Pyodide kernel it will bind
    (in the notebook's own words, where it has them: see kept_language_info)."""
    return {
        "status": "ok",
        "protocol_version": PROTOCOL_VERSION,
        "implementation": "inkrider",
        "implementation_version": "0.1.0",
        "language_info": dict(language) if language else language_info(),
        "banner": "InkRider: Python starts on the first run",
        "help_links": [],
    }


def unbound_reply_content(
    request_type: str, request: Mapping[str, Any], language: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The content an unbound kernel answers `request_type` with."""
    if request_type == "kernel_info_request":
        return kernel_info_content(language)
    if request_type == "history_request":
        return {"status": "ok", "history": []}
    if request_type == "comm_info_request":
        return {"status": "ok", "comms": {}}
    if request_type == "complete_request":
        cursor = int(request.get("cursor_pos", 0))
        return {
            "status": "ok",
            "matches": [],
            "cursor_start": cursor,
            "cursor_end": cursor,
            "metadata": {},
        }
    if request_type == "inspect_request":
        return {"status": "ok", "found": False, "data": {}, "metadata": {}}
    if request_type == "is_complete_request":
        return {"status": "unknown"}
    raise ValueError(f"an unbound kernel does not answer {request_type}")


def unbound_exchange(
    request_header: Mapping[str, Any],
    content: Mapping[str, Any],
    language: Mapping[str, Any] | None = None,
) -> list[Message]:
    """busy, the reply, idle: what a kernel publishes around any request it answers."""
    request_type = request_header["msg_type"]
    reply_type = UNBOUND_REPLIES[request_type]
    return [
        status("busy", request_header),
        message(
            reply_type,
            unbound_reply_content(request_type, content, language),
            channel="shell",
            parent=request_header,
        ),
        status("idle", request_header),
    ]


def execute_failure(
    request_header: Mapping[str, Any], ename: str, evalue: str, *, execution_count: int = 0
) -> list[Message]:
    """An execute request answered by an error that the cell shows, e.g. a failed start."""
    error = {"ename": ename, "evalue": evalue, "traceback": [f"{ename}: {evalue}"]}
    return [
        message("error", error, channel="iopub", parent=request_header),
        message(
            "execute_reply",
            {"status": "error", "execution_count": execution_count, **error},
            channel="shell",
            parent=request_header,
        ),
        status("idle", request_header),
    ]


def execute_aborted(request_header: Mapping[str, Any]) -> list[Message]:
    """An execute request that never ran (cancelled while waiting, or queued behind a failure);
    clients show no error for it, as after a failed cell in ipykernel."""
    return [
        message(
            "execute_reply",
            {"status": "aborted", "execution_count": None},
            channel="shell",
            parent=request_header,
        ),
        status("idle", request_header),
    ]


def display_text(
    request_header: Mapping[str, Any], text: str, display_id: str, *, update: bool = False
) -> Message:
    """A plain-text output that a later update (same display_id) can replace."""
    msg_type = "update_display_data" if update else "display_data"
    content = {
        "data": {"text/plain": text},
        "metadata": {},
        "transient": {"display_id": display_id},
    }
    return message(msg_type, content, channel="iopub", parent=request_header)


def stream(name: str, text: str, request_header: Mapping[str, Any]) -> Message:
    return message("stream", {"name": name, "text": text}, channel="iopub", parent=request_header)


def clear_output(request_header: Mapping[str, Any]) -> Message:
    return message("clear_output", {"wait": False}, channel="iopub", parent=request_header)


def execute_request(code: str, *, session: str = INTERNAL_SESSION) -> Message:
    """A silent request the controller runs in a worker for itself."""
    content = {
        "code": code,
        "silent": True,
        "store_history": False,
        "user_expressions": {},
        "allow_stdin": False,
        "stop_on_error": True,
    }
    return message("execute_request", content, channel="shell", session=session)


def execute_outcome(replies: list[Mapping[str, Any]]) -> tuple[bool, str]:
    """(ok, text) from the messages an internal execute produced: stdout, or the error."""
    text: list[str] = []
    ok = True
    for reply in replies:
        msg_type = reply["header"]["msg_type"]
        content = reply["content"]
        if msg_type == "stream":
            text.append(content.get("text", ""))
        elif msg_type == "error" or (msg_type == "execute_reply" and content.get("status") != "ok"):
            ok = False
            # The error arrives twice (iopub error, then the reply): report it once.
            error = f"{content.get('ename', '')}: {content.get('evalue', '')}"
            if content.get("ename") and error not in text:
                text.append(error)
    return ok, "".join(text)
