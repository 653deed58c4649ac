"""How much of the browser's memory at the first output is garbage, and whose (issue 13, row 4):
PSS of the whole browser 3 s after the first output of the bench's notebook, then after a full
collection in the page alone, then in its workers too, then 25 s later, for each site given.

    .venv/bin/python scripts/probes/boot_garbage.py site vanilla-site

`site` and `vanilla-site` are folders of build/ (scripts/bench builds the vanilla one). The
page's heap line is V8's own count: `embedderHeapUsedSize` is Blink's (Oilpan) heap.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from inkrider_lite.bench import memory  # noqa: E402
from inkrider_lite.bench.measures import _open, _press_run  # noqa: E402
from inkrider_lite.bench.sites import NOTEBOOK_URL  # noqa: E402
from inkrider_lite.site.serve import make_server  # noqa: E402


def reading(profile: str) -> str:
    r = memory.read_memory(profile)
    kinds = " ".join(f"{k} {v:.0f}" for k, v in sorted(r.pss_by_kind.items()))
    return f"PSS {r.pss_mib:6.1f} MiB (USS {r.uss_mib:6.1f}; {kinds})"


def page_heap(page: Page) -> str:
    cdp = page.context.new_cdp_session(page)
    usage = cdp.send("Runtime.getHeapUsage")
    cdp.detach()
    return ", ".join(f"{k} {v / 2**20:.1f}" for k, v in usage.items())


def collect(page: Page, workers: bool) -> None:
    page.evaluate("gc()")
    for worker in page.workers if workers else []:
        with contextlib.suppress(Exception):  # a worker that ended has nothing to collect
            worker.evaluate("gc()")
    time.sleep(1.0)


def measure(site: str) -> None:
    server = make_server(ROOT / "build" / site, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{NOTEBOOK_URL}"
    try:
        with sync_playwright() as playwright:
            profile = tempfile.mkdtemp(prefix="inkrider-probe-")
            context, page = _open(playwright, profile)  # the bench's browser, with gc()
            page.goto(url)
            _press_run(page, [])
            page.locator(".jp-OutputArea-output").first.wait_for(timeout=120_000)
            time.sleep(3.0)
            print(f"{site}:")
            print(f"  first output + 3 s     {reading(profile)}")
            print(f"    page heap (MiB): {page_heap(page)}")
            collect(page, workers=False)
            print(f"  page collected         {reading(profile)}")
            print(f"    page heap (MiB): {page_heap(page)}")
            collect(page, workers=True)
            print(f"  workers collected too  {reading(profile)}")
            time.sleep(20.0)
            print(f"  25 s later             {reading(profile)}")
            context.close()
    finally:
        server.shutdown()


if __name__ == "__main__":
    for name in sys.argv[1:] or ["site", "vanilla-site"]:
        measure(name)
