"""A page load asks the site for nothing it lacks: no 404 in the console, in either app."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from .notebook import open_notebook


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
