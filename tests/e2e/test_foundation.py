"""The foundation, end to end: lazy sessions, routing, close, restart, micropip, the guide."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, Route, expect

from .notebook import (
    cells,
    kernel_worker_count,
    open_notebook,
    run_in_new_cell,
    sessions,
    status,
    wait_for_kernel_connection,
)

APPS = ["lab", "notebooks"]


def wait_for_warm_worker(page: Page) -> None:
    page.wait_for_function("JSON.parse(window.inkrider.status_json()).warm === 1")


def test_controller_announces_itself_in_lab(page: Page, site_url: str) -> None:
    open_notebook(page, site_url, "examples/hello.ipynb")
    item = page.locator(".inkrider-status")
    expect(item).to_have_text(re.compile(r"InkRider: local"))
    assert status(page)["from_snapshot"] is True
    # Its text sits on the same line as its neighbours' (it sat 4 px higher).
    tops = page.evaluate(
        "() => Array.from(document.querySelectorAll("
        "  '#jp-main-statusbar .jp-StatusBar-Item:not(.lm-mod-hidden) .jp-StatusBar-TextItem'))"
        "  .map((t) => [t.closest('.inkrider-status') !== null, t.getBoundingClientRect().top])"
    )
    ours = {top for mine, top in tops if mine}
    theirs = {top for mine, top in tops if not mine}
    assert ours and theirs and ours == theirs, tops
    assert not page.page_errors  # type: ignore[attr-defined]


def test_opening_five_notebooks_in_lab_starts_no_session(page: Page, site_url: str) -> None:
    open_notebook(page, site_url, "batch/notebook-01.ipynb")
    for n in range(2, 6):
        page.locator(".jp-DirListing-itemText", has_text=f"notebook-0{n}.ipynb").dblclick()
        expect(page.locator(".jp-NotebookPanel")).to_have_count(n)
        wait_for_kernel_connection(page)
    page.wait_for_function("JSON.parse(window.inkrider.sessions_json()).length === 5")
    wait_for_warm_worker(page)
    page.wait_for_timeout(1500)  # a lazy start would show up by now
    states = {s["state"] for s in sessions(page)}
    assert states == {"unbound"}, sessions(page)
    assert kernel_worker_count(page) == 1
    assert status(page)["bound"] == 0


def test_opening_notebooks_one_after_another_in_notebook_app(page: Page, site_url: str) -> None:
    for n in range(1, 6):
        open_notebook(page, site_url, f"batch/notebook-0{n}.ipynb", app="notebooks")
        page.wait_for_function("JSON.parse(window.inkrider.sessions_json()).length === 1")
        assert [s["state"] for s in sessions(page)] == ["unbound"]
        assert kernel_worker_count(page) <= 1


@pytest.mark.parametrize("app", APPS)
def test_first_run_binds_and_variables_live_until_close(
    page: Page, site_url: str, app: str
) -> None:
    open_notebook(page, site_url, "examples/scratch.ipynb", app=app)
    output = run_in_new_cell(
        page, "import sys\nx = 41\nprint(sys.platform, '.'.join(map(str, sys.version_info[:2])))"
    )
    assert output.strip() == "emscripten 3.14"
    assert run_in_new_cell(page, "print(x + 1)").strip() == "42"
    (session,) = sessions(page)
    assert session["state"] == "idle" and session["worker"]

    assert page.evaluate(f"window.inkrider.close_session({json.dumps(session['kernel_id'])})")
    (closed,) = sessions(page)
    assert closed["state"] == "unbound" and closed["worker"] is None
    output = run_in_new_cell(page, "print(x)")
    assert "NameError" in output
    (rebound,) = sessions(page)
    assert rebound["worker"] not in (None, session["worker"])
    assert kernel_worker_count(page) <= 2  # the new session's worker, and perhaps a warm one


def test_micropip_installs_from_the_site_index(page: Page, site_url: str) -> None:
    open_notebook(page, site_url, "examples/scratch.ipynb")
    code = (
        "import micropip\nawait micropip.install('httpx')\nimport httpx\n"
        "print('httpx', httpx.__version__)"
    )
    assert re.fullmatch(r"httpx \d+\.\d+\.\d+", run_in_new_cell(page, code).strip())


def test_kernel_restart_gives_a_fresh_session(page: Page, site_url: str) -> None:
    open_notebook(page, site_url, "examples/scratch.ipynb")
    run_in_new_cell(page, "y = 'kept?'")
    page.locator(".lm-MenuBar-itemLabel", has_text="Kernel").click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Restart Kernel…$")).click()
    page.locator(".jp-Dialog").get_by_role("button", name="Confirm Kernel Restart").click()
    page.wait_for_function(
        "JSON.parse(window.inkrider.sessions_json()).every(s => s.state === 'unbound')"
    )
    assert "NameError" in run_in_new_cell(page, "print(y)")


def test_cells_keep_running_across_the_warm_worker(page: Page, site_url: str) -> None:
    """A second notebook in the same page binds the next worker, not the first one's."""
    open_notebook(page, site_url, "batch/notebook-01.ipynb")
    assert run_in_new_cell(page, "name = 'notebook 01'; print(name)").strip() == "notebook 01"
    first = sessions(page)[0]
    page.locator(".jp-DirListing-itemText", has_text="notebook-02.ipynb").dblclick()
    expect(page.locator(".jp-NotebookPanel")).to_have_count(2)
    wait_for_kernel_connection(page)
    output = run_in_new_cell(page, "print('second', 'name' in globals())")
    assert output.strip() == "second False"
    workers = {s["worker"] for s in sessions(page)}
    assert len(workers) == 2 and first["worker"] in workers


def test_help_menu_opens_the_runtime_guide(page: Page, site_url: str) -> None:
    open_notebook(page, site_url, "examples/hello.ipynb")
    entry = page.locator(".lm-Menu-itemLabel", has_text="JupyterLite Runtime guide (InkRider)")
    # JupyterLab rebuilds the Help menu (closing it) when the kernel's help links arrive.
    for _ in range(20):
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Help$")).click()
        if entry.is_visible():
            break
        page.keyboard.press("Escape")
        page.wait_for_timeout(500)
    with page.context.expect_page() as guide_info:
        entry.click(force=True)  # the menu may still be settling after its rebuild
    guide = guide_info.value
    guide.wait_for_load_state()
    expect(guide.locator("h1")).to_have_text("JupyterLite Runtime")
    assert guide.url.startswith(site_url)


def test_warm_worker_setting_turns_warming_off(page: Page, site_url: str) -> None:
    open_notebook(page, site_url, "examples/hello.ipynb")
    wait_for_warm_worker(page)
    page.evaluate(
        """async () => {
            const settings = window.inkrider._handles.settings;
            await settings.set('inkrider-lite:plugin', 'warmWorker', false);
        }"""
    )
    page.wait_for_function("JSON.parse(window.inkrider.status_json()).warm === 0")
    open_notebook(page, site_url, "examples/hello.ipynb")  # a new page load, same storage
    page.wait_for_timeout(2000)
    assert status(page)["warm_worker_setting"] is False
    assert kernel_worker_count(page) == 0
    assert "emscripten" in run_in_new_cell(page, "import sys; print(sys.platform)")


def test_a_cut_snapshot_costs_the_controller_a_plain_boot(page: Page, site_url: str) -> None:
    """A controller snapshot cut short (a half-copied deploy: its length says half) is checked
    against the size recorded with it at build time: the controller boots plainly and works."""
    warnings: list[str] = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)

    def cut(route: Route) -> None:
        body = route.fetch().body()
        route.fulfill(status=200, body=body[: len(body) // 2])

    page.context.route("**/controller.snapshot", cut)
    try:
        page.goto(f"{site_url}lab/index.html?path=examples/scratch.ipynb")
        cells(page).first.wait_for()
        page.wait_for_function("() => window.inkrider !== undefined", timeout=120_000)
    finally:
        page.context.unroute("**/controller.snapshot")
    assert status(page)["from_snapshot"] is False
    fallback = [m for m in warnings if "the controller boots without its snapshot" in m]
    assert fallback and "not the one its manifest describes" in fallback[0], warnings
    assert "emscripten" in run_in_new_cell(page, "import sys; print(sys.platform)")


def test_failed_controller_leaves_a_working_notebook(page: Page, site_url: str) -> None:
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text) if m.type == "error" else None)
    # Routes on the context: the service worker fetches for the page, past page routes.
    page.context.route("**/controller.snapshot", lambda route: route.abort())
    page.context.route("**/inkrider_lite-*.whl", lambda route: route.abort())
    page.goto(f"{site_url}lab/index.html?path=examples/scratch.ipynb")
    cells(page).first.wait_for()
    page.wait_for_function("() => document.querySelector('.inkrider-status') === null")
    page.wait_for_timeout(3000)
    assert any("InkRider: the controller failed to start" in m for m in messages), messages
    assert "emscripten" in run_in_new_cell(page, "import sys; print(sys.platform)")
