"""The remote client against the other kernels-API servers, in CPython: Kernel Gateway 3,
Enterprise Gateway 3.3 and jupyverse, each a real process started by the tests (tests/servers.py).
Test connection, a wrong token, and a kernel that is created, runs a cell, is interrupted and is
shut down, with the same code the page runs."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from inkrider_lite.runtimes.remote.address import parse_base_url
from inkrider_lite.runtimes.remote.channels import KernelChannels, stdout_of
from inkrider_lite.runtimes.remote.client import JupyterServerClient
from inkrider_lite.runtimes.remote.connection_check import check_connection
from inkrider_lite.runtimes.remote.diagnosis import Verdict
from tests.servers import ServerProcess

SERVERS = ["kernel_gateway", "enterprise_gateway", "jupyverse"]
#: What Test connection names each server as (jupyverse has no `GET api`).
NAMED = {
    "kernel_gateway": r"Jupyter Server 2\.\d+\.\d+",
    "enterprise_gateway": r"Jupyter Enterprise Gateway 3\.3\.0",
    "jupyverse": r"a Jupyter kernels server",
}


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


@pytest.fixture(params=SERVERS)
def server(request: pytest.FixtureRequest) -> ServerProcess:
    return request.getfixturevalue(request.param)


def test_test_connection_names_the_server_and_its_kernels(
    server: ServerProcess, site_origin: str, request: pytest.FixtureRequest
) -> None:
    diagnosis = run(check_connection(server.base_url, server.token, site_origin))
    assert diagnosis.verdict is Verdict.OK, diagnosis.text()
    assert "python3" in [k.name for k in diagnosis.kernelspecs]
    assert diagnosis.default_kernel == "python3"
    kind = request.node.callspec.params["server"]
    assert diagnosis.summary.startswith("Connected to "), diagnosis.summary
    assert re.match(
        rf"Connected to {NAMED[kind]}: it offers \d+ kinds? of kernel \(python3 by default\)",
        diagnosis.summary,
    )


@pytest.mark.parametrize(
    ("kind", "said"),
    [
        ("kernel_gateway", "refused the token (HTTP 401)"),
        ("enterprise_gateway", "refused the token (HTTP 401)"),
        ("jupyverse_token", "asked for a login"),
    ],
)
def test_a_wrong_token_is_named(
    kind: str, said: str, site_origin: str, request: pytest.FixtureRequest
) -> None:
    server: ServerProcess = request.getfixturevalue(kind)
    good = run(check_connection(server.base_url, server.token, site_origin))
    assert good.verdict is Verdict.OK, good.text()
    wrong = run(check_connection(server.base_url, "not-the-token", site_origin))
    assert wrong.verdict is Verdict.WRONG_TOKEN, wrong.text()
    assert said in wrong.summary


def test_a_kernel_runs_a_cell_is_interrupted_and_shut_down(
    server: ServerProcess, site_origin: str
) -> None:
    async def main() -> None:
        client = JupyterServerClient(parse_base_url(server.base_url), server.token, site_origin)
        kernel = await client.create_kernel("", "folder/notebook.ipynb")
        assert kernel.name == "python3"
        try:
            channels = await KernelChannels.open(client, kernel.id, timeout=10)
            try:
                replies = await channels.execute("import sys; x = 41; print(sys.prefix)", 60)
                prefix = stdout_of(replies).strip()
                # The kernel is a real CPython process of the server's environment.
                assert prefix == str(getattr(server, "venv", Path(sys.prefix))), replies

                request = asyncio.ensure_future(channels.execute("import time; time.sleep(60)"))
                await asyncio.sleep(1.0)
                await client.interrupt(kernel.id)
                errors = [m for m in await request if m["header"]["msg_type"] == "error"]
                assert errors and errors[0]["content"]["ename"] == "KeyboardInterrupt"
                assert stdout_of(await channels.execute("print(x + 1)")).strip() == "42"
            finally:
                channels.close()
        finally:
            assert await client.delete(kernel.id) is True
        assert await client.get_kernel(kernel.id) is None

    run(main())


def test_jupyverse_in_token_mode_refuses_the_kernels_websocket(
    jupyverse_token: ServerProcess, site_origin: str
) -> None:
    """Its WebSocket is authenticated by a cookie only, which a page on another site does not
    send: why the user guide starts jupyverse in `noauth` mode."""

    async def main() -> None:
        client = JupyterServerClient(
            parse_base_url(jupyverse_token.base_url), jupyverse_token.token, site_origin
        )
        kernel = await client.create_kernel()
        try:
            with pytest.raises(OSError, match="the WebSocket did not open"):
                await KernelChannels.open(client, kernel.id, timeout=10)
        finally:
            assert await client.delete(kernel.id) is True

    run(main())
