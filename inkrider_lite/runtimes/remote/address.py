"""What a person types into *Base URL*, turned into a server address. Pure logic.

People paste what their terminal or browser shows: `localhost:8888`, the server's own
`http://127.0.0.1:8888/lab?token=…` line, or a JupyterHub `…/user/alice/tree`. All of these
name one server; this module finds it, and says plainly what is wrong when it cannot.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit, urlunsplit

#: Ports no browser will connect to (the Fetch standard's "bad ports", kept for other protocols):
#: a server there cannot be reached from the page, whatever the token.
BAD_PORTS = frozenset(
    {1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101}
    | {102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179}
    | {389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587}
    | {601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061}
    | {6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080}
)

#: Paths of the server's own pages: what follows the base URL in a pasted browser address.
PAGE_SUFFIXES = ("lab", "tree", "notebooks", "edit", "doc", "api", "login", "hub/login")


class AddressError(ValueError):
    """The text names no server; the message says what to type instead."""


@dataclass(frozen=True)
class ServerAddress:
    #: Always ends with "/": e.g. "http://127.0.0.1:8888/" or "http://h:8000/user/alice/".
    base_url: str
    #: A token found in a pasted `?token=` URL (to fill the Token field with), else "".
    token_in_url: str = ""

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or ""

    @property
    def display(self) -> str:
        """Host and port (and base path, if any), as the status item and explorer show it."""
        parts = urlsplit(self.base_url)
        path = parts.path.rstrip("/")
        return f"{parts.netloc}{path}"

    @property
    def ws_url(self) -> str:
        parts = urlsplit(self.base_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        return urlunsplit((scheme, parts.netloc, parts.path, "", ""))

    @property
    def is_loopback(self) -> bool:
        return is_loopback_host(self.host)


def is_loopback_host(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_base_url(text: str) -> ServerAddress:
    """The server that `text` names. Raises AddressError with what to type instead."""
    raw = text.strip()
    if not raw:
        raise AddressError("Enter the server's Base URL, e.g. http://localhost:8888")
    if any(c.isspace() for c in raw):
        raise AddressError(f"A Base URL has no spaces: {raw!r}. Example: http://localhost:8888")
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:/(?!/)", raw):
        # `http:/host` or a mistyped `htp:/host`: taken as host "htp" it read as a server that
        # did not answer.
        raise AddressError(
            f"{raw!r} is not a URL: it needs two slashes after the scheme. Example: "
            "http://localhost:8888"
        )
    if re.match(r"https?//", raw, re.IGNORECASE):
        # `http//host`: completed with http:// it named a host called "http".
        raise AddressError(
            f"{raw!r} is not a URL: it needs a colon after {raw[: raw.index('/')]!r}. Example: "
            "http://localhost:8888"
        )
    if "://" not in raw:
        raw = f"http://{raw}"
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https"):
        raise AddressError(
            f"The Base URL must start with http:// or https:// (not {parts.scheme}://)."
        )
    try:
        port = parts.port
        host = parts.hostname
    except ValueError as error:
        raise AddressError(f"The port in {text.strip()!r} is not a number from 1 to 65535.") from (
            error
        )
    if not host:
        raise AddressError(f"No host name in {text.strip()!r}. Example: http://localhost:8888")
    if parts.netloc.endswith(":"):
        raise AddressError(
            f"No port after the ':' in {text.strip()!r}. Example: http://localhost:8888"
        )
    if port == 0:
        raise AddressError("Port 0 is not a server's port. Example: http://localhost:8888")
    if port in BAD_PORTS:
        raise AddressError(
            f"Browsers refuse to connect to port {port}: it is kept for another protocol "
            "(the Fetch standard's list of bad ports). Start the server on another port, "
            "e.g. jupyter server --port 8888, and enter http://localhost:8888"
        )
    if parts.username or parts.password:
        raise AddressError("Leave user names and passwords out of the Base URL; use the Token.")
    token = (parse_qs(parts.query).get("token") or [""])[0]
    path = _base_path(parts.path)
    netloc = parts.netloc.lower()
    return ServerAddress(urlunsplit((parts.scheme, netloc, path, "", "")), token)


def _base_path(path: str) -> str:
    """The server's base path: a pasted page address (`/lab`, `/user/alice/tree/x.ipynb`) is
    cut back to the part before the page."""
    segments = [s for s in path.split("/") if s]
    for index, segment in enumerate(segments):
        if segment in PAGE_SUFFIXES or "/".join(segments[index : index + 2]) in PAGE_SUFFIXES:
            segments = segments[:index]
            break
    return "/" + "".join(f"{s}/" for s in segments)


def mixed_content(site_url: str, address: ServerAddress) -> bool:
    """An https page may not call an http server, except one on this machine (loopback is
    a secure context in Chromium and Firefox)."""
    return (
        urlsplit(site_url).scheme == "https"
        and urlsplit(address.base_url).scheme == "http"
        and not address.is_loopback
    )
