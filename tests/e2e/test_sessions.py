"""The local session limit, the Session Explorer and Close, in a real browser with real Pyodide.

Workers are counted from Playwright's own worker events, so a fourth Pyodide worker that lived
for a moment between two samples would still be seen.
"""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect

from .notebook import (
    WorkerCounter,
    cells,
    notifications,
    open_notebook,
    run_in_new_cell,
    sessions,
    status,
    stored_file,
    wait_for_kernel_connection,
)

EXPLORER = "#inkrider-session-explorer"
BATCH = [f"batch/notebook-{n:02d}.ipynb" for n in range(1, 11)]
SQUARES = "333328333350000"  # sum(i * i for i in range(100_000))


def run_all_at_once(page: Page, site_url: str, paths: list[str], waiting: int) -> None:
    """Open the notebooks, Run All in each, and return once `waiting` of them wait for a slot."""
    open_notebook(page, site_url, paths[0])
    open_more(page, paths[1:])
    for path in paths:
        run_all(page, path)
    page.wait_for_function(
        "(n) => JSON.parse(window.inkrider.sessions_json())"
        ".filter(s => s.state === 'waiting').length === n",
        arg=waiting,
    )


def open_more(page: Page, paths: list[str]) -> None:
    """Open notebooks in the same JupyterLab page, as from the file browser."""
    for path in paths:
        page.evaluate(
            "(path) => window.inkrider.app.commands.execute('docmanager:open', { path })", path
        )
    page.wait_for_function(
        "(n) => JSON.parse(window.inkrider.sessions_json()).filter(s => s.connected).length >= n",
        arg=len(paths) + 1,
    )


def run_all(page: Page, path: str) -> None:
    """Run All in the notebook at `path`, as its Run menu would (without waiting for it)."""
    page.evaluate(
        """async (path) => {
            const app = window.inkrider.app;
            const { NotebookActions } =
                await window.inkrider._handles.requireShared('@jupyterlab/notebook');
            const widget = [...app.shell.widgets('main')].find((w) => w.context?.path === path);
            NotebookActions.runAll(widget.content, widget.sessionContext);
        }""",
        path,
    )


def outputs(page: Page, path: str) -> list[str]:
    """The text of each cell's outputs in the open notebook at `path`."""
    return page.evaluate(
        """(path) => {
            const app = window.inkrider.app;
            const widget = [...app.shell.widgets('main')].find((w) => w.context?.path === path);
            return widget.content.widgets.map((cell) =>
                (cell.model.outputs ? cell.model.outputs.toJSON() : [])
                    .map((o) => o.text ?? (o.data && o.data['text/plain']) ?? o.ename ?? '')
                    .join(''));
        }""",
        path,
    )


def kernel_of(page: Page, path: str) -> str:
    return page.evaluate(
        """(path) => {
            const app = window.inkrider.app;
            const widget = [...app.shell.widgets('main')].find((w) => w.context?.path === path);
            return widget.sessionContext.session.kernel.id;
        }""",
        path,
    )


def open_explorer(page: Page) -> None:
    page.evaluate("window.inkrider.app.commands.execute('inkrider:open-session-explorer')")
    expect(page.locator(EXPLORER)).to_be_visible()


def row(page: Page, kernel_id: str):
    return page.locator(f"{EXPLORER} .inkrider-session-row[data-kernel-id='{kernel_id}']")


def states(page: Page) -> dict[str, str]:
    return {s["kernel_id"]: s["state"] for s in sessions(page)}


def done(page: Page, path: str) -> bool:
    name = path.rsplit("-", 1)[-1].removesuffix(".ipynb")
    texts = outputs(page, path)
    return f"notebook {name} done {SQUARES}" in texts[-1]


def wait_unbound(page: Page, kernel_id: str) -> None:
    page.wait_for_function(
        "(id) => JSON.parse(window.inkrider.sessions_json())"
        ".find(s => s.kernel_id === id).state === 'unbound'",
        arg=kernel_id,
    )


def wait_done(page: Page, path: str, limit: float = 120) -> None:
    deadline = time.monotonic() + limit
    while not done(page, path):
        assert time.monotonic() < deadline, (outputs(page, path), sessions(page))
        page.wait_for_timeout(250)


def close_finished_until_all_done(page: Page, paths: list[str], limit: float = 240) -> list[str]:
    """Close, from the explorer, each session whose notebook has finished, until every notebook
    has. Returns the order in which notebooks finished."""
    finished: list[str] = []
    deadline = time.monotonic() + limit
    while len(finished) < len(paths):
        assert time.monotonic() < deadline, f"only {finished} finished; {sessions(page)}"
        for path in paths:
            if path in finished or not done(page, path):
                continue
            finished.append(path)
            kernel_id = kernel_of(page, path)
            row(page, kernel_id).locator("[data-action=close]").click()
            wait_unbound(page, kernel_id)
        page.wait_for_timeout(250)
    return finished


def test_five_notebooks_never_get_more_than_three_workers(page: Page, site_url: str) -> None:
    workers = WorkerCounter(page)
    paths = BATCH[:5]
    run_all_at_once(page, site_url, paths, waiting=2)
    page.wait_for_function("JSON.parse(window.inkrider.status_json()).bound === 3")
    # The two that wait say so, in their cells, in a notification and in the status bar.
    waiting = [p for p in paths if states(page)[kernel_of(page, p)] == "waiting"]
    assert len(waiting) == 2
    for path in waiting:
        assert "Waiting for a local session" in outputs(page, path)[0]
    assert any("All 3 local sessions are in use" in n for n in notifications(page))
    expect(page.locator(".inkrider-status")).to_contain_text("3/3 sessions · 2 waiting")
    open_explorer(page)
    places = [row(page, kernel_of(page, p)).inner_text() for p in waiting]
    assert "#1" in places[0] + places[1] and "#2" in places[0] + places[1]

    finished = close_finished_until_all_done(page, paths)
    assert set(finished[-2:]) == set(waiting)  # they ran last, once slots were freed
    for path in paths:
        texts = outputs(page, path)
        assert "ran in /drive/batch" in texts[0]
        assert "Waiting" not in "".join(texts)  # the waiting note was cleared
    assert workers.most <= 3, f"{workers.most} Pyodide workers at once"
    assert not page.page_errors  # type: ignore[attr-defined]


def test_ten_notebooks_run_all_at_once_with_the_limit_of_three(page: Page, site_url: str) -> None:
    workers = WorkerCounter(page)
    run_all_at_once(page, site_url, BATCH, waiting=7)
    # One notice for the line, not seven: the newest waiting run's. (A replaced notice stays in
    # the page while it slides out.)
    toast = page.locator(
        ".Toastify__toast:not([class*='slide-exit'])", has_text="All 3 local sessions are in use"
    )
    newest = toast.filter(has_text="6 other runs wait too")
    expect(newest).to_have_count(1)
    expect(toast).to_have_count(1)
    newest.get_by_role("button", name="Wait").click()
    expect(toast).to_have_count(0)
    open_explorer(page)
    finished = close_finished_until_all_done(page, BATCH, limit=420)
    assert sorted(finished) == BATCH
    assert workers.most <= 3, f"{workers.most} Pyodide workers at once"
    assert page.evaluate("1 + 1") == 2  # the page is alive
    assert not page.page_errors  # type: ignore[attr-defined]


def set_local_limit(page: Page, limit: int) -> None:
    page.evaluate(
        "(n) => window.inkrider._handles.settings.set('inkrider-lite:plugin',"
        " 'maxLocalSessions', n)",
        limit,
    )
    page.wait_for_function("(n) => JSON.parse(window.inkrider.status_json()).cap === n", arg=limit)


def test_cancel_and_wait_from_the_notification(page: Page, site_url: str) -> None:
    first, second = BATCH[0], BATCH[1]
    open_notebook(page, site_url, first)
    set_local_limit(page, 1)
    open_more(page, [second])
    run_all(page, first)
    wait_done(page, first)

    run_all(page, second)
    toast = page.locator(".Toastify__toast", has_text="The local session is in use")
    expect(toast).to_be_visible()
    assert "Waiting for a local session" in outputs(page, second)[0]
    toast.get_by_role("button", name="Cancel").click()
    wait_unbound(page, kernel_of(page, second))
    page.wait_for_timeout(500)  # the rest of Run All is aborted, not started
    assert outputs(page, second) == ["", "", ""]
    assert states(page)[kernel_of(page, first)] == "idle"  # nothing else changed
    assert len(sessions(page)) == 2
    # The cancelled run's notice leaves (in about 2 s) before the next run raises its own; on
    # a loaded machine the two were on screen at once.
    expect(toast).to_have_count(0, timeout=15_000)

    run_all(page, second)
    toast = page.locator(".Toastify__toast", has_text="The local session is in use")
    toast.get_by_role("button", name="Wait").click()
    expect(toast).to_have_count(0)
    assert states(page)[kernel_of(page, second)] == "waiting"
    open_explorer(page)
    row(page, kernel_of(page, first)).locator("[data-action=close]").click()
    wait_done(page, second)


def test_close_from_the_explorer_resets_variables_and_leaves_the_file_alone(
    page: Page, site_url: str
) -> None:
    path = "examples/scratch.ipynb"
    open_notebook(page, site_url, path)
    before = stored_file(page, path)
    run_in_new_cell(page, "secret = 42\nprint(secret)")
    (session,) = sessions(page)
    open_explorer(page)
    entry = row(page, session["kernel_id"])
    expect(entry.locator(".inkrider-session-path")).to_have_text(path)
    expect(entry.locator(".inkrider-session-state")).to_contain_text("idle")
    # Reconnect is for remote sessions whose link was lost: not shown for a local one.
    expect(entry.locator("[data-action=reconnect]")).to_be_hidden()
    expect(entry.locator(".inkrider-session-memory")).to_have_text(re.compile(r"\d+ MB"))
    # The figure says what it is (and a missing one why it is missing).
    expect(entry.locator(".inkrider-session-memory")).to_have_attribute(
        "title", re.compile("WebAssembly memory")
    )
    # Close all asks first (one misclick ended every session); Cancel leaves them. Cancel has
    # the focus: Enter, pressed out of habit, is Cancel.
    page.locator("[data-action=close-all]").click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("Close all sessions?")
    expect(dialog).to_contain_text("End the session listed? Their variables are lost.")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog).to_have_count(0)
    expect(entry).to_have_count(1)
    assert status(page)["bound"] == 1
    entry.locator("[data-action=close]").click()
    expect(entry).to_have_count(0)
    assert status(page)["bound"] == 0
    assert "NameError" in run_in_new_cell(page, "secret")
    # Accepted, Close all ends the session that run started.
    open_explorer(page)
    page.locator("[data-action=close-all]").click()
    dialog.get_by_role("button", name="Close all").click()
    page.wait_for_function("JSON.parse(window.inkrider.status_json()).bound === 0")
    assert stored_file(page, path) == before


def test_a_notebook_name_that_looks_like_html_shows_as_text(page: Page, site_url: str) -> None:
    name = "<img src=x onerror=alert(1)>.ipynb"
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_notebook(page, site_url, "examples/hello.ipynb")
    page.evaluate(
        """async (name) => {
            const contents = window.inkrider.app.serviceManager.contents;
            const model = await contents.get('examples/scratch.ipynb', { content: true });
            await contents.save(`examples/${name}`, { ...model, name, path: `examples/${name}` });
            await window.inkrider.app.commands.execute('docmanager:open',
                { path: `examples/${name}` });
        }""",
        name,
    )
    page.wait_for_function("JSON.parse(window.inkrider.sessions_json()).length === 2")
    wait_for_kernel_connection(page)
    assert "3" in run_in_new_cell(page, "1 + 2")
    open_explorer(page)
    path_cell = page.locator(f"{EXPLORER} .inkrider-session-path", has_text="onerror")
    expect(path_cell).to_have_text(f"examples/{name}")
    assert page.locator(f"{EXPLORER} img").count() == 0
    page.wait_for_timeout(500)
    assert dialogs == []
    assert cells(page).count() >= 1


def test_a_local_session_numbers_cells_as_the_notebook_does(page: Page, site_url: str) -> None:
    """The controller's own runs in the worker (its setup, the folder's installs) take no
    number: the first cell's traceback says `Cell In[1]`, as its prompt says [1], and the next
    cell's result is Out[2], as its prompt is [2]."""
    from .notebook import submit_in_new_cell

    open_notebook(page, site_url, "examples/scratch.ipynb")
    first = submit_in_new_cell(page, "1 / 0")
    expect(first.locator(".jp-InputPrompt")).to_have_text("[1]:", timeout=90_000)
    expect(first.locator(".jp-OutputArea")).to_contain_text("Cell In[1], line 1")
    second = submit_in_new_cell(page, "_i1, 20 + 1")
    expect(second.locator(".jp-InputPrompt")).to_have_text("[2]:")
    expect(second.locator(".jp-OutputArea-promptOverlay, .jp-OutputPrompt").first).to_have_text(
        "[2]:"
    )
    expect(second.locator(".jp-OutputArea")).to_contain_text("('1 / 0', 21)")


def test_changing_the_kernel_shuts_the_replaced_one_down(page: Page, site_url: str) -> None:
    # Kernel → Change Kernel… left the old kernel running, unlisted, holding a slot (JupyterLite
    # does not shut a replaced kernel down; a Jupyter Server does).
    path = "examples/scratch.ipynb"
    open_notebook(page, site_url, path)
    run_in_new_cell(page, "kept = 1")
    (old,) = sessions(page)
    page.locator(".jp-NotebookPanel:visible .jp-Toolbar-kernelName").click()
    dialog = page.locator(".jp-Dialog")
    dialog.locator("select").select_option(label="Python (Pyodide)")
    dialog.get_by_role("button", name="Select Kernel").click()
    page.wait_for_function(
        "(old) => JSON.parse(window.inkrider.sessions_json()).every(s => s.kernel_id !== old)",
        arg=old["kernel_id"],
    )
    assert "NameError" in run_in_new_cell(page, "kept")
    (new,) = sessions(page)
    assert new["path"] == path and new["worker"] is not None
    assert status(page)["bound"] == 1
