"""Driving the built site in headless Chromium: the notebooks' folders into the page's contents,
the batch through window.inkrider.execution_*, the written notebooks back."""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..site.chromium import CHROMIUM, CHROMIUM_ARGS
from ..site.serve import make_server

#: Seconds between two looks at the batch.
POLL = 0.5
#: Seconds the page gets to load and start its controller.
PAGE_TIMEOUT_MS = 120_000

_MAKE_FOLDER = """async (path) => {
    const contents = window.inkrider._handles.app.serviceManager.contents;
    const parent = path.split('/').slice(0, -1).join('/');
    const made = await contents.newUntitled({ path: parent, type: 'directory' });
    await contents.rename(made.path, path);
}"""
_SAVE = """async ([path, options]) => {
    const contents = window.inkrider._handles.app.serviceManager.contents;
    await contents.save(path, options);
}"""
_READ = """async (path) => {
    const contents = window.inkrider._handles.app.serviceManager.contents;
    const model = await contents.get(path, { content: true });
    return JSON.stringify(model.content);
}"""


class Page:
    """One headless page of the site, served from `site` on a free loopback port."""

    def __init__(self, site: Path, overlay: Path | None = None) -> None:
        """`overlay`: files served in place of the site's (extra_wheels.overlay_index)."""
        self._site = site
        self._overlay = overlay

    def __enter__(self) -> Page:
        from playwright.sync_api import sync_playwright

        self._server = make_server(self._site, 0, overlay=self._overlay)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{self._server.server_address[1]}/"
        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        self.page = self._browser.new_page()
        self.page.set_default_timeout(PAGE_TIMEOUT_MS)
        self.page.goto(f"{url}lab/index.html")
        self.page.wait_for_function(
            "window.inkrider !== undefined && window.inkrider.execution_json !== undefined"
            " && window.inkrider.execution_json() === 'null'"
            " && document.querySelector('#inkrider-status') !== null"
        )
        # Nobody sees this page: the batch notice's spinner would be drawn 60 times a second,
        # in software (no GPU), for the whole batch: measured, about 0.45 s of CPU in a 9 s
        # batch on 2 cores, time the notebooks want.
        self.page.add_style_tag(content=".Toastify__spinner { animation: none !important; }")
        return self

    def __exit__(self, *_exc: object) -> None:
        self._browser.close()
        self._playwright.stop()
        self._server.shutdown()
        self._server.server_close()

    def copy_in(self, files: dict[str, Path]) -> None:
        """Files onto the page's contents, their folders made first."""
        folders = sorted(
            {"/".join(p.split("/")[:i]) for p in files for i in range(1, p.count("/") + 1)},
            key=lambda f: f.count("/"),
        )
        for folder in folders:
            self.page.evaluate(_MAKE_FOLDER, folder)
        for site_path, source in files.items():
            if source.suffix == ".ipynb":
                options: dict[str, Any] = {
                    "type": "notebook",
                    "format": "json",
                    "content": json.loads(source.read_text(encoding="utf-8")),
                }
            elif source.suffix == ".whl":
                options = {
                    "type": "file",
                    "format": "base64",
                    "content": base64.b64encode(source.read_bytes()).decode(),
                }
            else:
                options = {
                    "type": "file",
                    "format": "text",
                    "content": source.read_text(encoding="utf-8", errors="replace"),
                }
            self.page.evaluate(_SAVE, [site_path, options])

    def run(
        self,
        paths: list[str],
        options: dict[str, Any],
        on_state: Callable[[dict[str, Any]], None],
    ) -> dict[str, Any]:
        """Run the batch to its end; its last state."""
        request = json.dumps({"paths": paths, **options})
        why = self.page.evaluate("(r) => window.inkrider.execution_start(r)", request)
        if why:
            raise RuntimeError(why)
        while True:
            state = self.state()
            if state is not None:
                on_state(state)
                if state["ended"]:
                    return state
            time.sleep(POLL)

    def state(self) -> dict[str, Any] | None:
        return json.loads(self.page.evaluate("window.inkrider.execution_json()"))

    def read_notebook(self, site_path: str) -> dict[str, Any]:
        return json.loads(self.page.evaluate(_READ, site_path))


def run_root() -> str:
    """The page's folder for one run's notebooks."""
    return f"inkrider-run-{uuid.uuid4().hex[:8]}"
