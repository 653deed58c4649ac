"""The remote runtime in the real browser against the other kernels-API servers: Kernel Gateway 3,
Enterprise Gateway 3.3 and jupyverse, each a real process started by the tests with this site's
exact origin allowed. Through Settings → Runtime…: Test connection (right and wrong token), then a
notebook cell runs in a kernel of that server, Interrupt stops a cell, and closing the session
shuts the kernel down."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.servers import ServerProcess

from .notebook import open_notebook, run_in_new_cell, sessions, submit_in_new_cell
from .remote_form import back_to_notebook, choose_remote, open_runtime_form, test_connection

#: (fixture, how Test connection names it, what it says for a wrong token)
SERVERS = [
    # Kernel Gateway's 401 carries no CORS header: the page cannot read it, and lists the
    # checks, the gateways' own among them.
    (
        "kernel_gateway",
        r"Jupyter Server 2\.\d+\.\d+",
        ("did not let this page read its answer", "auth_token", "--KernelGatewayApp.allow_origin"),
    ),
    (
        "enterprise_gateway",
        r"Jupyter Enterprise Gateway 3\.3\.0",
        ("refused the token (HTTP 401)",),
    ),
    # In noauth mode there is no token to get wrong: see test_jupyverse_token_mode below.
    ("jupyverse", r"a Jupyter kernels server", None),
]


@pytest.mark.parametrize(("kind", "named", "wrong_token"), SERVERS)
def test_a_cell_runs_on_the_server(
    page: Page,
    site_url: str,
    kind: str,
    named: str,
    wrong_token: tuple[str, ...] | None,
    request: pytest.FixtureRequest,
) -> None:
    server: ServerProcess = request.getfixturevalue(kind)
    open_notebook(page, site_url, "batch/notebook-05.ipynb")
    if wrong_token:
        open_runtime_form(page)
        verdict = test_connection(page, server.base_url, "not-the-token")
        for expected in wrong_token:
            assert expected in verdict
    verdict = choose_remote(page, server.base_url, server.token, connected="Connected to ")
    assert re.match(
        rf"Connected to {named}: it offers \d+ kinds? of kernel \(python3 by default\)", verdict
    )

    back_to_notebook(page, "batch/notebook-05.ipynb")
    out = run_in_new_cell(page, "import os, sys; print(sys.prefix, os.getpid())", 30_000)
    prefix, pid = out.split()
    # A real CPython kernel of the server's own environment.
    assert prefix == str(getattr(server, "venv", Path(sys.prefix)))
    command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    assert "ipykernel" in command
    # Interrupt goes through the server's endpoint and stops the running cell.
    cell = submit_in_new_cell(page, "import time; x = 6; time.sleep(60)")
    expect(cell.locator(".jp-InputPrompt")).to_have_text("[*]:")
    page.wait_for_timeout(500)
    page.locator(".jp-NotebookPanel:visible [data-command='notebook:interrupt-kernel']").click()
    expect(cell.locator(".jp-OutputArea")).to_contain_text("KeyboardInterrupt", timeout=10_000)
    assert "6 x 7 = 42" in run_in_new_cell(page, "print(x, 'x 7 =', x * 7)", 30_000)

    # Closing the session shuts the kernel down on the server (a preflighted DELETE).
    (kernel_id,) = {s["worker"] for s in sessions(page) if s["worker"]}
    assert server.has_kernel(kernel_id)
    page.evaluate("window.inkrider.close_all_sessions()")
    page.wait_for_function(
        "JSON.parse(window.inkrider.sessions_json()).every(s => s.worker === null)"
    )
    for _ in range(50):
        if not server.has_kernel(kernel_id):
            break
        page.wait_for_timeout(100)
    assert not server.has_kernel(kernel_id)
    assert not page.page_errors  # type: ignore[attr-defined]


def test_jupyverse_token_mode(page: Page, site_url: str, jupyverse_token: ServerProcess) -> None:
    """jupyverse's default mode: its HTTP calls take the token (a wrong one is sent to the login
    page), but its kernels' WebSocket wants a cookie the page does not send, so a cell cannot
    run: the user guide starts jupyverse with auth.mode=noauth instead."""
    open_notebook(page, site_url, "batch/notebook-06.ipynb")
    open_runtime_form(page)
    wrong = test_connection(page, jupyverse_token.base_url, "not-the-token")
    assert "asked for a login: the token was not accepted" in wrong
    choose_remote(
        page,
        jupyverse_token.base_url,
        jupyverse_token.token,
        "Connected to a Jupyter kernels server",
    )
    back_to_notebook(page, "batch/notebook-06.ipynb")
    cell = submit_in_new_cell(page, "print('never')")
    output = cell.locator(".jp-OutputArea")
    expect(output).to_contain_text("SessionStartError", timeout=30_000)
    assert "never" not in output.inner_text()
