"""Shared pytest settings: the e2e suite needs the built site; unit tests need nothing.

The real servers are session-scoped here, so the CPython client tests and the browser tests share
one process of each kind; each starts only when a test asks for it.
"""

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
