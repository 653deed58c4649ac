"""`--only flood` (issue 13 §6): a printing cell, InkRider against vanilla, on a warm session.

Two measures per site, each in a fresh browser:

- **10,000 lines**: `for i in range(10000): print(i)` run from the first cell (Ctrl+Enter), timed
  in the page from the Enter keydown to the frame in which the output ends with `9999`.
- **endless loop**: `for i in range(10**9): print(i)` for `FLOOD_S` seconds. The page's
  answers are measured two ways: a Playwright `evaluate` round trip every half second (wall
  clock), and the longest gap between two ticks of a 50 ms timer inside the page (how long the
  main thread was held). Then Stop is clicked in the page and the time until the cell's prompt
  shows its execution count is taken. Vanilla is served without cross-origin isolation (as a
  plain JupyterLite site is), so its Stop cannot end a running loop: its time is not taken.
"""

from __future__ import annotations

import contextlib
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

from playwright.sync_api import Page, Playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from . import memory
from .measures import _open
from .sites import NOTEBOOK_URL, Site

#: Seconds the endless loop runs before Stop.
FLOOD_S = 10.0
LINES = 10_000
#: A page that has not answered a trivial script within this many seconds is taken as frozen
#: (then the measure ends: the flood of a frozen page only grows its memory, gigabytes a minute).
ANSWER_TIMEOUT_S = 10.0
#: Longest wait for the 10,000 lines to show.
LINES_TIMEOUT_S = 180.0
#: A measure (its browser's start, the warm-up and the measure itself) still going after this
#: long has its browser killed. Playwright's own timeouts do not cover every call (`evaluate`,
#: `close`): on this machine a vanilla arm once waited 13 minutes in one while its renderer
#: grew past 12 GB.
MEASURE_LIMIT_S = 360.0

# Arms the measure on the first cell: the Enter keydown, the frame the output ends with
# `last`, and the gaps of a 50 ms timer.
ARM_JS = """([last]) => {
  const cell = document.querySelector('.jp-Notebook .jp-Cell');
  const probe = { down: null, shown: null, maxGapMs: 0, stopClick: null, stopped: null };
  window.__flood = probe;
  const onKey = (e) => {
    if (e.key === 'Enter' && probe.down === null) probe.down = performance.now();
  };
  document.addEventListener('keydown', onKey, { capture: true });
  let tick = performance.now();
  probe.timer = setInterval(() => {
    const now = performance.now();
    probe.maxGapMs = Math.max(probe.maxGapMs, now - tick - 50);
    tick = now;
  }, 50);
  if (last !== null) {
    const ending = '\\n' + last + '\\n';
    const check = () => {
      const out = cell.querySelector('.jp-OutputArea-output');
      if (out && out.textContent.endsWith(ending)) {
        probe.shown = performance.now();
        return;
      }
      requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  }
}"""

# Arms the timing of Stop: from the press on the button (a real click: JupyterLab's toolbar
# buttons act on the mouse, not on a scripted click()) until the first cell's prompt shows an
# execution count.
ARM_STOP_JS = """() => {
  const probe = window.__flood;
  const cell = document.querySelector('.jp-Notebook .jp-Cell');
  const prompt = () => (cell.querySelector('.jp-InputArea-prompt') || {}).textContent || '';
  const observer = new MutationObserver(() => {
    if (/\\[[0-9]+\\]/.test(prompt())) { probe.stopped = performance.now(); observer.disconnect(); }
  });
  observer.observe(cell, { childList: true, characterData: true, subtree: true });
  document.addEventListener('pointerdown', () => {
    if (probe.stopClick === null) probe.stopClick = performance.now();
  }, { capture: true });
}"""
STOP_BUTTON = ".jp-NotebookPanel:visible [data-command='notebook:interrupt-kernel']"


@dataclass
class FloodRun:
    site: str
    run: int
    loadavg_1m: float
    error: str | None = None
    lines_ms: float | None = None
    evaluate_ms: list[float] = field(default_factory=list)
    max_gap_ms: float | None = None
    stop_ms: float | None = None
    stop_note: str = ""

    @property
    def evaluate_max_ms(self) -> float | None:
        return max(self.evaluate_ms) if self.evaluate_ms else None

    @property
    def evaluate_median_ms(self) -> float | None:
        return statistics.median(self.evaluate_ms) if self.evaluate_ms else None


def _set_first_cell(page: Page, code: str) -> None:
    page.locator(".jp-Cell .cm-content").first.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(code)


def _warm(page: Page, base_url: str, profile: str) -> None:
    """Open the notebook, run a trivial cell, and wait until the browser is quiet (InkRider
    boots its next warm worker some seconds after a bind)."""
    page.goto(base_url + NOTEBOOK_URL, wait_until="commit")
    page.wait_for_selector(".jp-Cell .cm-content", state="visible", timeout=120_000)
    _set_first_cell(page, "1")
    since = time.monotonic()
    for _ in range(60):  # a run pressed before the kernel is connected is dropped
        page.keyboard.press("Control+Enter")
        try:
            page.wait_for_function(
                "/\\[[0-9]+\\]/.test(document.querySelector('.jp-Cell .jp-InputArea-prompt')"
                ".textContent)",
                timeout=3_000,
            )
            break
        except Exception:
            continue
    memory.wait_until_quiet(profile, since=since, at_least=8.0, at_most=40.0)


def _lines(page: Page, result: FloodRun) -> None:
    _set_first_cell(page, f"for i in range({LINES}): print(i)")
    page.evaluate(ARM_JS, [LINES - 1])
    page.keyboard.press("Control+Enter")
    try:
        page.wait_for_function("window.__flood.shown !== null", timeout=LINES_TIMEOUT_S * 1000)
    except PlaywrightTimeout:
        result.error = f"the {LINES:,} lines were not shown within {LINES_TIMEOUT_S:g} s"
        return
    probe = page.evaluate("window.__flood")
    result.lines_ms = probe["shown"] - probe["down"]


NO_ANSWER = f"the page did not answer within {ANSWER_TIMEOUT_S:g} s"


class _Fuse:
    """Ends the browser of `profile` unless disarmed within `seconds`: Playwright's own timeouts
    are kept by the page, and a page whose main thread is held does not keep them (a vanilla
    arm's `wait_for_function(timeout=10 s)` waited for minutes)."""

    def __init__(self, profile: str, seconds: float) -> None:
        self.blown = False
        self._timer = threading.Timer(seconds, self._blow, [profile])
        self._timer.daemon = True

    def _blow(self, profile: str) -> None:
        self.blown = True
        _end_browser(profile)

    def arm(self) -> None:
        self._timer.start()

    def disarm(self) -> None:
        self._timer.cancel()

    def __enter__(self) -> _Fuse:
        self.arm()
        return self

    def __exit__(self, *_exc: object) -> bool:
        self.disarm()
        return self.blown  # the browser was ended: what failed in it meant "no answer"


def _endless(page: Page, site: Site, profile: str, result: FloodRun) -> None:
    _set_first_cell(page, "for i in range(10**9): print(i)")
    page.evaluate(ARM_JS, [None])
    page.keyboard.press("Control+Enter")
    began = time.monotonic()
    while time.monotonic() - began < FLOOD_S:
        start = time.monotonic()
        with _Fuse(profile, ANSWER_TIMEOUT_S) as fuse:
            page.evaluate("1")
        if fuse.blown:
            result.evaluate_ms.append(ANSWER_TIMEOUT_S * 1000)
            result.stop_note = NO_ANSWER
            return
        result.evaluate_ms.append((time.monotonic() - start) * 1000)
        time.sleep(0.5)
    with _Fuse(profile, ANSWER_TIMEOUT_S) as fuse:
        result.max_gap_ms = page.evaluate("window.__flood.maxGapMs")
    if fuse.blown:
        result.stop_note = NO_ANSWER
        return
    if not site.inkrider:
        result.stop_note = "not isolated: Stop cannot end a running loop"
        return
    page.evaluate(ARM_STOP_JS)
    page.locator(STOP_BUTTON).click()
    page.wait_for_function("window.__flood.stopped !== null", timeout=60_000)
    probe = page.evaluate("window.__flood")
    result.stop_ms = probe["stopped"] - probe["stopClick"]


def _end_browser(profile: str) -> None:
    """End this run's own browser, found by its profile folder, and no other process."""
    for proc in memory.browser_tree(profile):
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)


def run_flood(playwright: Playwright, site: Site, base_url: str, run: int) -> FloodRun:
    result = FloodRun(site=site.name, run=run, loadavg_1m=os.getloadavg()[0])
    for measure in (_lines, _endless):
        with tempfile.TemporaryDirectory(prefix="inkrider-bench-profile-") as profile:
            watchdog = _Fuse(profile, MEASURE_LIMIT_S)
            watchdog.arm()
            began = time.monotonic()
            context, page = _open(playwright, profile)
            try:
                _warm(page, base_url, profile)
                if measure is _lines:
                    _lines(page, result)
                else:
                    _endless(page, site, profile, result)
            except Exception as error:
                text = f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"
                if watchdog.blown:
                    text = f"stopped after {MEASURE_LIMIT_S:g} s ({text})"
                result.error = f"{result.error}; {text}" if result.error else text
            finally:
                watchdog.disarm()
                # Closing the browser politely waited for minutes after vanilla's flood (its
                # page still busy, growing by gigabytes, long after its 10,000 lines showed),
                # also when the page still answered a script: this run's browser is ended.
                _end_browser(profile)
                with contextlib.suppress(Exception):
                    context.close()
                print(
                    f"bench: flood {site.name} {measure.__name__.strip('_')}: "
                    f"{time.monotonic() - began:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
    return result


def report_lines(runs: list[FloodRun]) -> list[str]:
    def median(values: list[float | None]) -> str:
        kept = [v for v in values if v is not None]
        return f"{statistics.median(kept):.0f}" if kept else "–"

    lines = [
        "",
        "A printing cell (issue 13 §6), on a warm session, medians over the runs:",
        "",
        "| measure | vanilla | InkRider |",
        "|---|---|---|",
    ]
    by_site: dict[str, list[FloodRun]] = {}
    for r in runs:
        by_site.setdefault(r.site, []).append(r)
    names = sorted(by_site, key=lambda name: name != "vanilla")
    loop = f"endless loop, {FLOOD_S:g} s"
    rows = [
        (f"{LINES:,} printed lines shown (ms)", lambda r: r.lines_ms),
        (f"{loop}: evaluate round trip, median (ms)", lambda r: r.evaluate_median_ms),
        (f"{loop}: evaluate round trip, max (ms)", lambda r: r.evaluate_max_ms),
        ("endless loop: longest hold of the main thread (ms)", lambda r: r.max_gap_ms),
        ("endless loop: Stop → prompt shows its count (ms)", lambda r: r.stop_ms),
    ]
    for label, value in rows:
        cells = [median([value(r) for r in by_site.get(name, [])]) for name in names]
        lines.append(f"| {label} | {' | '.join(cells)} |")
    for r in runs:
        if r.error or r.stop_note:
            lines.append(f"- {r.site} run {r.run}: {r.error or r.stop_note}")
    return lines
