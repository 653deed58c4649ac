"""One real jupyter_server (and one behind a path prefix) for the CPython client tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers import JupyterServer


@pytest.fixture(scope="session")
def jupyter_server() -> Iterator[JupyterServer]:
    server = JupyterServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def prefixed_server() -> Iterator[JupyterServer]:
    server = JupyterServer(base_path="/user/alice/").start()
    yield server
    server.stop()
