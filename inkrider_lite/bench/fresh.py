"""What a fresh local session costs, on both sites, with no warm worker to hide it:

- bind → first output (InkRider): a notebook's first run, when no warm worker is ready, binds
  a worker that boots there and then; measured from the execute request to the first output;
- restart → first output (both): the kernel is restarted, which boots a new worker on both
  sites, and a trivial cell runs; measured from the restart request to the first output.

Both go through the kernel API (`requestExecute`), so the notebook UI adds nothing.
"""

from __future__ import annotations

import statistics
import tempfile
from dataclasses import dataclass

from playwright.sync_api import Page, Playwright

from .measures import _open
from .sites import Site

NOTEBOOKS = ["batch/notebook-01.ipynb", "batch/notebook-02.ipynb"]
_FIND = "[...window.jupyterapp.shell.widgets('main')].find((w) => w.context?.path === path)"

# From `restart ? restart request : execute request` to the first stream message.
FIRST_OUTPUT_JS = f"""async ([path, restart]) => {{
  const panel = {_FIND};
  const start = performance.now();
  if (restart) await panel.sessionContext.session.kernel.restart();
  const kernel = panel.sessionContext.session.kernel;
  return await new Promise((resolve, reject) => {{
    const future = kernel.requestExecute({{ code: "print('fresh')", store_history: false }});
    future.onIOPub = (msg) => {{
      if (msg.header.msg_type === 'stream') resolve(performance.now() - start);
    }};
    setTimeout(() => reject(new Error('no output within 120 s')), 120000);
  }});
}}"""

CONNECTED_JS = f"""(path) => {{
  const panel = {_FIND};
  const kernel = panel && panel.sessionContext.session && panel.sessionContext.session.kernel;
  return !!kernel && kernel.connectionStatus === 'connected';
}}"""


@dataclass
class FreshRun:
    site: str
    run: int
    bind_ms: float | None = None
    restart_ms: float | None = None
    error: str | None = None


def _open_notebook(page: Page, path: str) -> None:
    page.evaluate("(path) => window.jupyterapp.commands.execute('docmanager:open', { path })", path)
    page.wait_for_function(CONNECTED_JS, arg=path)


def run_fresh(playwright: Playwright, site: Site, url: str, n: int) -> FreshRun:
    result = FreshRun(site=site.name, run=n)
    with tempfile.TemporaryDirectory(prefix="inkrider-bench-fresh-") as profile:
        context, page = _open(playwright, profile)
        try:
            page.set_default_timeout(120_000)
            page.goto(f"{url}lab/index.html")
            page.wait_for_function(
                "window.jupyterapp && window.jupyterapp.commands.hasCommand('docmanager:open')"
            )
            if site.inkrider:
                page.wait_for_function("window.inkrider !== undefined")
                page.evaluate(
                    "window.inkrider._handles.settings.set("
                    "'inkrider-lite:plugin', 'warmWorker', false)"
                )
                page.wait_for_function(
                    "JSON.parse(window.inkrider.status_json()).warm_worker_setting === false"
                )
            # A first session, booted and run, so that the page itself is warm.
            _open_notebook(page, NOTEBOOKS[0])
            page.evaluate(FIRST_OUTPUT_JS, [NOTEBOOKS[0], False])
            _open_notebook(page, NOTEBOOKS[1])
            if site.inkrider:
                if page.evaluate("JSON.parse(window.inkrider.status_json()).warm"):
                    raise RuntimeError("a warm worker is ready: the bind would not boot")
                result.bind_ms = page.evaluate(FIRST_OUTPUT_JS, [NOTEBOOKS[1], False])
            else:
                page.evaluate(FIRST_OUTPUT_JS, [NOTEBOOKS[1], False])
            result.restart_ms = page.evaluate(FIRST_OUTPUT_JS, [NOTEBOOKS[1], True])
        except Exception as error:  # a failed run is reported, not fatal to the bench
            result.error = f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"
        finally:
            context.close()
    return result


def report_lines(runs: list[FreshRun], vanilla: str, inkrider: str) -> list[str]:
    def median(site: str, field: str) -> float | None:
        values = [getattr(r, field) for r in runs if r.site == site and r.error is None]
        present = [v for v in values if v is not None]
        return statistics.median(present) if present else None

    def cell(value: float | None) -> str:
        return f"{value / 1000:.2f}" if value is not None else "–"

    lines = [
        "",
        "A fresh local session, no warm worker (median of the runs; kernel API)",
        "| measure | vanilla | InkRider | unit |",
        "|---|---|---|---|",
        f"| bind → first output | – | {cell(median(inkrider, 'bind_ms'))} | s |",
        f"| restart → first output | {cell(median(vanilla, 'restart_ms'))} | "
        f"{cell(median(inkrider, 'restart_ms'))} | s |",
    ]
    for r in runs:
        if r.error:
            lines.append(f"- {r.site} run {r.run} failed: {r.error}")
    return lines
