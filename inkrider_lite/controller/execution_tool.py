"""The Execution Tool: run whole notebooks in fresh sessions, up to 3 at a time.

Opened from Tools → Execution Tool…, the command palette, the Session Explorer and the file
browser's context menu (Run with Execution Tool, on notebooks or a folder). A Lumino widget in
the main area whose DOM this module builds, always as text: the form (what to run, the
runtime, the parallelism, stop at the first error, keep the sessions), then the batch's
progress and, at its end, its summary. While the panel is not in view, a JupyterLab
notification with a progress bar follows the batch instead.

The scheduling, the states and the write-back are execution/ (pure Python); each notebook's
session is a BatchSession (a routing kernel that binds like any other); the files go through
JupyterLite's contents API (batch_files.py). `window.inkrider.execution_*` drive the same code
for the tests and the headless runner.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._compat import compat
from ..execution.batch import MAX_PARALLELISM, Batch, BatchOptions
from ..execution.notebook_run import run_notebook
from ..execution.states import NotebookRun, duration_text
from . import explorer
from .batch_files import BatchFiles
from .batch_session import BatchSession
from .dom import child, form_panel_rules, labelled_field, labelled_input
from .notifier import NOTICE_MS

if TYPE_CHECKING:
    from ..runtimes.base import BoundSession, Runtime
    from .keepalive import ProxyKeeper, Spawn
    from .lab_handles import LabHandles
    from .notifier import Notifier
    from .routing_kernel import RoutingKernel
    from .session_registry import SessionRegistry

TOOL_ID = "inkrider-execution-tool"
OPEN_COMMAND = "inkrider:open-execution-tool"
RUN_SELECTION_COMMAND = "inkrider:run-with-execution-tool"
#: The file browser's items the context menu entry shows on.
CONTEXT_SELECTORS = (
    '.jp-DirListing-item[data-file-type="notebook"]',
    '.jp-DirListing-item[data-isdir="true"]',
)
#: Seconds between redraws of the durations while a batch runs.
TICK = 1.0
RUNTIME_LABELS = {
    "local": "JupyterLite (local, in this browser)",
    "remote": "Jupyter Server (remote)",
}

CSS = (
    form_panel_rules(TOOL_ID, 720)
    + f"""
#{TOOL_ID} fieldset {{ display: flex; flex-direction: column; gap: 6px; }}
#{TOOL_ID} .inkrider-exec-message {{ color: var(--jp-error-color1); white-space: pre-wrap; }}
#{TOOL_ID} .inkrider-exec-progress {{ margin-top: 16px; max-width: 960px; }}
#{TOOL_ID} .inkrider-exec-overall {{ display: flex; gap: 8px; align-items: center; }}
#{TOOL_ID} progress {{ flex: 1; max-width: 360px; }}
#{TOOL_ID} table {{ border-collapse: collapse; margin-top: 8px; width: 100%; }}
#{TOOL_ID} th, #{TOOL_ID} td {{
  text-align: left; padding: 3px 8px; vertical-align: top;
  border-bottom: var(--jp-border-width) solid var(--jp-border-color2);
}}
#{TOOL_ID} td.inkrider-exec-path, #{TOOL_ID} td.inkrider-exec-error {{ overflow-wrap: anywhere; }}
#{TOOL_ID} tr[data-state="failed"] .inkrider-exec-state {{ color: var(--jp-error-color1); }}
#{TOOL_ID} tr[data-state="done"] .inkrider-exec-state {{ color: var(--jp-success-color1); }}
#{TOOL_ID} .inkrider-exec-summary {{
  white-space: pre-wrap; font-family: var(--jp-code-font-family);
}}
"""
)


@dataclass(frozen=True)
class ExecutionToolDeps:
    lab: LabHandles
    proxies: ProxyKeeper
    notifier: Notifier
    spawn: Spawn
    registry: SessionRegistry
    #: The runtime a batch on "local" or "remote" binds its sessions to.
    runtime: Callable[[str], Runtime]
    #: The plan gate: only then is the remote runtime offered.
    remote_enabled: bool
    #: Told when a batch session changes (the status item, the Session Explorer).
    on_kernel_change: Callable[[RoutingKernel], None]
    #: Asks the page to hold the kernel image while local sessions start one after another
    #: (True), or to let it go (False): see holdKernelImage in loader.js.
    hold_kernel_image: Callable[[bool], None] = lambda _hold: None
    #: The runtime chosen in Settings → Runtime…, which a new panel offers first (it offered
    #: local while remote was chosen: new-user pass, stop 27, D4).
    chosen_runtime: Callable[[], str] = lambda: "local"


class ExecutionTool:
    """One controller's tool: at most one batch at a time, and the panel that shows it."""

    def __init__(self, deps: ExecutionToolDeps) -> None:
        self._deps = deps
        self.files = BatchFiles(deps.lab.app.serviceManager.contents, deps.lab.app.shell)
        self.batch: Batch | None = None
        self._sessions: dict[str, BatchSession] = {}
        #: Sessions kept after their notebook's run, by path, until that notebook takes its own.
        self._kept: dict[str, BatchSession] = {}
        self._panel: _Panel | None = None
        self._widgets: Any = None
        self._notice: Any = None
        #: The notice of the last batch's end, until the next batch starts.
        self._summary_notice: Any = None
        self._notice_shows = ""
        self._ticker: asyncio.Task[None] | None = None

    # -- installing ---------------------------------------------------------------------------

    def install(self, widgets: Any) -> None:
        self._widgets = widgets
        lab, proxies = self._deps.lab, self._deps.proxies
        commands = lab.app.commands
        commands.addCommand(
            OPEN_COMMAND,
            compat.to_js(
                {
                    "label": "Execution Tool…",
                    "caption": "Run whole notebooks in fresh sessions, up to 3 at a time, "
                    "and write their outputs back",
                    "execute": proxies.create_proxy(lambda *_: self.show()),
                }
            ),
        )
        commands.addCommand(
            RUN_SELECTION_COMMAND,
            compat.to_js(
                {
                    "label": "Run with Execution Tool",
                    "caption": "Open the Execution Tool with the selected notebooks or folder",
                    "execute": proxies.create_proxy(lambda *_: self._spawn_show_selection()),
                }
            ),
        )
        if lab.palette is not None:
            lab.palette.addItem(compat.to_js({"command": OPEN_COMMAND, "category": "InkRider"}))
        if lab.main_menu is not None:
            try:
                menu = explorer.tools_menu(lab.main_menu, lab.app, widgets)
                menu.addItem(compat.to_js({"command": OPEN_COMMAND}))
            except Exception as error:  # the palette still opens it
                compat.log_error("could not add the Execution Tool to the Tools menu", error)
        context_menu = getattr(lab.app, "contextMenu", None)
        if context_menu is not None:
            for selector in CONTEXT_SELECTORS:
                context_menu.addItem(
                    compat.to_js(
                        {"command": RUN_SELECTION_COMMAND, "selector": selector, "rank": 60}
                    )
                )

    # -- the panel ----------------------------------------------------------------------------

    def show(self, notebooks: list[str] | None = None, folder: str | None = None) -> None:
        if self._widgets is None:
            return
        panel = self._panel
        if panel is None or panel.widget.isDisposed:
            panel = self._panel = _Panel(self, self._widgets)
        panel.loading = True  # the fill below is the one: the tab's showing starts no other
        self._deps.lab.show_panel(panel.widget, TOOL_ID)
        self._deps.spawn(panel.load(notebooks, folder))
        self._follow()

    def _spawn_show_selection(self) -> None:
        self._deps.spawn(self.show_selection())

    async def show_selection(self) -> None:
        """The file browser's selection: one folder opens as the folder to run, else every
        notebook selected (folders expanded)."""
        selected = self._browser_selection()
        folders = [path for path, kind in selected if kind == "directory"]
        if len(selected) == 1 and folders:
            self.show(folder=folders[0])
            return
        notebooks = await self.files.notebooks_in([path for path, _kind in selected])
        self.show(notebooks=notebooks)

    def _browser_selection(self) -> list[tuple[str, str]]:
        browser = self._deps.lab.file_browser
        if browser is None:
            return []
        try:
            return [(str(item.path), str(item.type)) for item in browser.selectedItems()]
        except Exception as error:
            compat.log_error("could not read the file browser's selection", error)
            return []

    @property
    def panel_visible(self) -> bool:
        panel = self._panel
        return panel is not None and not panel.widget.isDisposed and bool(panel.widget.isVisible)

    # -- batches ------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.batch is not None and not self.batch.ended

    def start(self, paths: list[str], options: BatchOptions) -> str:
        """Start a batch; "" when it started, else why not."""
        if self.running:
            return "A batch is running already: cancel it or wait for its end."
        if not paths:
            return "There is no notebook to run."
        if self._summary_notice is not None:  # the last batch's: it would read as this one's
            self._deps.notifier.dismiss(self._summary_notice)
            self._summary_notice = None
        if options.runtime == "remote" and not self._deps.remote_enabled:
            return "The remote runtime is not available on this site."
        batch = self.batch = Batch(
            paths,
            options,
            lambda run: self._execute(run, options),
            lambda run, notebook: self.files.write(run.path, notebook),
            on_change=lambda _batch: self._changed(),
        )
        self._deps.spawn(self._run(batch))
        return ""

    async def _run(self, batch: Batch) -> None:
        self._changed()
        self._ticker = asyncio.ensure_future(self._tick(batch))
        # Each notebook starts a local session: one copy of the image in the page spares each
        # worker fetching its 70 MB. Let go as soon as the batch ends.
        hold = batch.options.runtime == "local" and len(batch.runs) > 1
        if hold:
            self._deps.hold_kernel_image(True)
        try:
            summary = await batch.run()
        finally:
            self._ticker.cancel()
            if hold:
                self._deps.hold_kernel_image(False)
        self._end_notice()
        if not self.panel_visible:  # an open panel shows the summary itself
            self._summary_notice = self._deps.notifier.emit(
                f"Execution Tool: {summary.headline}",
                summary.notice_kind,
                {"autoClose": NOTICE_MS},
            )
        self._changed()

    async def _execute(self, run: NotebookRun, options: BatchOptions) -> dict[str, Any]:
        notebook = await self.files.read(run.path)
        session = self._sessions[run.path] = BatchSession(
            run.path,
            self._deps.runtime(options.runtime),
            self._deps.registry,
            self._deps.on_kernel_change,
        )
        kept = False
        try:
            written = await run_notebook(
                notebook,
                session,
                run,
                stop_on_error=options.stop_on_error,
                timeout=options.timeout,
            )
            kept = options.keep_sessions and session.kernel.session is not None
            return written
        except asyncio.CancelledError:
            session.interrupt()  # the running cell stops; the session goes next
            raise
        finally:
            self._sessions.pop(run.path, None)
            if kept:
                session.keep = True
                older = self._kept.pop(run.path, None)
                if older is not None and older.keep:
                    older.end()  # the notebook's earlier run: this one is what it would take
                self._kept[run.path] = session
            else:
                session.end()
            self._deps.on_kernel_change(session.kernel)

    def take_kept(self, path: str) -> tuple[Runtime, BoundSession] | None:
        """The session kept for the notebook at `path`, handed to that notebook's kernel at its
        first run: it goes on with the batch run's variables and execution count."""
        session = self._kept.pop(path, None)
        if session is None or not session.keep:
            return None
        return session.hand_over()

    def cancel(self, path: str) -> bool:
        return self.batch is not None and self.batch.cancel(path)

    def cancel_all(self) -> int:
        return 0 if self.batch is None else self.batch.cancel_all()

    async def _tick(self, batch: Batch) -> None:
        while not batch.ended:
            await asyncio.sleep(TICK)
            self._changed()

    def _changed(self) -> None:
        if self._panel is not None:
            self._panel.refresh()
        self._follow()

    # -- the notification while the panel is out of view --------------------------------------

    def _follow(self) -> None:
        batch = self.batch
        if batch is None or batch.ended or self.panel_visible:
            self._end_notice()
            return
        notifier = self._deps.notifier
        message = f"Execution Tool: {batch.progress_text}"
        if self._notice is None:
            self._notice = notifier.emit(
                message, "in-progress", {"autoClose": False, "progress": batch.fraction}
            )
            self._notice_shows = message
        elif self._notice_shows != message:
            # Only on a change: JupyterLab handles an update after an await, so one just
            # before a dismiss would show the notice again.
            self._notice_shows = message
            notifier.update(
                {
                    "id": self._notice,
                    "message": message,
                    "type": "in-progress",
                    "autoClose": False,
                    "progress": batch.fraction,
                }
            )

    def _end_notice(self) -> None:
        if self._notice is not None:
            self._deps.notifier.dismiss(self._notice)
            self._notice = None

    # -- window.inkrider ----------------------------------------------------------------------

    def state_json(self) -> str:
        batch = self.batch
        if batch is None:
            return json.dumps(None)
        return json.dumps(
            {
                "ended": batch.ended,
                # The batch's own time, from its start to its summary (None until it ends).
                "seconds": None if batch.summary is None else batch.summary.seconds,
                "finished": batch.finished,
                "total": batch.total,
                "progress": batch.progress_text,
                "options": {
                    "parallelism": batch.options.parallelism,
                    "stop_on_error": batch.options.stop_on_error,
                    "keep_sessions": batch.options.keep_sessions,
                    "runtime": batch.options.runtime,
                    "timeout": batch.options.timeout,
                },
                "runs": [
                    {
                        "path": run.path,
                        "state": str(run.state),
                        "state_text": run.state_text,
                        "cell": run.cell,
                        "cells": run.cells,
                        "seconds": run.duration(),
                        "cells_seconds": run.cells_duration(),
                        "error": None if run.error is None else run.error.to_json(),
                        "reason": run.reason,
                        "notes": run.notes,
                        "written": run.written,
                        "timed_out": None if run.timed_out is None else run.timed_out.to_json(),
                    }
                    for run in batch.runs
                ],
                "summary": None if batch.summary is None else batch.summary.text,
                # Whether the panel is in view, else the progress notification's id.
                "panel_visible": self.panel_visible,
                "notice": None if self._notice is None else str(self._notice),
            }
        )


class _Panel:
    """The tool's widget: the form, then the batch."""

    def __init__(self, tool: ExecutionTool, widgets: Any) -> None:
        self._tool = tool
        #: A fill of the lists is under way (see ExecutionTool.show and _shown), and another
        #: is wanted after it.
        self.loading = False
        self.reload = False
        deps = tool._deps
        widget = self.widget = widgets.Widget.new()
        widget.id = TOOL_ID
        widget.addClass("inkrider-execution-tool")
        widget.title.label = "Execution Tool"
        widget.title.caption = "Run whole notebooks in fresh sessions"
        widget.title.closable = True
        node = widget.node
        doc = self._doc = node.ownerDocument
        style = doc.createElement("style")
        style.textContent = CSS
        node.appendChild(style)

        form = self._form = child(doc, node, "form")
        form.setAttribute("aria-label", "Execution Tool")
        title = child(doc, form, "h2")
        title.textContent = "Execution Tool"
        note = child(doc, form, "div")
        note.textContent = (
            "Each notebook runs every code cell in order, in a fresh session (its folder's "
            "requirements.txt installed first), and its outputs are written into it."
        )

        what = child(doc, form, "fieldset")
        legend = child(doc, what, "legend")
        legend.textContent = "What to run"
        self.by_notebooks = _radio(
            doc, what, "inkrider-exec-by-notebooks", "Notebooks", "notebooks"
        )
        self.notebooks = labelled_field(doc, what, "inkrider-exec-notebooks", "Notebooks", "select")
        self.notebooks.multiple = True
        self.notebooks.size = 8
        self.by_folder = _radio(
            doc, what, "inkrider-exec-by-folder", "A folder (its notebooks, recursively)", "folder"
        )
        self.folder = labelled_field(doc, what, "inkrider-exec-folder", "Folder", "select")
        self.by_notebooks.checked = True

        self.runtime = labelled_field(doc, form, "inkrider-exec-runtime", "Runtime", "select")
        for value in ("local", "remote") if deps.remote_enabled else ("local",):
            option = child(doc, self.runtime, "option")
            option.value = value
            option.textContent = RUNTIME_LABELS[value]
        if deps.remote_enabled:
            self.runtime.value = deps.chosen_runtime()
        self.parallelism = labelled_field(
            doc, form, "inkrider-exec-parallelism", f"Parallelism (1–{MAX_PARALLELISM})", "input"
        )
        self.parallelism.type = "number"
        self.parallelism.min = "1"
        self.parallelism.max = str(MAX_PARALLELISM)
        self.parallelism.value = str(MAX_PARALLELISM)
        self.time_limit = labelled_field(
            doc,
            form,
            "inkrider-exec-time-limit",
            "Time limit per notebook, in seconds (empty: none)",
            "input",
        )
        self.time_limit.type = "number"
        self.time_limit.min = "1"
        self.time_limit.step = "any"
        self.time_limit.title = (
            "Counted from the notebook's first cell. Past it the running cell is interrupted, "
            "and the notebook fails with its outputs so far written."
        )
        self.stop_on_error = _checkbox(
            doc, form, "inkrider-exec-stop-on-error", "Stop a notebook at its first error", True
        )
        self.keep_sessions = _checkbox(
            doc, form, "inkrider-exec-keep-sessions", "Keep the sessions afterwards", False
        )
        actions = child(doc, form, "div", "inkrider-actions")
        self.run_button = _button(doc, actions, "Run", "jp-mod-accept", "run")
        self.message = child(doc, actions, "span", "inkrider-exec-message")
        self.message.setAttribute("role", "status")

        progress = self._progress = child(doc, node, "section", "inkrider-exec-progress")
        progress.setAttribute("aria-label", "Batch progress")
        overall = child(doc, progress, "div", "inkrider-exec-overall")
        self.overall_text = child(doc, overall, "span", "inkrider-exec-overall-text")
        self.bar = child(doc, overall, "progress")
        self.bar.setAttribute("aria-label", "Notebooks done")
        self.cancel_all = _button(doc, overall, "Cancel all", "jp-mod-reject", "cancel-all")
        table = child(doc, progress, "table")
        head = child(doc, child(doc, table, "thead"), "tr")
        for text in ("Notebook", "State", "Duration", "First error", ""):
            child(doc, head, "th").textContent = text
        self.rows = child(doc, table, "tbody")
        self.summary = child(doc, progress, "pre", "inkrider-exec-summary")
        self._row_nodes: dict[str, dict[str, Any]] = {}
        self._batch_shown: Batch | None = None

        proxies = deps.proxies
        form.addEventListener("submit", proxies.create_proxy(lambda event: event.preventDefault()))
        node.addEventListener("click", proxies.create_proxy(self._on_click))
        widget.onAfterShow = proxies.create_proxy(lambda *_: self._shown())
        widget.onAfterHide = proxies.create_proxy(lambda *_: tool._follow())
        self.refresh()

    async def load(self, notebooks: list[str] | None, folder: str | None) -> None:
        """Fill the lists from the contents, with `notebooks` or `folder` chosen."""
        try:
            found, folders = await self._tool.files.walk("")
        finally:
            self.loading = False
        found = list(dict.fromkeys(found + (notebooks or [])))
        wanted = set(notebooks or [])
        previous = {o.value for o in self.notebooks.selectedOptions} if not wanted else set()
        _fill(self._doc, self.notebooks, [(p, p) for p in found], wanted or previous)
        chosen_folder = folder if folder is not None else self.folder.value
        _fill(
            self._doc,
            self.folder,
            [(f, f or "/ (every notebook)") for f in folders],
            {chosen_folder} if chosen_folder in folders else {""},
        )
        if folder is not None:
            self.by_folder.checked = True
        elif notebooks:
            self.by_notebooks.checked = True
        if self.reload:
            self.reload = False
            self.loading = True
            await self.load(None, None)

    def _shown(self) -> None:
        self._tool._follow()
        self.refresh()
        # Back to the tab: notebooks and folders made meanwhile are listed, choices kept (after
        # the fill under way, if any, whose walk may have missed them).
        if self.loading:
            self.reload = True
        else:
            self.loading = True
            self._tool._deps.spawn(self.load(None, None))

    def _on_click(self, event: Any) -> None:
        button = event.target.closest("button[data-action]")
        if compat.is_null(button) or button.disabled:
            return
        action = button.getAttribute("data-action")
        if action == "run":
            self._tool._deps.spawn(self._start())
        elif action == "cancel-all":
            self._tool.cancel_all()
        elif action == "cancel":
            row = button.closest("tr[data-path]")
            if not compat.is_null(row):
                self._tool.cancel(str(row.getAttribute("data-path")))
        self.refresh()

    async def _start(self) -> None:
        self.message.textContent = ""
        try:
            parallelism = int(str(self.parallelism.value))
        except ValueError:
            parallelism = 0
        limit = str(self.time_limit.value or "").strip()
        try:
            timeout = float(limit) if limit else None
        except ValueError:
            timeout = -1.0
        if timeout is not None and not 0 < timeout < float("inf"):
            self.message.textContent = (
                "The time limit must be a number of seconds above 0, or empty for none."
            )
            return
        try:
            options = BatchOptions(
                parallelism=parallelism,
                stop_on_error=bool(self.stop_on_error.checked),
                keep_sessions=bool(self.keep_sessions.checked),
                runtime=str(self.runtime.value or "local"),
                timeout=timeout,
            )
        except ValueError:
            self.message.textContent = (
                f"Parallelism must be a whole number from 1 to {MAX_PARALLELISM}."
            )
            return
        if self.by_folder.checked:
            paths = (await self._tool.files.walk(str(self.folder.value)))[0]
        else:
            paths = [str(option.value) for option in self.notebooks.selectedOptions]
        self.message.textContent = self._tool.start(paths, options)
        self.refresh()

    def refresh(self) -> None:
        batch = self._tool.batch
        running = self._tool.running
        self.run_button.disabled = running
        self._progress.hidden = batch is None
        if batch is None or not self.widget.isVisible:
            return
        if batch is not self._batch_shown:
            self.rows.textContent = ""
            self._row_nodes = {}
            self._batch_shown = batch
        self.overall_text.textContent = batch.progress_text
        self.bar.max = max(batch.total, 1)
        self.bar.value = batch.finished
        # A finished run (or batch) has nothing to cancel: no button, rather than a grey one.
        self.cancel_all.hidden = not running
        for run in batch.runs:
            nodes = self._row_nodes.get(run.path)
            if nodes is None:
                nodes = self._row_nodes[run.path] = self._row(run.path)
            nodes["row"].setAttribute("data-state", str(run.state))
            _set(nodes["state"], run.state_text)
            _set(nodes["duration"], duration_text(run.duration()))
            _set(nodes["error"], run.detail_text)
            nodes["cancel"].hidden = run.ended or not running
        self.summary.textContent = "" if batch.summary is None else batch.summary.text

    def _row(self, path: str) -> dict[str, Any]:
        doc = self._doc
        row = child(doc, self.rows, "tr")
        row.setAttribute("data-path", path)
        cells = {"row": row}
        for name in ("path", "state", "duration", "error"):
            cells[name] = child(doc, row, "td", f"inkrider-exec-{name}")
        cells["path"].textContent = path
        cells["cancel"] = _button(doc, child(doc, row, "td"), "Cancel", "jp-mod-reject", "cancel")
        cells["cancel"].setAttribute("aria-label", f"Cancel {path}")
        return cells


#: The tool of each ExecutionToolDeps (one per controller), by its id.
_tools: dict[int, ExecutionTool] = {}


def install(deps: ExecutionToolDeps, widgets: Any) -> ExecutionTool:
    tool = _tools[id(deps)] = ExecutionTool(deps)
    tool.install(widgets)
    return tool


def tool_of(deps: ExecutionToolDeps) -> ExecutionTool | None:
    return _tools.get(id(deps))


def show(deps: ExecutionToolDeps) -> None:
    tool = _tools.get(id(deps))
    if tool is not None:
        tool.show()


# -- building nodes, as text only ------------------------------------------------------------


def _set(node: Any, text: str) -> None:
    if node.textContent != text:
        node.textContent = text


def _fill(doc: Any, select: Any, options: list[tuple[str, str]], selected: set[str]) -> None:
    select.textContent = ""
    for value, label in options:
        option = child(doc, select, "option")
        option.value = value
        option.textContent = label
        option.selected = value in selected


def _radio(doc: Any, parent: Any, element_id: str, label: str, value: str) -> Any:
    radio = labelled_input(doc, parent, "radio", element_id, label, "inkrider-exec-what")
    radio.value = value
    return radio


def _checkbox(doc: Any, parent: Any, element_id: str, label: str, checked: bool) -> Any:
    box = labelled_input(doc, parent, "checkbox", element_id, label)
    box.checked = checked
    return box


def _button(doc: Any, parent: Any, text: str, mod: str, action: str) -> Any:
    button = child(doc, parent, "button", f"jp-Button jp-mod-styled {mod}".strip())
    button.type = "button"
    button.setAttribute("data-action", action)
    button.textContent = text
    return button
