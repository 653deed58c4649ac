"""A static file server for the built site, on loopback only.

Any static host serves the site unchanged; this one exists so that the README command, the tests
and the benchmark share the same headers and MIME types.
"""

from __future__ import annotations

import contextlib
import functools
import mimetypes
import sys
from collections.abc import Callable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

_TYPES = {
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".wasm": "application/wasm",
    ".json": "application/json",
    ".whl": "application/zip",
    ".snapshot": "application/octet-stream",
}

#: For a wheel asked for by its content hash: the bytes behind that URL never change.
IMMUTABLE = "public, max-age=31536000, immutable"
#: For everything else: revalidate every time (a 304 when unchanged), so that a rebuilt site
#: never mixes with a cached older one.
REVALIDATE = "no-cache"

#: `on_request(method, path, status)`, called once per response the server sends.
RequestHook = Callable[[str, str, int], None]


def cache_control(path: str) -> str:
    """The Cache-Control of a successful response for the request path `path`.

    The site's package indexes link every wheel as `NAME.whl?sha256=DIGEST` (piplite's
    `all.json` does the same), so such a URL names one exact file: a browser can keep it for
    good, and a second session, or the same one after a reload, installs its packages without
    a single request. A rebuilt wheel gets a new digest, hence a new URL. Wheels that Pyodide
    loads by bare name (the kernel's own, from its lock) are revalidated like the rest.
    """
    parts = urlsplit(path)
    if parts.path.endswith(".whl") and parse_qs(parts.query).get("sha256"):
        return IMMUTABLE
    return REVALIDATE


class SiteHandler(SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {**SimpleHTTPRequestHandler.extensions_map, **_TYPES}

    def log_message(self, format: str, *args: object) -> None:
        pass  # request logs would drown the test output

    #: Cross-origin isolation gives the page SharedArrayBuffer, which interrupting a running
    #: cell needs. Every resource of the site is same-origin, so nothing else changes.
    isolated: ClassVar[bool] = True

    _status: int = 0

    def send_response(self, code: int, message: str | None = None) -> None:
        self._status = int(code)
        super().send_response(code, message)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        hook: RequestHook | None = getattr(self.server, "on_request", None)
        if hook is not None:
            hook(self.command or "", self.path, self._status)

    def translate_path(self, path: str) -> str:
        """A file of the server's overlay folder, if it has one there, hides the site's."""
        local = super().translate_path(path)
        overlay: Path | None = getattr(self.server, "overlay", None)
        if overlay is not None:
            candidate = overlay / Path(local).relative_to(self.directory)
            if candidate.exists():
                return str(candidate)
        return local

    def end_headers(self) -> None:
        ok = self._status == 200
        self.send_header("Cache-Control", cache_control(self.path) if ok else REVALIDATE)
        if self.isolated:
            self.send_header("Cross-Origin-Opener-Policy", "same-origin")
            self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        super().end_headers()


class PlainSiteHandler(SiteHandler):
    """A plain static host: no isolation headers, so no interrupt."""

    isolated: ClassVar[bool] = False


class SiteServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # A worker's Pyodide starts fetching its wasm before it learns that the page compiled
        # it already, and drops the response: a browser that stops reading is no error.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


def make_server(
    directory: Path,
    port: int,
    host: str = "127.0.0.1",
    *,
    isolated: bool = True,
    on_request: RequestHook | None = None,
    overlay: Path | None = None,
) -> ThreadingHTTPServer:
    """A server for `directory`; `on_request`, if given, hears of every response (from the
    server's threads), e.g. for a test that counts downloads. Files under `overlay` are served
    in place of the same paths of `directory` (the headless runner's extra wheels)."""
    mimetypes.add_type("text/javascript", ".mjs")
    handler = functools.partial(
        SiteHandler if isolated else PlainSiteHandler, directory=str(directory)
    )
    server = SiteServer((host, port), handler)
    server.on_request = on_request  # type: ignore[attr-defined]
    server.overlay = overlay  # type: ignore[attr-defined]
    return server


def serve(directory: Path, port: int, *, isolated: bool = True) -> None:
    server = make_server(directory, port, isolated=isolated)
    print(f"serving {directory} at http://127.0.0.1:{server.server_address[1]}/", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
