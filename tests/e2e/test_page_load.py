"""A page load asks the site for nothing it lacks: no 404 in the console, in either app."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from .notebook import open_notebook, stored_file, wait_for_controller


@pytest.mark.parametrize("app", ["lab", "notebooks"])
def test_a_page_load_requests_nothing_missing(
    page: Page, site_url: str, site_requests: list[tuple[str, str, int]], app: str
) -> None:
    start = len(site_requests)
    open_notebook(page, site_url, "examples/hello.ipynb", app)
    page.wait_for_timeout(1_000)  # late requests: the favicon, lazily loaded chunks
    missing = [r for r in site_requests[start:] if r[2] >= 400]
    assert missing == []
    failed = [line for line in page.console_lines if "Failed to load resource" in line]  # type: ignore[attr-defined]
    assert failed == []


@pytest.mark.parametrize("app", ["lab", "notebooks"])
def test_opening_a_notebook_changes_nothing_in_it(page: Page, site_url: str, app: str) -> None:
    """The unbound kernel answers kernel_info with the notebook's own language_info, so
    JupyterLab has nothing to update: no unsaved-changes mark, the file as it was."""
    open_notebook(page, site_url, "examples/hello.ipynb", app)
    before = stored_file(page, "examples/hello.ipynb")
    page.wait_for_timeout(3_000)  # the kernel_info exchange and the warm worker's start
    dirty = page.evaluate(
        "() => { const w = window.inkrider.app.shell.currentWidget;"
        "  return w.context.model.dirty; }"
    )
    assert dirty is False
    assert page.locator(".lm-TabBar-tab.jp-mod-dirty").count() == 0
    page.reload()
    page.locator(".jp-Notebook .jp-Cell").first.wait_for()
    wait_for_controller(page)
    assert stored_file(page, "examples/hello.ipynb") == before
