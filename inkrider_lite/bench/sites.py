"""Serving the two built sites and the bare Pyodide page on ephemeral loopback ports."""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

from ..site.serve import SiteHandler, make_server

NOTEBOOK = "examples/hello.ipynb"
NOTEBOOK_URL = f"lab/index.html?path={NOTEBOOK}"
#: The folder whose requirements.txt has the 5 packages (and a -r include) of issue 4.
PACKAGES_FOLDER = "packages"
#: InkRider: the folder's own notebook, whose one cell imports the packages; no %pip anywhere.
PACKAGES_NOTEBOOK = f"{PACKAGES_FOLDER}/packages.ipynb"
#: Vanilla: a notebook in the same folder whose first cell is `%pip install -r requirements.txt`
#: and then the same code. The bench writes it into the browser's storage of the vanilla site
#: (the content is shared by both sites, and InkRider needs no such notebook).
PIP_NOTEBOOK = f"{PACKAGES_FOLDER}/pip-install-r.ipynb"
FLOOR_PAGE = "floor.html"

# Only `import`, `loadPyodide` and one `runPython`: what any page that runs Python must pay.
FLOOR_HTML = """<!doctype html>
<meta charset="utf-8">
<title>Pyodide floor</title>
<script type="module">
const marks = {};
try {
  const indexURL = new URL('./static/pyodide/', location.href).href;
  marks.importStart = performance.now();
  const { loadPyodide } = await import('./static/pyodide/pyodide.mjs');
  marks.imported = performance.now();
  const py = await loadPyodide({ indexURL });
  marks.loaded = performance.now();
  py.runPython('1');
  marks.done = performance.now();
} catch (error) {
  marks.error = String(error);
}
window.__floor = marks;
</script>
"""


@dataclass(frozen=True)
class Site:
    name: str
    directory: Path
    inkrider: bool


class _ExposeAppHandler(SiteHandler):
    """The site's own handler, plus `exposeAppInBrowser` in the root `jupyter-lite.json`.

    JupyterLab only sets `window.jupyterapp` when that page-config option is "true", and the
    warm round trip is measured through the notebook's own kernel connection, which is only
    reachable through the app. Both sites get the same change, so the comparison stays fair.
    """

    def do_GET(self) -> None:
        if urlsplit(self.path).path != "/jupyter-lite.json":
            super().do_GET()
            return
        config = json.loads((Path(self.directory) / "jupyter-lite.json").read_text())
        config["jupyter-config-data"]["exposeAppInBrowser"] = "true"
        body = json.dumps(config).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _PlainExposeAppHandler(_ExposeAppHandler):
    isolated: ClassVar[bool] = False


@contextmanager
def served(directory: Path, *, expose_app: bool = False, isolated: bool = True) -> Iterator[str]:
    """Serve `directory` on 127.0.0.1 on a free port; yields the base URL (ending in '/').

    The vanilla site is served without isolation, as a plain JupyterLite site is: isolated,
    pyodide-kernel 0.8.6 loses replies (its coincident worker)."""
    server = make_server(directory, 0, isolated=isolated)
    if expose_app:
        server.RequestHandlerClass = functools.partial(  # type: ignore[assignment]
            _ExposeAppHandler if isolated else _PlainExposeAppHandler, directory=str(directory)
        )
    thread = threading.Thread(target=server.serve_forever, name=f"bench {directory}", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def write_floor_site(target: Path, pyodide_dir: Path) -> Path:
    """A folder with the bare page and a link to a site's own Pyodide files (not a copy: the
    browser must load the very same bytes the sites load)."""
    (target / "static").mkdir(parents=True, exist_ok=True)
    link = target / "static" / "pyodide"
    if not link.exists():
        link.symlink_to(pyodide_dir.resolve(), target_is_directory=True)
    (target / FLOOR_PAGE).write_text(FLOOR_HTML)
    return target
