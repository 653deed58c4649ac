"""requirements.txt beside a notebook, installed when its session starts, with real wheels."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page

from .notebook import (
    notifications,
    open_notebook,
    run_existing_cell,
    run_in_new_cell,
    save_text_file,
    sessions,
    stored_file,
)

pytestmark = pytest.mark.e2e


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


def test_a_broken_requirements_file_reports_each_bad_line(page: Page, site_url: str) -> None:
    open_notebook(page, site_url, "broken/broken.ipynb")
    before = stored_file(page, "broken/broken.ipynb")
    assert re.fullmatch(r"\d+\.\d+\.\d+", run_existing_cell(page).strip())  # tabulate works
    (report,) = [m for m in notifications(page) if "line(s) not installed" in m]
    assert "line 2: nosuchpkg-xyz==1.0 — not found in any index" in report
    assert "line 3: foo== — not a valid requirement" in report
    assert "line 4: -e . — editable installs" in report
    assert "line 5: psycopg2==2.9.10 — needs native code; no Pyodide build available" in report
    assert "tabulate" not in report
    assert run_in_new_cell(page, "print(6 * 7)").strip() == "42"
    summary = summary_in_session(page)
    assert [p["line"] for p in summary["problems"]] == [2, 3, 4, 5]
    assert "tabulate" in {p["name"] for p in summary["installed"]}
    assert stored_file(page, "broken/broken.ipynb") == before


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
