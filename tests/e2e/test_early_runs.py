"""A run pressed the moment a notebook shows is never lost (issue 12 §1).

JupyterLab drops a run pressed before the notebook's first session exists; the controller's boot
on the main thread widens that window. Each attempt is a fresh browser profile (a new context),
so nothing is cached or warm, and Run is pressed as soon as the first cell is visible, without
waiting for the kernel as the other tests do.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from .conftest import watch_requests
from .notebook import APPS

ATTEMPTS = 5


@pytest.mark.parametrize("app", ["lab", "notebooks"])
def test_a_run_pressed_as_the_notebook_shows_produces_its_output(
    browser: Browser, site_url: str, foreign_requests: list[str], app: str
) -> None:
    outcomes = []
    for _ in range(ATTEMPTS):
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        watch_requests(context, foreign_requests)
        try:
            page = context.new_page()
            page.goto(f"{site_url}{APPS[app]}?path=examples/hello.ipynb")
            editor = page.locator(".jp-Notebook .jp-Cell .cm-content").first
            editor.click()
            page.keyboard.press("Control+Enter")
            output = page.locator(".jp-Notebook .jp-Cell .jp-OutputArea-output").first
            try:
                output.wait_for(timeout=90_000)
                outcomes.append(output.inner_text())
            except Exception:
                prompt = page.locator(".jp-Notebook .jp-Cell .jp-InputPrompt").first.inner_text()
                outcomes.append(f"lost (prompt {prompt!r})")
        finally:
            context.close()
    lost = [f"attempt {i}: {o}" for i, o in enumerate(outcomes) if "emscripten" not in o]
    assert lost == [], lost
