"""One built site, one loopback server and one Chromium for the whole e2e session.

Each test gets a fresh browser context, so it sees the site as a first-time visitor: its own
storage, its own service worker, its own Pyodide workers.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from inkrider_lite.site.chromium import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "build" / "site"
LOOPBACK = {"127.0.0.1"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here drives the built site in Chromium: `-m "not e2e"` leaves them all out."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def site_requests() -> list[tuple[str, str, int]]:
    """Every response of the site's server in this session, in order: (method, path, status).
    A test reads the part after its own start: len() before, a slice after."""
    return []


@pytest.fixture(scope="session")
def site_url(
    site_server: ThreadingHTTPServer, site_requests: list[tuple[str, str, int]]
) -> Iterator[str]:
    if not (SITE / "jupyter-lite.json").exists():
        pytest.fail(f"{SITE} is missing: run scripts/test, which builds the site first")
    # list.append is atomic, so the server's threads can share the list.
    server = site_server
    server.on_request = lambda *response: site_requests.append(response)  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="session")
def foreign_requests() -> Iterator[list[str]]:
    """Every request of the session to a host other than 127.0.0.1; any one fails the run."""
    seen: list[str] = []
    yield seen
    if seen:
        listing = "\n".join(sorted(set(seen))[:20])
        pytest.fail(f"the site requested {len(seen)} URL(s) off 127.0.0.1:\n{listing}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def watch_requests(context: BrowserContext, foreign: list[str]) -> None:
    def record(request) -> None:
        parts = urlsplit(request.url)
        host = parts.hostname or ""
        # .invalid never resolves (RFC 2606): tests use it for a host that cannot be reached.
        web = parts.scheme in ("http", "https", "ws", "wss")
        if web and host not in LOOPBACK and not host.endswith(".invalid"):
            foreign.append(request.url)

    context.on("request", record)


@pytest.fixture
def context(browser: Browser, foreign_requests: list[str]) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    watch_requests(context, foreign_requests)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    page = context.new_page()
    page.set_default_timeout(60_000)
    errors: list[str] = []
    console: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.page_errors = errors  # type: ignore[attr-defined]
    page.console_lines = console  # type: ignore[attr-defined]
    yield page


ARTIFACTS = ROOT / "build" / "test-artifacts"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> object:
    """Keep a screenshot of a failed test's page, to see what the browser showed."""
    report = yield
    page = getattr(item, "funcargs", {}).get("page")
    if report.when == "call" and report.failed and page is not None and not page.is_closed():
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{item.name}.png"))
        lines = getattr(page, "console_lines", [])
        (ARTIFACTS / f"{item.name}.console.txt").write_text("\n".join(lines), encoding="utf-8")
    return report
