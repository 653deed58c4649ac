"""Settings → Runtime… driven by its accessible names, as a person connects a remote server."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .notebook import cells

FORM = "#inkrider-runtime-form"


def open_runtime_form(page: Page) -> None:
    """From the Settings menu, as a person would."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Settings$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Runtime…$")).click()
    expect(page.locator(FORM)).to_be_visible()


def test_connection(page: Page, base_url: str, token: str) -> str:
    """Fill Base URL and Token, click Test connection; the verdict's text."""
    form = page.locator(FORM)
    form.get_by_label("Base URL").fill(base_url)
    form.get_by_label("Token").fill(token)
    form.get_by_role("button", name="Test connection").click()
    result = form.get_by_role("status").first
    expect(result).not_to_have_text(re.compile(r"^(Testing…)?$"), timeout=8_000)
    return result.inner_text()


test_connection.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


def choose_remote(
    page: Page, base_url: str, token: str, connected: str = "Connected to Jupyter Server"
) -> str:
    """Choose the remote runtime, test the connection (its verdict must contain `connected`),
    save; returns the verdict."""
    open_runtime_form(page)
    form = page.locator(FORM)
    form.get_by_label("Jupyter Server (remote)").check()
    verdict = test_connection(page, base_url, token)
    assert connected in verdict, verdict
    form.get_by_role("button", name="Save").click()
    expect(form.locator(".inkrider-saved")).to_contain_text("Saved. New sessions start on")
    page.wait_for_function("JSON.parse(window.inkrider.status_json()).runtime === 'remote'")
    return verdict


def back_to_notebook(page: Page, path: str) -> None:
    page.evaluate(
        "(path) => window.inkrider.app.commands.execute('docmanager:open', { path })", path
    )
    cells(page).first.wait_for()
