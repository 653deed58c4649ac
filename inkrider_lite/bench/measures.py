"""One measured run of a site, or of the bare Pyodide page, in a fresh headless Chromium.

Times are taken inside the page with `performance.now()`, whose origin is the navigation
start, so Playwright's own round trips never enter a measured interval. Each run gets its own
browser and profile: no HTTP cache, no service worker and no memory carry over between runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import BrowserContext, Page, Playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from ..site.chromium import CHROMIUM, CHROMIUM_ARGS
from . import memory
from .sites import (
    FLOOR_PAGE,
    NOTEBOOK,
    NOTEBOOK_URL,
    PACKAGES_NOTEBOOK,
    PIP_NOTEBOOK,
    Site,
)

#: A first output later than this means the site is broken, not slow.
FIRST_OUTPUT_TIMEOUT_MS = 180_000

# Installed before any script of the page runs. Long tasks are observed with `buffered: true`
# so the ones before the observer started are reported too. The marks use a MutationObserver
# rather than polling from Python, so they carry the time the DOM changed, not the time a poll
# noticed it.
PAGE_MARKS_JS = """
(() => {
  const marks = { uiReady: null, firstOutput: null, firstOutputText: null, runPresses: [],
                  longTasks: [], longTaskError: null };
  window.__bench = marks;
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) marks.longTasks.push([e.startTime, e.duration]);
    }).observe({ type: 'longtask', buffered: true });
  } catch (error) {
    marks.longTaskError = String(error);
  }
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && e.shiftKey) marks.runPresses.push(performance.now());
  }, { capture: true });
  const visible = (el) => el.getClientRects().length > 0 &&
    (typeof el.checkVisibility !== 'function' || el.checkVisibility({ visibilityProperty: true }));
  const check = () => {
    const now = performance.now();
    if (marks.uiReady === null) {
      const cell = document.querySelector('.jp-Cell');
      if (cell && visible(cell)) marks.uiReady = now;
    }
    if (marks.firstOutput === null) {
      const output = document.querySelector('.jp-Cell .jp-OutputArea-output');
      if (output) { marks.firstOutput = now; marks.firstOutputText = output.textContent; }
    }
    if (marks.uiReady !== null && marks.firstOutput !== null) observer.disconnect();
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { childList: true, subtree: true, attributes: true,
                               attributeFilter: ['class', 'style', 'hidden'] });
})();
"""

# True once the first cell's run reached the notebook: a pending prompt or any output.
RUN_ACCEPTED_JS = """() => {
  const prompt = document.querySelector('.jp-Cell .jp-InputArea-prompt');
  return !!document.querySelector('.jp-Cell .jp-OutputArea-output') ||
    !!(prompt && /\\[[*0-9]/.test(prompt.textContent));
}"""

# The notebook's own kernel connection: through the routing kernel on InkRider, straight to the
# Pyodide kernel on vanilla. `done` resolves on the execute_reply *and* the idle status.
KERNEL_TRIPS_JS = """async ([path, count]) => {
  const app = window.jupyterapp;
  if (!app || !app.shell) return { error: 'window.jupyterapp is not available' };
  let panel = null;
  for (const widget of app.shell.widgets('main')) {
    if (widget.context && widget.context.path === path) panel = widget;
  }
  const kernel = panel && panel.sessionContext.session && panel.sessionContext.session.kernel;
  if (!kernel) return { error: 'the notebook has no kernel connection' };
  const times = [];
  const worker = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    // A reply that never comes (pyodide-kernel's cross-origin isolated worker can lose it)
    // ends the measure with an error instead of hanging the bench.
    const future = kernel.requestExecute({ code: '1', store_history: false });
    const stamps = {};
    future.onIOPub = (msg) => {
      if (msg.header.msg_type !== 'status') return;
      stamps[msg.content.execution_state] = Date.parse(msg.header.date);
    };
    const late = new Promise((resolve) => setTimeout(resolve, 30000, 'late'));
    if ((await Promise.race([future.done, late])) === 'late') {
      return { error: `round trip ${i + 1} got no reply within 30 s`, times };
    }
    times.push(performance.now() - start);
    worker.push(stamps.idle - stamps.busy);
  }
  return { times, worker };
}"""

# Arms one UI round trip on the first cell: from the Enter keydown to its execution count
# changing, which happens when the execute_reply reaches the notebook. Also the kernel's own
# busy → idle stamps (its clock, in the worker): how much of the trip is the worker's.
ARM_UI_TRIP_JS = """(path) => {
  const cell = document.querySelector('.jp-Notebook .jp-Cell');
  const promptText = () => (cell.querySelector('.jp-InputArea-prompt') || {}).textContent || '';
  const before = promptText();
  const trip = { down: null, done: null, busy: null, idle: null };
  window.__uiTrip = trip;
  let kernel = null;
  for (const widget of window.jupyterapp.shell.widgets('main')) {
    if (widget.context && widget.context.path === path) {
      kernel = widget.sessionContext.session.kernel;
    }
  }
  const onIOPub = (_, msg) => {
    if (msg.header.msg_type === 'status' && trip[msg.content.execution_state] === null) {
      trip[msg.content.execution_state] = Date.parse(msg.header.date);
    }
  };
  if (kernel) kernel.iopubMessage.connect(onIOPub);
  const onKey = (e) => {
    if (e.key === 'Enter' && trip.down === null) trip.down = performance.now();
  };
  document.addEventListener('keydown', onKey, { capture: true });
  const observer = new MutationObserver(() => {
    const text = promptText();
    if (/\\[[0-9]+\\]/.test(text) && text !== before) {
      trip.done = performance.now();
      if (kernel) kernel.iopubMessage.disconnect(onIOPub);
      observer.disconnect();
      document.removeEventListener('keydown', onKey, { capture: true });
    }
  });
  observer.observe(cell, { childList: true, characterData: true, subtree: true });
}"""


@dataclass
class SiteRun:
    site: str
    run: int
    loadavg_1m: float  # at the run's start: other work on the same cores skews every number
    #: Why the run has no numbers past some point; a failed run is data, not a crash.
    error: str | None = None
    ui_ready_ms: float | None = None
    first_output_ms: float | None = None
    first_output_text: str = ""
    run_pressed_ms: float | None = None  # the first Shift+Enter
    run_accepted_press_ms: float | None = None  # the last one, which the notebook acted on
    run_press_attempts: int = 0
    run_press_events: list[str] = field(default_factory=list)
    longest_task_ms: float | None = None
    long_tasks: list[list[float]] = field(default_factory=list)
    long_task_error: str | None = None
    controller_boot_ms: float | None = None
    controller_from_snapshot: bool | None = None
    controller_ready_ms: float | None = None
    #: The longest main-thread task that began while the controller booted (activate → ready).
    controller_longest_task_ms: float | None = None
    reading: memory.MemoryReading | None = None
    pss_at_s: float = 0.0
    steady_reading: memory.MemoryReading | None = None
    steady_at_s: float = 0.0
    steady_was_quiet: bool = False
    #: After a full collection in the page and each of its workers: what is kept, without the
    #: garbage that V8 frees when it gets round to it (its memory reducer, some 20-30 s after
    #: the page goes quiet, or the next allocation pressure).
    collected_reading: memory.MemoryReading | None = None
    status: dict[str, Any] | None = None
    steady_status: dict[str, Any] | None = None
    sessions: list[dict[str, Any]] | None = None
    kernel_trips_ms: list[float] | None = None
    #: Each trip's busy → idle in the worker, by the kernel's own stamps (its clock).
    kernel_trips_worker_ms: list[float] | None = None
    kernel_trips_error: str | None = None
    ui_trips_ms: list[float] | None = None
    ui_trips_worker_ms: list[float] | None = None
    ui_trips_error: str | None = None
    console_errors: list[str] = field(default_factory=list)

    def mib(self, moment: str, kind: str) -> float | None:
        """The browser's `kind` of memory ("pss", "uss") at `moment`: "first" (first output and
        settle), "steady" (once idle) or "collected" (after a full GC)."""
        reading = {
            "first": self.reading,
            "steady": self.steady_reading,
            "collected": self.collected_reading,
        }[moment]
        return getattr(reading, f"{kind}_mib") if reading else None

    @property
    def press_to_output_ms(self) -> float | None:
        """From the press the notebook acted on: the kernel's share of the first output."""
        if self.first_output_ms is None or self.run_accepted_press_ms is None:
            return None
        return self.first_output_ms - self.run_accepted_press_ms

    @property
    def kernel_trip_ms(self) -> float | None:
        # The first trip is excluded: it is the warm-up that the measure is about to skip.
        return _median_after_first(self.kernel_trips_ms)

    @property
    def ui_trip_ms(self) -> float | None:
        return _median_after_first(self.ui_trips_ms)

    @property
    def kernel_trip_worker_ms(self) -> float | None:
        return _median_after_first(self.kernel_trips_worker_ms)

    @property
    def ui_trip_worker_ms(self) -> float | None:
        return _median_after_first(self.ui_trips_worker_ms)


@dataclass
class FloorRun:
    run: int
    loadavg_1m: float
    done_ms: float | None
    boot_ms: float | None  # from `import()` to `runPython` done: comparable to the controller
    longest_task_ms: float | None
    error: str | None


def _median_after_first(values: list[float] | None) -> float | None:
    if not values or len(values) < 2:
        return None
    return statistics.median(values[1:])


def _longest(tasks: list[list[float]], until_ms: float) -> float | None:
    durations = [duration for start, duration in tasks if start <= until_ms]
    return max(durations) if durations else None


def _open(playwright: Playwright, profile: str) -> tuple[BrowserContext, Page]:
    # --expose-gc lets row 4e collect garbage in both sites alike; it changes nothing else.
    context = playwright.chromium.launch_persistent_context(
        profile,
        executable_path=CHROMIUM,
        args=[*CHROMIUM_ARGS, "--js-flags=--expose-gc"],
        headless=True,
    )
    context.add_init_script(PAGE_MARKS_JS)
    page = context.new_page()
    # The persistent context opens a blank tab of its own; it would count in the memory.
    for other in context.pages:
        if other is not page:
            other.close()
    return context, page


def _answer_dialogs(page: Page, events: list[str]) -> None:
    """Answer JupyterLab dialogs the way a user would: the default (accept) button.

    For "Select Kernel" that picks the preselected Python kernel; for an error it is "Ok".
    """
    for _ in range(5):
        dialogs = page.locator(".jp-Dialog")
        if not dialogs.count():
            return
        text = " | ".join(dialogs.first.inner_text().split("\n")[:3])
        events.append(f"dialog {text!r}: accepted")
        dialogs.first.locator(".jp-Dialog-button.jp-mod-accept").first.click(timeout=10_000)
        page.wait_for_timeout(300)  # let the next dialog, if any, open


def _press_run(page: Page, events: list[str]) -> int:
    """Shift+Enter in the first cell, as soon as it is visible, the way an eager user would.

    A press made before the notebook has its kernel connection can be dropped by JupyterLab,
    or answered with a dialog. A user would answer it and press again, so this does the same,
    and records each event in `events`. Returns the number of presses.
    """
    for attempt in range(1, 9):
        page.locator(".jp-Cell .cm-content").first.click(timeout=10_000)
        page.keyboard.press("Shift+Enter")
        for _ in range(2):  # answering a dialog may let the pending run go ahead
            try:
                # An accepted run shows `[*]` within a few hundred ms even on 2 busy cores;
                # waiting longer would only add the wait to the measured first output.
                page.wait_for_function(RUN_ACCEPTED_JS, timeout=1_500)
                return attempt
            except PlaywrightTimeout:
                if not page.locator(".jp-Dialog").count():
                    break
                _answer_dialogs(page, events)
        events.append(f"press {attempt} did not start the cell")
    raise RuntimeError(f"the first cell never started running: {events}")


def _ui_trips(page: Page, count: int) -> tuple[list[float], list[float]]:
    # Replace the first cell's source with a trivial one, then run it in place (Ctrl+Enter).
    page.locator(".jp-Cell .cm-content").first.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("1")
    times: list[float] = []
    worker: list[float] = []
    for _ in range(count):
        page.evaluate(ARM_UI_TRIP_JS, NOTEBOOK)
        page.keyboard.press("Control+Enter")
        page.wait_for_function("window.__uiTrip.done !== null", timeout=30_000)
        trip = page.evaluate("window.__uiTrip")
        times.append(trip["done"] - trip["down"])
        if trip["busy"] is not None and trip["idle"] is not None:
            worker.append(trip["idle"] - trip["busy"])
    return times, worker


def run_site(
    playwright: Playwright,
    site: Site,
    base_url: str,
    run: int,
    *,
    settle_s: float,
    steady_min_s: float,
    steady_max_s: float,
    trips: int,
) -> SiteRun:
    loadavg = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="inkrider-bench-profile-") as profile:
        context, page = _open(playwright, profile)
        errors: list[str] = []
        page.on(
            "console",
            lambda m: (
                errors.append(f"{m.text} [{m.location.get('url')}]") if m.type == "error" else None
            ),
        )
        page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
        result = SiteRun(site=site.name, run=run, loadavg_1m=loadavg)
        try:
            _measure(
                page,
                site,
                base_url,
                result,
                profile,
                settle_s=settle_s,
                steady_min_s=steady_min_s,
                steady_max_s=steady_max_s,
                trips=trips,
            )
        except Exception as error:
            result.error = f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"
        finally:
            result.console_errors = errors[:20]
            context.close()
        return result


def _measure(
    page: Page,
    site: Site,
    base_url: str,
    result: SiteRun,
    profile: str,
    *,
    settle_s: float,
    steady_min_s: float,
    steady_max_s: float,
    trips: int,
) -> None:
    page.goto(base_url + NOTEBOOK_URL, wait_until="commit")
    page.wait_for_selector(".jp-Cell .cm-content", state="visible", timeout=120_000)
    try:
        result.run_press_attempts = _press_run(page, result.run_press_events)
    finally:
        marks = page.evaluate("window.__bench")
        result.ui_ready_ms = marks["uiReady"]
        presses = marks["runPresses"]
        result.run_pressed_ms = presses[0] if presses else None
        result.run_accepted_press_ms = presses[-1] if presses else None
    page.wait_for_function("window.__bench.firstOutput !== null", timeout=FIRST_OUTPUT_TIMEOUT_MS)
    output_seen = time.monotonic()
    marks = page.evaluate("window.__bench")
    result.first_output_ms = marks["firstOutput"]
    result.first_output_text = (marks["firstOutputText"] or "").strip()
    result.long_tasks = marks["longTasks"]
    result.long_task_error = marks["longTaskError"]
    result.longest_task_ms = _longest(marks["longTasks"], marks["firstOutput"])
    if site.inkrider:
        page.wait_for_function("window.inkriderBoot && window.inkrider", timeout=60_000)
        boot = page.evaluate("window.inkriderBoot")
        result.controller_boot_ms = boot["pythonReady"] - boot["activate"]
        result.controller_ready_ms = boot["pythonReady"]
        result.controller_from_snapshot = bool(boot["fromSnapshot"])
        during = [
            duration
            for start, duration in page.evaluate("window.__bench.longTasks")
            if boot["activate"] <= start <= boot["pythonReady"]
        ]
        result.controller_longest_task_ms = max(during, default=0.0)

    while time.monotonic() - output_seen < settle_s:
        time.sleep(0.05)
    result.pss_at_s = time.monotonic() - output_seen
    result.reading = memory.read_memory(profile)
    result.status = _status(page, site)

    # The InkRider controller re-warms a worker some seconds after a bind; this second
    # reading, once the browser is idle again, shows what that costs.
    result.steady_at_s, result.steady_was_quiet = memory.wait_until_quiet(
        profile, since=output_seen, at_least=steady_min_s, at_most=steady_max_s
    )
    result.steady_reading = memory.read_memory(profile)
    result.steady_status = _status(page, site)
    _collect_garbage(page)
    result.collected_reading = memory.read_memory(profile)
    if site.inkrider:
        result.sessions = json.loads(page.evaluate("window.inkrider.sessions_json()"))

    trips_out = page.evaluate(KERNEL_TRIPS_JS, [NOTEBOOK, trips + 1])
    result.kernel_trips_ms = trips_out.get("times")
    result.kernel_trips_worker_ms = trips_out.get("worker")
    result.kernel_trips_error = trips_out.get("error")
    try:
        result.ui_trips_ms, result.ui_trips_worker_ms = _ui_trips(page, trips + 1)
    except Exception as error:  # keep the rest of the run's numbers
        result.ui_trips_error = str(error).splitlines()[0]


def _collect_garbage(page: Page) -> None:
    """A full collection in the page and every worker (the browser runs with --expose-gc), twice
    with a pause, as freed memory goes back to the system a moment later."""
    for _ in range(2):
        page.evaluate("gc()")
        for worker in page.workers:
            # A worker that ends meanwhile has nothing left to collect.
            with contextlib.suppress(Exception):
                worker.evaluate("gc()")
        time.sleep(1.0)


def _status(page: Page, site: Site) -> dict[str, Any] | None:
    if not site.inkrider:
        return None
    return json.loads(page.evaluate("window.inkrider.status_json()"))


def run_floor(playwright: Playwright, base_url: str, run: int) -> FloorRun:
    loadavg = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="inkrider-bench-profile-") as profile:
        context, page = _open(playwright, profile)
        try:
            page.goto(base_url + FLOOR_PAGE, wait_until="commit")
            page.wait_for_function("window.__floor !== undefined", timeout=120_000)
            floor = page.evaluate("window.__floor")
            tasks = page.evaluate("window.__bench.longTasks")
            done = floor.get("done")
            return FloorRun(
                run=run,
                loadavg_1m=loadavg,
                done_ms=done,
                boot_ms=done - floor["importStart"] if done is not None else None,
                longest_task_ms=_longest(tasks, done) if done is not None else None,
                error=floor.get("error"),
            )
        finally:
            context.close()


# --------------------------------------------------------------------------- packages

#: The packages folder's cell prints one line per package, this one last: name and version.
LAST_PACKAGE_LINE = r"more-itertools \d"
#: Installing 5 packages with their dependencies; later than this means broken, not slow.
INSTALL_TIMEOUT_MS = 180_000

# Arms one measured run of the first cell: every Shift+Enter press is recorded (the last one
# is the press the notebook acted on), and `done` is when the cell's output shows the last
# package line, i.e. every import succeeded and every version printed.
ARM_PACKAGES_RUN_JS = """([last]) => {
  const cell = document.querySelector('.jp-Notebook .jp-Cell');
  const mark = { presses: [], done: null, text: null };
  window.__packagesRun = mark;
  const onKey = (e) => {
    if (e.key === 'Enter' && e.shiftKey && mark.done === null) mark.presses.push(performance.now());
  };
  document.addEventListener('keydown', onKey, { capture: true });
  const observer = new MutationObserver(() => {
    const area = cell.querySelector('.jp-OutputArea');
    const text = area ? area.textContent : '';
    if (mark.presses.length && new RegExp(last).test(text)) {
      mark.done = performance.now();
      mark.text = text;
      observer.disconnect();
      document.removeEventListener('keydown', onKey, { capture: true });
    }
  });
  observer.observe(cell, { childList: true, characterData: true, subtree: true });
}"""

# The notebook's kernel is connected and idle: on vanilla that is the real kernel after its
# boot (or restart); on InkRider the routing kernel, which answers at once.
KERNEL_IDLE_JS = """([path]) => {
  const app = window.jupyterapp;
  if (!app || !app.shell) return false;
  for (const widget of app.shell.widgets('main')) {
    if (widget.context && widget.context.path === path) {
      const session = widget.sessionContext.session;
      const kernel = session && session.kernel;
      return !!kernel && kernel.status === 'idle' && kernel.connectionStatus === 'connected';
    }
  }
  return false;
}"""

RESTART_KERNEL_JS = """async ([path]) => {
  for (const widget of window.jupyterapp.shell.widgets('main')) {
    if (widget.context && widget.context.path === path) {
      await widget.sessionContext.session.kernel.restart();
      return true;
    }
  }
  return false;
}"""

SAVE_NOTEBOOK_JS = """async ([path, source]) => {
  const app = window.jupyterapp;
  await app.restored;
  const content = {
    cells: [{ cell_type: 'code', id: 'c0', metadata: {}, source, outputs: [],
              execution_count: null }],
    metadata: {
      kernelspec: { name: 'python', display_name: 'Python (Pyodide)', language: 'python' },
      language_info: { name: 'python' },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
  await app.serviceManager.contents.save(path, { type: 'notebook', format: 'json', content });
}"""


@dataclass
class PackagesRun:
    """The packages folder in one fresh browser: the first session, then a repeat one."""

    site: str
    run: int
    loadavg_1m: float
    error: str | None = None
    #: Accepted Run press → the cell's output has every package line. InkRider: the folder's
    #: notebook, auto-install included; vanilla: `%pip install -r requirements.txt` + the same.
    first_ms: float | None = None
    #: The same after closing the session (vanilla: restarting the kernel) in the same page:
    #: the wheels are in the browser's cache now.
    repeat_ms: float | None = None
    first_text: str = ""
    repeat_text: str = ""
    press_events: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


def pip_notebook_source(site: Site) -> str:
    """The vanilla notebook's cell: `%pip install -r requirements.txt`, then the code of the
    folder's own notebook, as the site ships it."""
    notebook = json.loads((site.directory / "files" / PACKAGES_NOTEBOOK).read_text())
    source = notebook["cells"][0]["source"]
    return "%pip install -r requirements.txt\n" + (
        "".join(source) if isinstance(source, list) else source
    )


def run_packages(
    playwright: Playwright,
    site: Site,
    base_url: str,
    run: int,
    *,
    quiet_max_s: float,
    rewarm_s: float,
) -> PackagesRun:
    loadavg = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="inkrider-bench-profile-") as profile:
        context, page = _open(playwright, profile)
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
        result = PackagesRun(site=site.name, run=run, loadavg_1m=loadavg)
        try:
            _measure_packages(
                page, site, base_url, result, profile, quiet_max_s=quiet_max_s, rewarm_s=rewarm_s
            )
        except Exception as error:
            result.error = f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"
        finally:
            result.console_errors = errors[:20]
            context.close()
        return result


def _measure_packages(
    page: Page,
    site: Site,
    base_url: str,
    result: PackagesRun,
    profile: str,
    *,
    quiet_max_s: float,
    rewarm_s: float,
) -> None:
    """Both sites are measured from the same state: the page loaded and the browser quiet, so
    that vanilla's kernel and InkRider's warm worker have booted. Neither boot is timed; the
    install and the imports are."""
    path = PACKAGES_NOTEBOOK if site.inkrider else PIP_NOTEBOOK
    if not site.inkrider:
        page.goto(base_url + "lab/index.html", wait_until="commit")
        page.wait_for_function("!!(window.jupyterapp && window.jupyterapp.serviceManager)")
        page.evaluate(SAVE_NOTEBOOK_JS, [PIP_NOTEBOOK, pip_notebook_source(site)])
    page.goto(base_url + f"lab/index.html?path={path}", wait_until="commit")
    page.wait_for_selector(".jp-Cell .cm-content", state="visible", timeout=120_000)
    _wait_until_ready(page, site, path, profile, at_least_s=2.0, at_most_s=quiet_max_s)
    result.first_ms, result.first_text = _timed_run(page, result.press_events)

    if site.inkrider:
        kernel_id = next(
            s["kernel_id"]
            for s in json.loads(page.evaluate("window.inkrider.sessions_json()"))
            if s["state"] != "unbound"
        )
        page.evaluate("(id) => window.inkrider.close_session(id)", kernel_id)
    elif not page.evaluate(RESTART_KERNEL_JS, [path]):
        raise RuntimeError(f"no kernel to restart for {path}")
    # InkRider boots its next warm worker some seconds after the close: wait for that too.
    _wait_until_ready(page, site, path, profile, at_least_s=rewarm_s, at_most_s=quiet_max_s)
    page.evaluate("window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    result.repeat_ms, result.repeat_text = _timed_run(page, result.press_events)


def _wait_until_ready(
    page: Page, site: Site, path: str, profile: str, *, at_least_s: float, at_most_s: float
) -> None:
    since = time.monotonic()
    page.wait_for_function(KERNEL_IDLE_JS, arg=[path], timeout=at_most_s * 1000)
    if site.inkrider:  # the warm worker has at least started to boot
        page.wait_for_function(
            "JSON.parse(window.inkrider.status_json()).live_workers >= 1",
            timeout=at_most_s * 1000,
        )
    _, quiet = memory.wait_until_quiet(profile, since=since, at_least=at_least_s, at_most=at_most_s)
    if not quiet:
        raise RuntimeError(f"the browser never went quiet within {at_most_s:.0f} s")


def _timed_run(page: Page, events: list[str]) -> tuple[float, str]:
    page.evaluate(ARM_PACKAGES_RUN_JS, [LAST_PACKAGE_LINE])
    _press_run(page, events)
    try:
        page.wait_for_function("window.__packagesRun.done !== null", timeout=INSTALL_TIMEOUT_MS)
    except PlaywrightTimeout:
        text = page.locator(".jp-Notebook .jp-Cell .jp-OutputArea").first.inner_text()
        raise RuntimeError(f"no complete output; the cell shows {text[-300:]!r}") from None
    mark = page.evaluate("window.__packagesRun")
    return mark["done"] - mark["presses"][-1], mark["text"]
