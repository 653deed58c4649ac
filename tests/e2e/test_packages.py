"""requirements.txt beside a notebook, installed when its session starts, with real wheels."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from .notebook import (
    notifications,
    open_notebook,
    run_existing_cell,
    run_in_new_cell,
    save_text_file,
    sessions,
    status,
    stored_file,
    wait_for_controller,
    wait_for_kernel_connection,
)

CONTENT = Path(__file__).resolve().parents[2] / "content"
#: What the packages folder's requirements.txt installs, as wheel file names begin.
PACKAGE_WHEELS = {
    "attrs",
    "markdown_it_py",
    "linkify_it_py",
    "humanize",
    "python_dateutil",
    "more_itertools",
}


def summary_in_session(page: Page) -> dict:
    code = "import inkrider_lite, json\nprint(json.dumps(inkrider_lite.session_requirements()))"
    return json.loads(run_in_new_cell(page, code))


def test_folder_requirements_are_installed_before_the_first_cell(page: Page, site_url: str) -> None:
    open_notebook(page, site_url, "packages/packages.ipynb")
    output = run_existing_cell(page)  # the notebook's own cell: imports, no %pip anywhere
    versions = dict(line.split() for line in output.strip().splitlines())
    assert versions["attrs"] == "25.3.0"  # the pin
    assert set(versions) == {
        "attrs",
        "markdown-it-py",
        "linkify-it-py",
        "humanize",
        "python-dateutil",
        "more-itertools",
    }
    # The progress notification ends as the outcome (the same notification, updated).
    messages = notifications(page)
    assert any(re.fullmatch(r"Installed \d+ packages in \d+\.\d s", m) for m in messages), messages
    summary = summary_in_session(page)
    installed = {p["name"]: p["version"] for p in summary["installed"]}
    assert installed["attrs"] == "25.3.0" and "linkify-it-py" in installed  # the extra
    assert "tomli" not in installed  # its marker is false in the browser
    assert summary["problems"] == []
    (session,) = sessions(page)
    assert session["requirements"]["file"] == "packages/requirements.txt"


def early_install(page: Page) -> dict | None:
    return status(page)["early_install"]


def test_packages_go_into_the_warm_worker_while_the_notebook_is_read(
    page: Page, site_url: str, site_requests: list[tuple[str, str, int]]
) -> None:
    """With one folder's notebook open, its packages install before anybody runs a cell; the
    first run then finds them, and the session reports them as if installed at its start."""
    start = len(site_requests)
    open_notebook(page, site_url, "packages/packages.ipynb")
    page.wait_for_function(
        "JSON.parse(window.inkrider.status_json()).early_install?.state === 'installed'",
        timeout=120_000,
    )
    assert early_install(page) == {"folder": "packages", "state": "installed"}
    assert all(s["state"] == "unbound" for s in sessions(page))  # nothing ran yet
    early = {p.rsplit("/", 1)[-1].split("-")[0] for p, _ in wheel_responses(site_requests[start:])}
    assert early >= PACKAGE_WHEELS
    mark = len(site_requests)
    output = run_existing_cell(page)
    assert "attrs 25.3.0" in output and "humanize" in output
    assert wheel_responses(site_requests[mark:]) == []  # nothing left to fetch at bind
    # The toast shows the outcome: its "Installing…" became the outcome within one tick, a
    # change the toast library dropped, and the spinner stayed.
    toasts = page.locator(".Toastify__toast")
    expect(toasts.filter(has_text=re.compile(r"Installed \d+ packages"))).to_have_count(1)
    expect(toasts.filter(has_text="Installing")).to_have_count(0)
    assert any(re.fullmatch(r"Installed \d+ packages in \d+\.\d s", m) for m in notifications(page))
    summary = summary_in_session(page)
    assert "attrs" in {p["name"] for p in summary["installed"]}
    (session,) = sessions(page)
    assert session["requirements"]["file"] == "packages/requirements.txt"


def test_an_early_install_for_another_folder_is_taken_back(page: Page, site_url: str) -> None:
    """The warm worker got packages/ installed, but a notebook of examples/ runs first: it gets
    that worker clean, without packages/'s packages."""
    open_notebook(page, site_url, "packages/packages.ipynb")
    page.wait_for_function(
        "JSON.parse(window.inkrider.status_json()).early_install?.state === 'installed'",
        timeout=120_000,
    )
    page.evaluate(
        "window.inkrider.app.commands.execute('docmanager:open', "
        "{ path: 'examples/scratch.ipynb' })"
    )
    page.locator(".jp-NotebookPanel:visible .jp-Notebook .jp-Cell").first.wait_for()
    wait_for_kernel_connection(page)
    output = run_in_new_cell(
        page,
        "import importlib.util, micropip\n"
        "print(sorted(n for n in ('humanize', 'attrs', 'more_itertools')"
        " if importlib.util.find_spec(n)), 'humanize' in micropip.list())",
    )
    assert output.strip() == "[] False"
    (bound,) = [s for s in sessions(page) if s["state"] != "unbound"]
    assert bound["requirements"] is None
    assert not [m for m in notifications(page) if "nstall" in m]


def test_a_broken_requirements_file_reports_each_bad_line(page: Page, site_url: str) -> None:
    open_notebook(page, site_url, "broken/broken.ipynb")
    before = stored_file(page, "broken/broken.ipynb")
    shown = run_existing_cell(page).strip().splitlines()
    assert re.fullmatch(r"\d+\.\d+\.\d+", shown[-1])  # tabulate works
    # The cell whose run started the session says which lines failed, and what to do.
    assert shown[0] == "broken/requirements.txt: 4 lines not installed:"
    assert "line 2: nosuchpkg-xyz==1.0 — not found in any index" in shown
    assert any(line.startswith("A package not found: check its spelling") for line in shown)
    assert any(line.startswith("A package that needs native code") for line in shown), shown
    (report,) = [m for m in notifications(page) if "lines not installed" in m]
    assert "line 2: nosuchpkg-xyz==1.0 — not found in any index" in report
    assert "line 3: foo== — not a valid requirement" in report
    assert "line 4: -e . — editable installs" in report
    assert "line 5: psycopg2==2.9.10 — needs native code; no Pyodide build available" in report
    assert "tabulate" not in report
    assert run_in_new_cell(page, "print(6 * 7)").strip() == "42"
    summary = summary_in_session(page)
    assert [p["line"] for p in summary["problems"]] == [2, 3, 4, 5]
    assert "tabulate" in {p["name"] for p in summary["installed"]}

    # The notice cuts long text: its Details action shows every line whole, as text.
    page.evaluate("window.inkrider.app.commands.execute('apputils:display-notifications')")
    page.get_by_role("button", name="Details").first.click()
    dialog = page.locator(".jp-Dialog .inkrider-details")
    for line in (
        "line 2: nosuchpkg-xyz==1.0 — not found in any index",
        "line 3: foo== — not a valid requirement",
        "line 4: -e . — editable installs",
        "line 5: psycopg2==2.9.10 — needs native code; no Pyodide build available",
    ):
        expect(dialog).to_contain_text(line)
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)

    # The Session Explorer's row reaches the same list from the keyboard.
    page.evaluate("window.inkrider.app.commands.execute('inkrider:open-session-explorer')")
    details = page.get_by_role("button", name="Package details of broken/broken.ipynb")
    details.focus()
    page.keyboard.press("Enter")
    expect(dialog).to_contain_text("line 5: psycopg2==2.9.10")
    page.keyboard.press("Escape")
    assert stored_file(page, "broken/broken.ipynb") == before


def test_an_index_or_a_wheel_host_that_cannot_be_reached_is_named_with_its_line(
    page: Page, site_url: str
) -> None:
    open_notebook(page, site_url, "examples/scratch.ipynb")
    save_text_file(
        page,
        "examples/requirements.txt",
        "--index-url http://127.0.0.1:9/simple\n"
        "attrs\n"
        "http://no-such-host.invalid/pkg-1.0-py3-none-any.whl\n",
    )
    shown = run_in_new_cell(page, "print('ran')", 120_000).strip().splitlines()
    assert shown[-1] == "ran"
    assert shown[0] == "examples/requirements.txt: 2 lines not installed:"
    reasons = {p["line"]: p["reason"] for p in summary_in_session(page)["problems"]}
    assert reasons[2] == (
        "not found: the index http://127.0.0.1:9/simple (line 1) could not be reached"
    )
    assert reasons[3].startswith(
        "could not download http://no-such-host.invalid/pkg-1.0-py3-none-any.whl: "
        "the host no-such-host.invalid could not be reached."
    )
    assert "CORS" in reasons[3]  # as what looks the same, not as the cause


def test_a_wheel_beside_the_notebook_installs_by_relative_path(page: Page, site_url: str) -> None:
    open_notebook(page, site_url, "local-wheel/local-wheel.ipynb")
    assert run_existing_cell(page).strip() == "hello from a wheel beside the notebook"


def test_a_folder_without_requirements_has_no_install_step(page: Page, site_url: str) -> None:
    open_notebook(page, site_url, "examples/scratch.ipynb")
    assert run_in_new_cell(page, "print('ready')").strip() == "ready"
    (session,) = sessions(page)
    assert session["requirements"] is None
    assert not [m for m in notifications(page) if "nstall" in m]


def test_an_edited_requirements_file_applies_to_the_next_session(page: Page, site_url: str) -> None:
    open_notebook(page, site_url, "examples/scratch.ipynb")
    assert "ModuleNotFoundError" in run_in_new_cell(page, "import tabulate")
    save_text_file(page, "examples/requirements.txt", "tabulate\n")
    (session,) = sessions(page)
    page.evaluate(f"window.inkrider.close_session({json.dumps(session['kernel_id'])})")
    assert re.fullmatch(
        r"\d+\.\d+\.\d+",
        run_in_new_cell(page, "import tabulate; print(tabulate.__version__)").strip(),
    )


def wheel_responses(responses: list[tuple[str, str, int]]) -> list[tuple[str, int]]:
    """(path without its query, status) of each response of the site's server for a wheel."""
    found = []
    for _method, path, code in responses:
        bare = urlsplit(path).path
        if bare.endswith(".whl"):
            found.append((bare, code))
    return found


def close_the_session(page: Page) -> None:
    (session,) = [s for s in sessions(page) if s["state"] != "unbound"]
    assert page.evaluate(f"window.inkrider.close_session({json.dumps(session['kernel_id'])})")


def reload(page: Page) -> None:
    page.on("dialog", lambda dialog: dialog.accept())  # "leave the page?" for the unsaved run
    page.reload()
    page.locator(".jp-Notebook .jp-Cell").first.wait_for()
    wait_for_controller(page)
    wait_for_kernel_connection(page)


def test_later_sessions_take_the_wheels_from_the_browser_cache(
    page: Page, site_url: str, site_requests: list[tuple[str, str, int]]
) -> None:
    """A second session of the folder, in the same page and after a reload, downloads no wheel:
    the index's wheel links name one exact file each, so the browser keeps them; the rest of
    the wheels (the kernel's own) are revalidated at most."""
    notebook = json.loads((CONTENT / "packages/packages.ipynb").read_text())
    code = "".join(notebook["cells"][0]["source"])
    start = len(site_requests)  # the first install may begin before the first run
    open_notebook(page, site_url, "packages/packages.ipynb")
    first = run_existing_cell(page)
    downloaded = {path for path, status in wheel_responses(site_requests[start:]) if status == 200}
    from_index = {p for p in downloaded if p.rsplit("/", 1)[-1].split("-")[0] in PACKAGE_WHEELS}
    assert {p.rsplit("/", 1)[-1].split("-")[0] for p in from_index} == PACKAGE_WHEELS

    for label, start_again in [("same page", close_the_session), ("after a reload", reload)]:
        start_again(page)
        mark = len(site_requests)
        assert run_in_new_cell(page, code) == first, label
        (session,) = [s for s in sessions(page) if s["state"] != "unbound"]
        assert session["requirements"]["problems"] == [], label
        again = wheel_responses(site_requests[mark:])
        assert [w for w in again if w[1] == 200] == [], f"{label}: wheels downloaded again"
        # Not even a revalidation: the browser did not need to ask the server at all.
        assert [w for w in again if w[0] in from_index] == [], f"{label}: wheels asked for again"


def test_pip_magic_installs_from_the_site_index(
    page: Page,
    site_url: str,
    site_requests: list[tuple[str, str, int]],
    foreign_requests: list[str],
) -> None:
    # tabulate is in the site's index (content/broken asks for it), not in a fresh session.
    open_notebook(page, site_url, "examples/scratch.ipynb")
    assert "ModuleNotFoundError" in run_in_new_cell(page, "import tabulate")
    start = len(site_requests)
    run_in_new_cell(page, "%pip install tabulate")
    output = run_in_new_cell(page, "import tabulate\nprint('tabulate', tabulate.__version__)")
    assert re.fullmatch(r"tabulate \d+\.\d+\.\d+", output.strip())
    served = [p for p, status in wheel_responses(site_requests[start:]) if status == 200]
    assert [p for p in served if p.startswith("/pypi/tabulate-")], served
    # A name that the site's index lacks fails at once, and no other host is asked (the
    # pypiFallback setting is off by default).
    before = len(foreign_requests)
    told = run_in_new_cell(page, "%pip install nosuchpkg-xyz")
    assert "PackageNotInSite: nosuchpkg-xyz is not in this site's package index" in told
    assert "Fall back to PyPI" in told
    assert "micropip" not in told  # no traceback through piplite and micropip
    missing = run_in_new_cell(page, "import micropip\nawait micropip.install('nosuchpkg-xyz')")
    assert "Can't fetch metadata for 'nosuchpkg-xyz'" in missing
    assert foreign_requests[before:] == []


INDEXES = (
    "import json, micropip, piplite.piplite as pl\n"
    "print(json.dumps([micropip._package_manager_singleton.index_urls, pl._PIPLITE_DISABLE_PYPI]))"
)


def test_the_pypi_fallback_setting_reaches_sessions_that_start_afterwards(
    page: Page, site_url: str
) -> None:
    """No package is installed: the machine is offline. The session's indexes show the
    setting; the unit tests show what micropip and the requirements plan do with them."""
    open_notebook(page, site_url, "examples/scratch.ipynb")
    site_index = f"{site_url}pypi/simple/{{package_name}}/index.html"
    assert json.loads(run_in_new_cell(page, INDEXES)) == [[site_index], True]
    page.evaluate(
        "window.inkrider._handles.settings.set('inkrider-lite:plugin', 'pypiFallback', true)"
    )
    page.wait_for_function("window.inkrider.settings.pypi_fallback === true")
    # The running session keeps its indexes; the next one (a warm worker booted before the
    # change, too) gets PyPI after the site's index.
    assert json.loads(run_in_new_cell(page, INDEXES)) == [[site_index], True]
    close_the_session(page)
    expected = [[site_index, "https://pypi.org/simple"], False]
    assert json.loads(run_in_new_cell(page, INDEXES)) == expected
