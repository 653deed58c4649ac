"""A static file server for the built site, on loopback only.

Any static host serves the site unchanged; this one exists so that the README command, the tests
and the benchmark share the same headers and MIME types.
"""

from __future__ import annotations

import contextlib
import functools
import mimetypes
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

_TYPES = {
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".wasm": "application/wasm",
    ".json": "application/json",
    ".whl": "application/zip",
    ".snapshot": "application/octet-stream",
}


class SiteHandler(SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {**SimpleHTTPRequestHandler.extensions_map, **_TYPES}

    def log_message(self, format: str, *args: object) -> None:
        pass  # request logs would drown the test output

    def end_headers(self) -> None:
        # Revalidate every time: a rebuilt site must never mix with a cached older one.
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()


def make_server(directory: Path, port: int, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    mimetypes.add_type("text/javascript", ".mjs")
    handler = functools.partial(SiteHandler, directory=str(directory))
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def serve(directory: Path, port: int) -> None:
    server = make_server(directory, port)
    print(f"serving {directory} at http://127.0.0.1:{server.server_address[1]}/", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
