"""The Jupyter Server REST API as requests and answers, without I/O (in the style of h11).

Every call carries the token in the query string, never in a header: a header makes the browser
send a CORS preflight, which a server started with only `jupyter server --no-browser` refuses,
while a token-authenticated request is answered cross-origin (see docs/external-jupyter-server.md).
The same requests serve jupyter_server, Kernel Gateway, Enterprise Gateway and jupyverse.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

#: Sent with every new kernel: Enterprise Gateway refuses to start kernels for an unnamed
#: user (as root it names `root`, which it refuses by default); other servers ignore it.
KERNEL_USERNAME = "inkrider"


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    body: str | None = None


@dataclass(frozen=True)
class Answer:
    """What one request gave. `network_error` is the browser's bare "Failed to fetch";
    `redirected`, a redirect the page was not allowed to follow (to a login page)."""

    status: int = 0
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    network_error: bool = False
    timed_out: bool = False
    redirected: bool = False
    seconds: float = 0.0

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300 and not (self.network_error or self.timed_out)


def endpoint(base_url: str, path: str, token: str, **query: str) -> str:
    params = {k: v for k, v in query.items() if v}
    if token:
        params["token"] = token
    suffix = f"?{urlencode(params)}" if params else ""
    return f"{base_url}{path}{suffix}"


def kernel_path(kernel_id: str, *rest: str) -> str:
    return "/".join(["api/kernels", quote(kernel_id, safe=""), *rest])


def get_api(base_url: str, token: str) -> Request:
    return Request("GET", endpoint(base_url, "api", token))


def get_kernelspecs(base_url: str, token: str) -> Request:
    return Request("GET", endpoint(base_url, "api/kernelspecs", token))


def list_kernels(base_url: str, token: str) -> Request:
    return Request("GET", endpoint(base_url, "api/kernels", token))


def get_kernel(base_url: str, token: str, kernel_id: str) -> Request:
    return Request("GET", endpoint(base_url, kernel_path(kernel_id), token))


def create_kernel(base_url: str, token: str, name: str, path: str = "") -> Request:
    """`path`, the notebook's, lets jupyter_server start the kernel in the notebook's folder
    under its root directory, or in the root where it has no such folder (as for JupyterLab);
    without it the kernel starts wherever the server process was started."""
    body: dict[str, Any] = {"env": {"KERNEL_USERNAME": KERNEL_USERNAME}, "path": path}
    if name:
        body["name"] = name
    return Request("POST", endpoint(base_url, "api/kernels", token), json.dumps(body))


def create_session(base_url: str, token: str, name: str, path: str) -> Request:
    """A kernel started with a session, for servers that start kernels no other way (jupyverse
    answers 405 to `POST api/kernels`). `name` is required there: no server default."""
    body = {
        "kernel": {"name": name},
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "type": "notebook",
    }
    return Request("POST", endpoint(base_url, "api/sessions", token), json.dumps(body))


def interrupt_kernel(base_url: str, token: str, kernel_id: str) -> Request:
    return Request("POST", endpoint(base_url, kernel_path(kernel_id, "interrupt"), token), "")


def restart_kernel(base_url: str, token: str, kernel_id: str) -> Request:
    return Request("POST", endpoint(base_url, kernel_path(kernel_id, "restart"), token), "")


def delete_kernel(base_url: str, token: str, kernel_id: str) -> Request:
    return Request("DELETE", endpoint(base_url, kernel_path(kernel_id), token))


def channels_url(ws_base: str, token: str, kernel_id: str, session_id: str) -> str:
    return endpoint(ws_base, kernel_path(kernel_id, "channels"), token, session_id=session_id)


@dataclass(frozen=True)
class KernelModel:
    id: str
    name: str
    execution_state: str = ""


def kernel_model(answer: Answer) -> KernelModel | None:
    return _kernel(answer.json() if answer.ok else None)


def listed_kernels(answer: Answer) -> list[KernelModel] | None:
    """The kernels of `list_kernels`' answer; None when the server did not list them (a
    Kernel Gateway may refuse to)."""
    body = answer.json() if answer.ok else None
    if not isinstance(body, list):
        return None
    return [model for model in map(_kernel, body) if model is not None]


def session_kernel_model(answer: Answer) -> KernelModel | None:
    """The kernel of a session that `create_session` started."""
    body = answer.json() if answer.ok else None
    return _kernel(body.get("kernel")) if isinstance(body, dict) else None


def _kernel(body: Any) -> KernelModel | None:
    if not isinstance(body, dict) or not isinstance(body.get("id"), str):
        return None
    return KernelModel(
        id=body["id"],
        name=str(body.get("name") or ""),
        execution_state=str(body.get("execution_state") or ""),
    )


def kernel_gone(answer: Answer) -> bool:
    """The server has no such kernel: a 404, or jupyverse's 200 with a `null` body."""
    return answer.status == 404 or (answer.ok and answer.body.strip() == "null")


def starts_kernels_only_in_sessions(answer: Answer) -> bool:
    """`POST api/kernels` is not served (405): the server starts kernels with sessions."""
    return answer.status == 405


def error_text(answer: Answer) -> str:
    """The server's own reason for a failed call (jupyter_server answers {"message": …})."""
    body = answer.json()
    if isinstance(body, dict):
        for key in ("message", "reason", "detail"):
            if isinstance(body.get(key), str) and body[key]:
                return body[key]
    return f"HTTP {answer.status}"


# -- the channels WebSocket, legacy JSON frames (no subprotocol) ----------------------------


def encode_frame(message: dict[str, Any]) -> str:
    """A message as one text frame of the legacy protocol (what a server speaks to a client
    that offers no subprotocol)."""
    return json.dumps({k: v for k, v in message.items() if k != "buffers"})


def decode_frame(frame: str | bytes) -> dict[str, Any] | None:
    """A text frame as a message; binary frames (messages with buffers) are not read here."""
    if isinstance(frame, bytes):
        return None
    try:
        message = json.loads(frame)
    except ValueError:
        return None
    return message if isinstance(message, dict) and "header" in message else None
