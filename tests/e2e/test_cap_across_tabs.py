"""The local session limit holds across the tabs of one browser (issue 12 §3).

Every tab of one browser context shares the 3 slots: a run beyond them waits, says that the
sessions are in other tabs, and binds when such a tab closes. Workers are counted from
Playwright's worker events of every page of the context, so a fourth Pyodide worker alive for a
moment between two samples would still be seen.
"""

from __future__ import annotations

import json

from playwright.sync_api import BrowserContext, Page, expect

from .notebook import (
    WorkerCounter,
    open_notebook,
    run_existing_cell,
    status,
    wait_for_controller,
    wait_for_kernel_connection,
)

BATCH = [f"batch/notebook-{n:02d}.ipynb" for n in range(1, 5)]


def new_tab(context: BrowserContext, workers: WorkerCounter) -> Page:
    page = context.new_page()
    page.set_default_timeout(90_000)
    workers.watch(page)
    return page


def press_run(page: Page) -> None:
    page.locator(".jp-NotebookPanel:visible .jp-Cell .cm-content").first.click()
    page.keyboard.press("Control+Enter")


def first_output(page: Page) -> str:
    return page.locator(".jp-Notebook .jp-Cell").first.locator(".jp-OutputArea-output").inner_text()


def test_four_notebooks_tabs_share_three_sessions(context: BrowserContext, site_url: str) -> None:
    workers = WorkerCounter()
    tabs = []
    for path in BATCH[:3]:
        tab = new_tab(context, workers)
        open_notebook(tab, site_url, path, "notebooks")
        assert "ran in /drive/batch" in run_existing_cell(tab, 0)
        tabs.append(tab)
    fourth = new_tab(context, workers)
    open_notebook(fourth, site_url, BATCH[3], "notebooks")
    press_run(fourth)
    waiting = fourth.locator(".jp-Notebook .jp-Cell").first.locator(".jp-OutputArea-output")
    expect(waiting).to_contain_text("3 of them are open in other tabs")
    expect(fourth.locator(".inkrider-status")).to_contain_text("3/3 sessions · 3 in other tabs")
    fourth.wait_for_timeout(3_000)  # a slot wrongly granted would boot a fourth worker by now
    assert workers.most <= 3, f"{workers.most} Pyodide workers at once"
    assert "ran in" not in first_output(fourth)

    tabs[0].close()  # the browser frees the closed tab's slot; the waiting run takes it
    expect(waiting).to_contain_text("ran in /drive/batch", timeout=120_000)
    assert "Waiting" not in first_output(fourth)
    assert status(fourth)["bound"] == 1
    assert workers.most <= 3, f"{workers.most} Pyodide workers at once"
    # The other tabs count the session that started after its wait, named by its notebook.
    expect(tabs[1].locator(".inkrider-status")).to_contain_text("3/3 sessions · 2 in other tabs")
    elsewhere = json.loads(tabs[1].evaluate("window.inkrider.status_json()"))["elsewhere"]
    assert sorted(elsewhere) == sorted([BATCH[2], BATCH[3]]), elsewhere


def test_two_lab_tabs_share_three_sessions(context: BrowserContext, site_url: str) -> None:
    workers = WorkerCounter()
    first = new_tab(context, workers)
    open_notebook(first, site_url, BATCH[0])
    assert "ran in /drive/batch" in run_existing_cell(first, 0)
    for path in BATCH[1:3]:  # opened in the same /lab tab, as from the file browser
        first.evaluate(
            "(path) => window.inkrider.app.commands.execute('docmanager:open', { path })", path
        )
        expect(first.locator(".lm-TabBar-tab.jp-mod-current")).to_contain_text(path.split("/")[-1])
        wait_for_kernel_connection(first)
        assert "ran in /drive/batch" in run_existing_cell(first, 0)
    assert status(first)["bound"] == 3
    second = new_tab(context, workers)
    # This tab restores the other's layout (one workspace per site), with BATCH[3] in front.
    second.goto(f"{site_url}lab/index.html?path={BATCH[3]}")
    wait_for_controller(second)
    second.evaluate(
        "(path) => window.inkrider.app.commands.execute('docmanager:open', { path })", BATCH[3]
    )
    expect(second.locator(".lm-TabBar-tab.jp-mod-current")).to_contain_text("notebook-04")
    wait_for_kernel_connection(second)
    press_run(second)
    panel = second.locator(".jp-NotebookPanel:visible .jp-Cell").first
    expect(panel.locator(".jp-OutputArea-output")).to_contain_text("open in other tabs")
    # The explorer of the waiting tab names the notebooks the other tab holds.
    second.evaluate(
        "() => { window.inkrider.app.commands.execute('inkrider:open-session-explorer'); }"
    )
    other = second.locator("#inkrider-session-explorer .inkrider-other-tabs")
    expect(other).to_contain_text("3 sessions")
    for path in BATCH[:3]:
        expect(other).to_contain_text(path)
    assert workers.most <= 3, f"{workers.most} Pyodide workers at once"

    first.close()
    expect(panel.locator(".jp-OutputArea-output")).to_contain_text(
        "ran in /drive/batch", timeout=120_000
    )
    expect(other).to_be_hidden()
    assert workers.most <= 3, f"{workers.most} Pyodide workers at once"
