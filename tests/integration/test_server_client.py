"""The remote runtime's client against a real jupyter_server, in CPython: the same code the page
runs, over urllib and tornado instead of fetch and the page's WebSocket."""

from __future__ import annotations

import asyncio
import http.server
import threading
from collections.abc import Iterator

import pytest

from inkrider_lite.runtimes.remote.address import parse_base_url
from inkrider_lite.runtimes.remote.channels import KernelChannels, stdout_of
from inkrider_lite.runtimes.remote.client import JupyterServerClient, ServerError
from inkrider_lite.runtimes.remote.connection_check import check_connection
from inkrider_lite.runtimes.remote.diagnosis import Verdict
from tests.servers import JupyterServer, free_port

SITE = "http://127.0.0.1:8000/"


def run(coroutine):
    return asyncio.run(coroutine)


def client_for(server: JupyterServer, token: str | None = None) -> JupyterServerClient:
    return JupyterServerClient(parse_base_url(server.base_url), token or server.token, SITE)


def test_a_kernel_is_created_runs_code_is_interrupted_restarted_and_deleted(
    jupyter_server: JupyterServer,
) -> None:
    async def main() -> None:
        client = client_for(jupyter_server)
        kernel = await client.create_kernel()
        assert kernel.id in jupyter_server.kernel_ids()
        channels = await KernelChannels.open(client, kernel.id)
        try:
            out = stdout_of(await channels.execute("import os, sys; x = 41; print(sys.platform)"))
            assert out.strip() == "linux"

            # Interrupt through the REST endpoint stops a sleeping cell.
            request = asyncio.ensure_future(channels.execute("import time; time.sleep(100)", 20))
            await asyncio.sleep(1.0)
            await client.interrupt(kernel.id)
            replies = await request
            errors = [m for m in replies if m["header"]["msg_type"] == "error"]
            assert errors and errors[0]["content"]["ename"] == "KeyboardInterrupt"
            assert stdout_of(await channels.execute("print(x + 1)")).strip() == "42"

            await client.restart(kernel.id)
        finally:
            channels.close()
        channels = await KernelChannels.open(client, kernel.id)
        try:
            replies = await channels.execute("print('x' in globals())")
            assert stdout_of(replies).strip() == "False"  # a restart forgets the variables
        finally:
            channels.close()
        assert await client.delete(kernel.id) is True
        assert kernel.id not in jupyter_server.kernel_ids()
        assert await client.get_kernel(kernel.id) is None
        assert await client.delete(kernel.id) is False

    run(main())


def test_a_kernel_starts_in_the_notebooks_folder_under_the_servers_root(
    jupyter_server: JupyterServer,
) -> None:
    """As JupyterLab's would: the notebook's folder where the server has it, else its root (not
    the folder the server process was started in)."""
    (jupyter_server.root / "batch").mkdir(exist_ok=True)

    async def cwd_for(path: str) -> str:
        client = client_for(jupyter_server)
        kernel = await client.create_kernel("", path)
        channels = await KernelChannels.open(client, kernel.id)
        try:
            return stdout_of(await channels.execute("import os; print(os.getcwd())")).strip()
        finally:
            channels.close()
            await client.delete(kernel.id)

    assert run(cwd_for("batch/notebook-02.ipynb")) == str(jupyter_server.root / "batch")
    assert run(cwd_for("elsewhere/x.ipynb")) == str(jupyter_server.root)


def test_probing_a_kernel_tells_alive_gone_and_no_answer(jupyter_server: JupyterServer) -> None:
    async def main() -> None:
        client = client_for(jupyter_server)
        kernel = await client.create_kernel()
        probe = await client.probe_kernel(kernel.id)
        assert probe.answered and probe.alive and probe.model is not None
        await client.delete(kernel.id)
        gone = await client.probe_kernel(kernel.id)
        assert gone.answered and not gone.alive and gone.model is None
        closed = JupyterServerClient(parse_base_url(f"http://127.0.0.1:{free_port()}"), "t", SITE)
        silent = await closed.probe_kernel(kernel.id)
        assert not silent.answered and not silent.alive
        assert isinstance(silent.error, ServerError)

    run(main())


def test_a_kernel_request_with_a_wrong_token_says_so(jupyter_server: JupyterServer) -> None:
    async def main() -> None:
        with pytest.raises(ServerError) as caught:
            await client_for(jupyter_server, token="wrong").create_kernel()
        assert caught.value.diagnosis is not None
        assert caught.value.diagnosis.verdict is Verdict.WRONG_TOKEN
        assert "wrong" not in str(caught.value)  # the token never appears in a message

    run(main())


def test_the_right_token_connects_and_lists_kernelspecs(jupyter_server: JupyterServer) -> None:
    diagnosis = run(check_connection(jupyter_server.base_url, jupyter_server.token, SITE))
    assert diagnosis.verdict is Verdict.OK, diagnosis.text()
    assert diagnosis.default_kernel == "python3"
    assert "python3" in [k.name for k in diagnosis.kernelspecs]
    import jupyter_server as package

    assert diagnosis.version == package.__version__
    assert f"Jupyter Server {package.__version__}" in diagnosis.summary
    assert diagnosis.round_trip_ms is not None and diagnosis.round_trip_ms > 0


def test_a_pasted_browser_address_with_its_token_connects(jupyter_server: JupyterServer) -> None:
    pasted = f"127.0.0.1:{jupyter_server.port}/lab?token={jupyter_server.token}"
    diagnosis = run(check_connection(pasted, "", SITE))
    assert diagnosis.verdict is Verdict.OK, diagnosis.text()


def test_a_wrong_token_is_named(jupyter_server: JupyterServer) -> None:
    diagnosis = run(check_connection(jupyter_server.base_url, "not-the-token", SITE))
    assert diagnosis.verdict is Verdict.WRONG_TOKEN
    assert "jupyter server list" in diagnosis.text()


def test_a_closed_port_is_unreachable() -> None:
    diagnosis = run(check_connection(f"http://127.0.0.1:{free_port()}", "t", SITE))
    assert diagnosis.verdict is Verdict.UNREACHABLE
    assert "jupyter server --no-browser" in diagnosis.text()


@pytest.fixture
def plain_http_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_plain_http_server_is_not_jupyter(plain_http_server: str) -> None:
    diagnosis = run(check_connection(plain_http_server, "t", SITE))
    assert diagnosis.verdict is Verdict.NOT_JUPYTER


def test_a_server_behind_a_path_prefix(prefixed_server: JupyterServer) -> None:
    good = run(check_connection(prefixed_server.base_url, prefixed_server.token, SITE))
    assert good.verdict is Verdict.OK, good.text()
    pasted = f"{prefixed_server.base_url}tree?token={prefixed_server.token}"
    assert run(check_connection(pasted, "", SITE)).verdict is Verdict.OK
    bare = f"http://127.0.0.1:{prefixed_server.port}"
    missing = run(check_connection(bare, prefixed_server.token, SITE))
    assert missing.verdict is Verdict.NOT_JUPYTER
    assert "/user/<name>/" in missing.text()

    async def execute() -> str:
        client = client_for(prefixed_server)
        kernel = await client.create_kernel()
        channels = await KernelChannels.open(client, kernel.id)
        try:
            return stdout_of(await channels.execute("print(6 * 7)"))
        finally:
            channels.close()
            await client.delete(kernel.id)

    assert run(execute()).strip() == "42"
