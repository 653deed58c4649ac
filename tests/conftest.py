"""Shared pytest settings: the e2e suite needs the built site; unit tests need nothing.

The real servers are session-scoped here, so the CPython client tests and the browser tests share
one process of each kind; each starts only when a test asks for it. The site's HTTP server is
bound here too (it serves only when an e2e test asks), so that the servers that want the page's
exact origin allowed can be started with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from inkrider_lite.site.serve import make_server
from tests.servers import EnterpriseGateway, JupyterServer, Jupyverse, KernelGateway

SITE = Path(__file__).resolve().parents[1] / "build" / "site"


@pytest.fixture(scope="session")
def site_server() -> Iterator[ThreadingHTTPServer]:
    """The e2e site's server, bound to its port now; e2e/conftest.py's site_url serves it."""
    server = make_server(SITE, 0)
    yield server
    server.server_close()


@pytest.fixture(scope="session")
def site_origin(site_server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{site_server.server_address[1]}"


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


@pytest.fixture(scope="session")
def kernel_gateway(site_origin: str) -> Iterator[KernelGateway]:
    server = KernelGateway(site_origin).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def enterprise_gateway(site_origin: str) -> Iterator[EnterpriseGateway]:
    server = EnterpriseGateway(site_origin).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def jupyverse(site_origin: str) -> Iterator[Jupyverse]:
    """In `noauth` mode, the one whose kernels a page can reach (see the user guide)."""
    server = Jupyverse(site_origin, mode="noauth").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def jupyverse_token(site_origin: str) -> Iterator[Jupyverse]:
    """In its default `token` mode: HTTP calls take the token, the WebSocket does not."""
    server = Jupyverse(site_origin, mode="token").start()
    yield server
    server.stop()
