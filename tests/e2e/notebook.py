"""Driving notebooks the way a person does: open, type into a cell, run, read the output."""

from __future__ import annotations

import json
import re

from playwright.sync_api import Locator, Page, expect

from inkrider_lite.controller.notifier import DRAWING_SECONDS

APPS = {"lab": "lab/index.html", "notebooks": "notebooks/index.html"}


def open_notebook(page: Page, site_url: str, path: str, app: str = "lab") -> None:
    page.goto(f"{site_url}{APPS[app]}?path={path}")
    page.locator(".jp-Notebook .jp-Cell").first.wait_for()
    wait_for_controller(page)
    wait_for_kernel_connection(page)


def wait_for_kernel_connection(page: Page) -> None:
    """Until the notebook has a kernel, JupyterLab drops a run without a word (vanilla too):
    wait until every session's kernel has answered its client's kernel_info_request."""
    page.wait_for_function(
        "(() => { const s = JSON.parse(window.inkrider.sessions_json());"
        " return s.length > 0 && s.every(k => k.connected); })()"
    )
    page.locator(
        ".jp-NotebookPanel:visible .jp-Notebook-ExecutionIndicator[data-status='idle']"
    ).wait_for()


def wait_for_controller(page: Page) -> None:
    page.wait_for_function("window.inkrider !== undefined")


def status(page: Page) -> dict:
    return json.loads(page.evaluate("window.inkrider.status_json()"))


def sessions(page: Page) -> list[dict]:
    return json.loads(page.evaluate("window.inkrider.sessions_json()"))


def cells(page: Page) -> Locator:
    """The cells of the notebook in view (other notebooks may be open in hidden tabs)."""
    return page.locator(".jp-NotebookPanel:visible .jp-Notebook .jp-Cell")


def submit_in_new_cell(page: Page, code: str) -> Locator:
    """Type `code` into the last cell and run it; returns that cell, without waiting."""
    # Pin the cell by index: running the last cell appends a new one, and `.last` would move.
    cell = cells(page).nth(cells(page).count() - 1)
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(code)
    page.keyboard.press("Shift+Enter")
    return cell


def run_in_new_cell(page: Page, code: str, timeout: float = 90_000) -> str:
    """Type `code` into the last cell, run it, and return the text of its output."""
    cell = submit_in_new_cell(page, code)
    prompt = cell.locator(".jp-InputPrompt")
    expect(prompt).to_have_text(re.compile(r"\[\d+\]"), timeout=timeout)
    return cell.locator(".jp-OutputArea").inner_text()


def kernel_worker_count(page: Page) -> int:
    """Dedicated workers running a Pyodide kernel (the page has no other dedicated workers)."""
    return sum(1 for worker in page.workers if ".worker." in worker.url)


def run_existing_cell(page: Page, index: int = 0, timeout: float = 90_000) -> str:
    """Run the notebook's own cell `index` as it is, and return the text of its output."""
    cell = cells(page).nth(index)
    cell.locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    expect(cell.locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]"), timeout=timeout)
    return cell.locator(".jp-OutputArea").inner_text()


def notifications(page: Page) -> list[str]:
    """The messages of JupyterLab's notification center, oldest first, once the changes the
    page holds back for a new notice's toast (controller/notifier.py) have gone through."""
    page.wait_for_timeout(DRAWING_SECONDS * 1000 + 200)
    return page.evaluate(
        "window.inkrider.notification.manager.notifications.map(n => n.message).reverse()"
    )


def notice_in_full(toast: Locator) -> str:
    """A toast's whole message, as its Details button shows it (JupyterLab shows 140
    characters); the dialog is closed again and the toast stays."""
    toast.get_by_role("button", name="Details").click()
    dialog = toast.page.locator(".jp-Dialog")
    text = dialog.locator(".inkrider-details pre").inner_text()
    dialog.get_by_role("button", name="Ok").click()
    expect(dialog).to_have_count(0)
    return text


def stored_file(page: Page, path: str) -> str:
    """A file as the site's contents store it (what a reload would open)."""
    return page.evaluate(
        """async (path) => {
            const contents = window.inkrider._handles.app.serviceManager.contents;
            const model = await contents.get(path, { content: true });
            const c = model.content;
            return typeof c === 'string' ? c : JSON.stringify(c);
        }""",
        path,
    )


def save_text_file(page: Page, path: str, text: str) -> None:
    page.evaluate(
        """async ([path, text]) => {
            const contents = window.inkrider._handles.app.serviceManager.contents;
            await contents.save(path, { type: 'file', format: 'text', content: text });
        }""",
        [path, text],
    )


class WorkerCounter:
    """The most Pyodide kernel workers alive at once, from the worker events of every page it
    watches: a worker that lived for a moment between two samples is still seen."""

    def __init__(self, *pages: Page) -> None:
        self.live = 0
        self.most = 0
        for page in pages:
            self.watch(page)

    def watch(self, page: Page) -> None:
        page.on("worker", self._started)

    def _started(self, worker) -> None:
        if ".worker." not in worker.url:
            return
        self.live += 1
        self.most = max(self.most, self.live)
        worker.on("close", lambda _w: self._ended())

    def _ended(self) -> None:
        self.live -= 1


def answer_input(page: Page, name: str = "Ada") -> None:
    """input() in a new cell: the prompt reaches the notebook and the answer the kernel."""
    cell = submit_in_new_cell(page, "name = input('Your name? '); print('hello', name)")
    stdin = cell.locator(".jp-Stdin-input")
    stdin.wait_for()
    stdin.fill(name)
    stdin.press("Enter")
    expect(cell.locator(".jp-OutputArea")).to_contain_text(f"hello {name}")


def interrupt_a_sleep(page: Page) -> None:
    """A sleeping cell, stopped from the notebook's toolbar: it ends in KeyboardInterrupt."""
    cell = submit_in_new_cell(page, "import time; time.sleep(100)")
    expect(cell.locator(".jp-InputPrompt")).to_have_text("[*]:")
    page.wait_for_timeout(500)
    page.locator(".jp-NotebookPanel:visible [data-command='notebook:interrupt-kernel']").click()
    expect(cell.locator(".jp-OutputArea")).to_contain_text("KeyboardInterrupt", timeout=10_000)


def toolbar_kernel_names(page: Page) -> dict[str, str]:
    """The kernel name each open notebook's toolbar shows, by path, as drawn."""
    return page.evaluate(
        """() => {
          const names = {};
          for (const w of window.inkrider.app.shell.widgets('main')) {
            const label = w.context && w.node.querySelector('.jp-Toolbar-kernelName');
            if (label) names[w.context.path] = label.textContent;
          }
          return names;
        }"""
    )
