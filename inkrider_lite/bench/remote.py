"""The remote runtime against JupyterLab itself, both talking to one `jupyter lab` process.

One Chromium per run holds two fresh contexts: InkRider's site with the remote runtime selected
in Settings → Runtime… (the token typed into the form, kept in the site's storage), and
JupyterLab's own page on the server (the token in the URL: that is how JupyterLab logs in).
Both notebooks' kernels live in the same server, so a round trip differs only by the client's
path. Trips are taken in blocks that alternate between the two pages, so that a change of load
on the shared cores hits both alike; the first trip of each block is a warm-up and is dropped.
"""

from __future__ import annotations

import contextlib
import json
import os
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Page, Playwright

# The tests' real servers are the bench's too: `tests` is importable from the checkout's root,
# where scripts/bench runs (`python -m` puts the current folder first on sys.path).
from tests.servers import ServerProcess, tool_venv

from ..site.chromium import CHROMIUM, CHROMIUM_ARGS
from .measures import ARM_UI_TRIP_JS, FIRST_OUTPUT_TIMEOUT_MS, PAGE_MARKS_JS, _press_run
from .sites import NOTEBOOK, NOTEBOOK_URL

INKRIDER, LAB = "inkrider", "jupyterlab"
#: Blocks of trips per side and run; each side's blocks alternate with the other's.
BLOCKS = 6
FORM = "#inkrider-runtime-form"
#: The verdict of a working server; anything else means the run cannot measure.
CONNECTED = "Connected to Jupyter Server"
#: Test connection again this many times after the first, with the page warm.
TEST_REPEATS = 2

# JupyterLab, as a user would start it, minus what reaches off this machine (news, update
# checks), with `window.jupyterapp` for the kernel API measure (the InkRider site gets the
# same, see sites.py) and its own folders, so no one's user settings change the page.
LAB_OPTIONS = (
    "--LabApp.expose_app_in_browser=True",
    "--LabApp.news_url=None",
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
)

# jupyter_server never sets TCP_NODELAY on a kernel's WebSocket, so Nagle's algorithm holds
# each small message behind the client's delayed ACK: about 40 ms of every round trip here, the
# same for both clients, which hides what the client itself costs. This config file (Python,
# run by the server at start) sets it, for the lean variant of the reference server only.
NODELAY_CONFIG = """
from jupyter_server.services.kernels.websocket import KernelWebsocketHandler

_open = KernelWebsocketHandler.open


async def open(self, kernel_id):
    self.set_nodelay(True)
    self.log.info("bench: TCP_NODELAY set on the WebSocket of kernel %s", kernel_id)
    return await _open(self, kernel_id)


KernelWebsocketHandler.open = open
"""
NODELAY_LOG = "bench: TCP_NODELAY set"
# JupyterLab's debugger sends a debug_request after every execute_reply when the kernel can
# debug (ipykernel can). The kernel answers it (74 kB) before it takes the next execute_request,
# which adds to JupyterLab's next round trip. InkRider's notebook never sends it (its routing
# kernel's kernel_info says no debugger), so the lean variant turns it off in JupyterLab too.
LEAN_PAGE_CONFIG = {"disabledExtensions": {"@jupyterlab/debugger-extension": True}}
#: "as-installed": `jupyter lab` as users run it. "lean": the same with TCP_NODELAY on the
#: kernel WebSocket and JupyterLab's debugger off, so that both clients exchange the same
#: messages and the round trip shows what each client's own path costs.
VARIANTS = ("as-installed", "lean")


#: JupyterLab's own venv, made once under build/cache/venvs (as the tests' Enterprise Gateway):
#: in .venv its server extension would load into every `jupyter server` the tests start. 4.6.4
#: is the JupyterLab whose frontend JupyterLite 0.8.6 bundles.
JUPYTERLAB = ("jupyterlab==4.6.4", "ipykernel>=6")


# Times one Test connection: from the click on the button to the verdict written into the
# form's status line (`data-verdict` is set with the text).
ARM_TEST_JS = """([form]) => {
  const root = document.querySelector(form);
  const button = [...root.querySelectorAll('button')]
    .find((b) => b.textContent === 'Test connection');
  const result = root.querySelector('[role=status]');
  const mark = { click: null, verdict: null, text: null };
  window.__testConnection = mark;
  const onClick = (e) => {
    if (e.target === button && mark.click === null) mark.click = performance.now();
  };
  document.addEventListener('click', onClick, { capture: true });
  const observer = new MutationObserver(() => {
    if (mark.click !== null && result.hasAttribute('data-verdict')) {
      mark.verdict = performance.now();
      mark.text = result.textContent;
      observer.disconnect();
      document.removeEventListener('click', onClick, { capture: true });
    }
  });
  observer.observe(result, { attributes: true, childList: true, characterData: true,
                             subtree: true });
}"""

# The notebook `path` has a kernel object (JupyterLab queues a run from then on; a press made
# before it is dropped, or answered with the Select Kernel dialog).
HAS_KERNEL_JS = """([path]) => {
  for (const widget of window.jupyterapp.shell.widgets('main')) {
    if (widget.context && widget.context.path === path) {
      const session = widget.sessionContext.session;
      return !!(session && session.kernel);
    }
  }
  return false;
}"""

# Both pages, before their scripts: the times at which a kernel's real WebSocket (the
# `/channels` one) sends and receives. InkRider's relay subclasses the page's WebSocket when it
# connects, so it inherits this; JupyterLite's in-page kernel sockets are not WebSockets at all.
# The split it gives (client out, server, client back) shows where a client spends its time.
CHANNEL_TIMES_JS = """
(() => {
  const times = [];
  window.__channelTimes = times;
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(url, protocols);
      this.__timed = String(url).includes('/channels');
      // Added before the client's own onmessage, so it fires first.
      if (this.__timed) this.addEventListener('message', () => times.push([1, performance.now()]));
    }
    send(data) {
      if (this.__timed) times.push([0, performance.now()]);
      return super.send(data);
    }
  };
})();
"""

# The notebook's own kernel connection (as measures.KERNEL_TRIPS_JS), plus per trip the client's
# outbound share (request → the WebSocket sends it) and inbound share (the last WebSocket
# message before `done` → `done`, which needs the execute_reply and the idle status).
KERNEL_TRIPS_JS = """async ([path, count]) => {
  const app = window.jupyterapp;
  let panel = null;
  for (const widget of app.shell.widgets('main')) {
    if (widget.context && widget.context.path === path) panel = widget;
  }
  const kernel = panel && panel.sessionContext.session && panel.sessionContext.session.kernel;
  if (!kernel) return { error: 'the notebook has no kernel connection' };
  const log = window.__channelTimes;
  const times = [], out = [], back = [];
  for (let i = 0; i < count; i++) {
    log.length = 0;
    const start = performance.now();
    const done = kernel.requestExecute({ code: '1', store_history: false }).done;
    const late = new Promise((resolve) => setTimeout(resolve, 30000, 'late'));
    if ((await Promise.race([done, late])) === 'late') {
      return { error: `round trip ${i + 1} got no reply within 30 s`, times };
    }
    const end = performance.now();
    times.push(end - start);
    const sent = log.find((e) => e[0] === 0);
    const received = log.filter((e) => e[0] === 1 && e[1] <= end);
    out.push(sent ? sent[1] - start : null);
    back.push(received.length ? end - received[received.length - 1][1] : null);
  }
  return { times, out, back };
}"""

OPEN_JS = """([path]) => {
  window.__opened = performance.now();
  window.jupyterapp.commands.execute('docmanager:open', { path, factory: 'Notebook' });
}"""


@dataclass
class RemoteRun:
    run: int
    server: str  # one of VARIANTS
    loadavg_1m: float
    error: str | None = None
    #: Test connection, click → verdict shown: the first of the page, then the repeats.
    test_first_ms: float | None = None
    test_repeat_ms: list[float] = field(default_factory=list)
    test_text: str = ""
    #: InkRider, remote runtime saved: the accepted Run press → first output. The kernel is
    #: created on the server by that press.
    inkrider_press_to_output_ms: float | None = None
    inkrider_output_text: str = ""
    #: JupyterLab: `docmanager:open` of a notebook (which starts its kernel) → first output,
    #: with Run pressed as soon as the notebook has a kernel object.
    lab_open_to_output_ms: float | None = None
    lab_press_to_output_ms: float | None = None
    lab_output_text: str = ""
    #: Per side, the blocks of trips in the order taken (each block's first one included).
    kernel_trips: dict[str, list[list[float]]] = field(default_factory=dict)
    #: The same trips' client shares: request → WebSocket send, last message → done.
    kernel_out: dict[str, list[list[float | None]]] = field(default_factory=dict)
    kernel_back: dict[str, list[list[float | None]]] = field(default_factory=dict)
    ui_trips: dict[str, list[list[float]]] = field(default_factory=dict)
    #: The UI trips' client shares: Enter → WebSocket send, last message → new prompt.
    ui_out: dict[str, list[list[float | None]]] = field(default_factory=dict)
    ui_back: dict[str, list[list[float | None]]] = field(default_factory=dict)
    press_events: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    #: Requests the pages made to hosts other than 127.0.0.1 (there should be none).
    foreign_requests: list[str] = field(default_factory=list)


class JupyterLabServer(ServerProcess):
    """`jupyter lab --no-browser` with a token, from its own venv: the server both clients use,
    and JupyterLab's pages. Its kernels run in that venv's Python."""

    label = "jupyter lab"

    def __init__(self, variant: str) -> None:
        super().__init__()
        self.variant = variant
        self.venv = tool_venv("jupyterlab", JUPYTERLAB)
        self.config_dir = self.root / "config"
        if variant == "lean":
            (self.config_dir / "labconfig").mkdir(parents=True)
            page_config = self.config_dir / "labconfig" / "page_config.json"
            page_config.write_text(json.dumps(LEAN_PAGE_CONFIG))
            (self.config_dir / "nodelay_config.py").write_text(NODELAY_CONFIG)

    def command(self) -> list[str]:
        command = [
            str(self.venv / "bin" / "jupyter"),
            "lab",
            "--no-browser",
            "--allow-root",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--port-retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
            f"--LabApp.workspaces_dir={self.root / 'workspaces'}",
            f"--LabApp.user_settings_dir={self.root / 'settings'}",
            *LAB_OPTIONS,
        ]
        if self.variant == "lean":
            command.append(f"--config={self.config_dir / 'nodelay_config.py'}")
        return command

    def environment(self) -> dict[str, str]:
        # Config of its own: nobody's ~/.jupyter changes the reference.
        return {**super().environment(), "JUPYTER_CONFIG_DIR": str(self.config_dir)}

    def ready_url(self) -> str:
        return f"{self.base_url}api/status?token={self.token}"


def write_lab_notebook(server: JupyterLabServer, site_dir: Path, run: int) -> str:
    """A new notebook per run (a new kernel at open), with the InkRider notebook's code."""
    notebook = json.loads((site_dir / "files" / NOTEBOOK).read_text())
    notebook["metadata"]["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    path = f"bench-{run}.ipynb"
    (server.root / path).write_text(json.dumps(notebook))
    return path


def shut_down_kernels(server: JupyterLabServer) -> None:
    """Between runs, so that every run starts its kernels afresh."""
    for resource in ("sessions", "kernels"):
        url = f"{server.base_url}api/{resource}?token={server.token}"
        with urllib.request.urlopen(url, timeout=10) as response:
            ids = [item["id"] for item in json.loads(response.read())]
        for item in ids:
            request = urllib.request.Request(
                f"{server.base_url}api/{resource}/{item}?token={server.token}", method="DELETE"
            )
            # A session's kernel may already be gone with its session.
            with contextlib.suppress(OSError):
                urllib.request.urlopen(request, timeout=10).close()


def run_remote(
    playwright: Playwright,
    server: JupyterLabServer,
    site_url: str,
    site_dir: Path,
    run: int,
    *,
    trips: int,
) -> RemoteRun:
    result = RemoteRun(run=run, server=server.variant, loadavg_1m=os.getloadavg()[0])
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        pages = {side: _page(browser.new_context(), result) for side in (INKRIDER, LAB)}
        lab_path = write_lab_notebook(server, site_dir, run)
        # Alternate which side starts, from run to run as within it.
        order = (INKRIDER, LAB) if run % 2 else (LAB, INKRIDER)
        for side in order:
            if side == INKRIDER:
                _inkrider_session(pages[INKRIDER], server, site_url, result)
            else:
                _lab_session(pages[LAB], server, lab_path, run, result)
        paths = {INKRIDER: NOTEBOOK, LAB: lab_path}
        for block in range(BLOCKS):
            for side in order if block % 2 == 0 else order[::-1]:
                taken = pages[side].evaluate(KERNEL_TRIPS_JS, [paths[side], trips + 1])
                if taken.get("error"):
                    raise RuntimeError(f"{side} kernel API trips: {taken['error']}")
                result.kernel_trips.setdefault(side, []).append(taken["times"])
                result.kernel_out.setdefault(side, []).append(taken["out"])
                result.kernel_back.setdefault(side, []).append(taken["back"])
        for block in range(BLOCKS):
            for side in order if block % 2 == 0 else order[::-1]:
                pages[side].bring_to_front()  # the keyboard goes to the page a user looks at
                times, out, back = _ui_trips(pages[side], trips + 1)
                result.ui_trips.setdefault(side, []).append(times)
                result.ui_out.setdefault(side, []).append(out)
                result.ui_back.setdefault(side, []).append(back)
    except Exception as error:  # a failed run is data: what it measured so far stays
        result.error = f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"
    finally:
        browser.close()
        # A server that died is reported by the next run's failure, not by a crash here.
        with contextlib.suppress(OSError):
            shut_down_kernels(server)
    return result


def _ui_trips(page: Page, count: int) -> tuple[list[float], list[float | None], list[float | None]]:
    """measures._ui_trips (Enter → the first cell's new execution count), with each trip's
    client shares read from the kernel WebSocket's times."""
    page.locator(".jp-Cell .cm-content").first.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("1")
    times: list[float] = []
    out: list[float | None] = []
    back: list[float | None] = []
    for _ in range(count):
        page.evaluate(f"() => {{ ({ARM_UI_TRIP_JS})(); window.__channelTimes.length = 0; }}")
        page.keyboard.press("Control+Enter")
        page.wait_for_function("window.__uiTrip.done !== null", timeout=30_000)
        trip, log = page.evaluate("[window.__uiTrip, window.__channelTimes]")
        times.append(trip["done"] - trip["down"])
        sent = [t for kind, t in log if kind == 0]
        received = [t for kind, t in log if kind == 1 and t <= trip["done"]]
        out.append(sent[0] - trip["down"] if sent else None)
        back.append(trip["done"] - received[-1] if received else None)
    return times, out, back


def _page(context: BrowserContext, result: RemoteRun) -> Page:
    context.add_init_script(PAGE_MARKS_JS)
    context.add_init_script(CHANNEL_TIMES_JS)

    def record(request: object) -> None:
        url = getattr(request, "url", "")
        parts = urlsplit(url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname != "127.0.0.1":
            result.foreign_requests.append(url)

    context.on("request", record)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.on(
        "console",
        lambda m: (
            result.console_errors.append(f"{m.text[:200]} [{m.location.get('url')}]")
            if m.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda e: result.console_errors.append(f"pageerror: {e}"[:300]))
    return page


def _inkrider_session(
    page: Page, server: JupyterLabServer, site_url: str, result: RemoteRun
) -> None:
    """Select the remote runtime as a user does, then run the notebook's first cell: the press
    creates the kernel on the server (a fresh remote session)."""
    page.goto(site_url + NOTEBOOK_URL, wait_until="commit")
    page.wait_for_selector(".jp-Cell .cm-content", state="visible", timeout=120_000)
    page.wait_for_function("window.inkrider !== undefined", timeout=120_000)
    # Until the notebook has its kernel, JupyterLab drops a run: wait for that, as the e2e do.
    page.wait_for_function(
        "JSON.parse(window.inkrider.sessions_json()).every((s) => s.connected)"
        " && JSON.parse(window.inkrider.sessions_json()).length > 0"
    )
    page.evaluate("window.inkrider.app.commands.execute('inkrider:open-runtime-settings')")
    form = page.locator(FORM)
    form.get_by_label("Jupyter Server (remote)").check()
    form.get_by_label("Base URL").fill(server.base_url)
    form.get_by_label("Token").fill(server.token)
    for attempt in range(1 + TEST_REPEATS):
        page.evaluate(ARM_TEST_JS, [FORM])
        form.get_by_role("button", name="Test connection").click()
        page.wait_for_function("window.__testConnection.verdict !== null", timeout=30_000)
        mark = page.evaluate("window.__testConnection")
        if CONNECTED not in (mark["text"] or ""):
            raise RuntimeError(f"Test connection said {mark['text'][:200]!r}")
        if attempt == 0:
            result.test_first_ms = mark["verdict"] - mark["click"]
            result.test_text = mark["text"]
        else:
            result.test_repeat_ms.append(mark["verdict"] - mark["click"])
    form.get_by_role("button", name="Save").click()
    page.wait_for_function("JSON.parse(window.inkrider.status_json()).runtime === 'remote'")
    page.evaluate(
        "(path) => window.inkrider.app.commands.execute('docmanager:open', { path })", NOTEBOOK
    )
    page.locator(".jp-NotebookPanel:visible .jp-Cell").first.wait_for()
    _press_run(page, result.press_events)
    page.wait_for_function("window.__bench.firstOutput !== null", timeout=FIRST_OUTPUT_TIMEOUT_MS)
    marks = page.evaluate("window.__bench")
    result.inkrider_press_to_output_ms = marks["firstOutput"] - marks["runPresses"][-1]
    result.inkrider_output_text = (marks["firstOutputText"] or "").strip()
    _wait_idle(page, NOTEBOOK)


def _lab_session(
    page: Page, server: JupyterLabServer, path: str, run: int, result: RemoteRun
) -> None:
    """JupyterLab's page, then the notebook opened in it: opening starts the kernel."""
    # A workspace of its own per run, so JupyterLab restores no notebook of an earlier run.
    page.goto(f"{server.base_url}lab/workspaces/bench-{run}?token={server.token}")
    page.wait_for_function("!!(window.jupyterapp && window.jupyterapp.shell)", timeout=120_000)
    page.evaluate("window.jupyterapp.restored")
    page.evaluate(OPEN_JS, [path])
    page.wait_for_selector(".jp-Cell .cm-content", state="visible", timeout=120_000)
    page.wait_for_function(HAS_KERNEL_JS, arg=[path], timeout=120_000)
    _press_run(page, result.press_events)
    page.wait_for_function("window.__bench.firstOutput !== null", timeout=FIRST_OUTPUT_TIMEOUT_MS)
    marks = page.evaluate("window.__bench")
    opened = page.evaluate("window.__opened")
    result.lab_open_to_output_ms = marks["firstOutput"] - opened
    result.lab_press_to_output_ms = marks["firstOutput"] - marks["runPresses"][-1]
    result.lab_output_text = (marks["firstOutputText"] or "").strip()
    _wait_idle(page, path)


def _wait_idle(page: Page, path: str) -> None:
    """The first run is over: its reply came and the kernel said idle."""
    page.wait_for_function(
        """([path]) => {
          for (const w of window.jupyterapp.shell.widgets('main')) {
            if (w.context && w.context.path === path) {
              const k = w.sessionContext.session && w.sessionContext.session.kernel;
              return !!k && k.status === 'idle';
            }
          }
          return false;
        }""",
        arg=[path],
        timeout=60_000,
    )
