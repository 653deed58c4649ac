"""The Execution Tool in a real browser with real Pyodide: a batch of notebooks made by the
test through the page's contents API, run through the panel, at most 3 workers at a time."""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from typing import Any

import nbformat
from playwright.sync_api import Locator, Page, expect

from tests.servers import JupyterServer

from .notebook import (
    kernel_worker_count,
    open_notebook,
    run_in_new_cell,
    sessions,
    status,
    wait_for_controller,
)
from .remote_form import back_to_notebook, choose_remote
from .test_sessions import WorkerCounter

TOOL = "#inkrider-execution-tool"
OLD_OUTPUT = "output from before the run\n"


#: Whether the editor open on a path has unsaved changes.
DIRTY = (
    "(p) => { for (const w of window.inkrider.app.shell.widgets('main'))"
    " if (w.context && w.context.path === p) return w.context.model.dirty; return false; }"
)


def code_notebook(*sources: str, markdown: str = "") -> dict[str, Any]:
    """Code cells that already show an old output and count, to see which ones the run
    rewrote."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python",
        "display_name": "Python (Pyodide)",
        "language": "python",
    }
    # As a saved notebook has it: opening it then changes nothing (see messages.kept_language_info).
    nb.metadata["language_info"] = {"name": "python", "version": "3.14.2"}
    if markdown:
        nb.cells.append(nbformat.v4.new_markdown_cell(markdown))
    for source in sources:
        cell = nbformat.v4.new_code_cell(source)
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=OLD_OUTPUT)]
        cell.execution_count = 77
        nb.cells.append(cell)
    return json.loads(nbformat.writes(nb))


def make_folder(page: Page, path: str) -> None:
    page.evaluate(
        """async (path) => {
            const contents = window.inkrider._handles.app.serviceManager.contents;
            const parts = path.split('/');
            const parent = parts.slice(0, -1).join('/');
            const made = await contents.newUntitled({ path: parent, type: 'directory' });
            await contents.rename(made.path, path);
        }""",
        path,
    )


def save(page: Page, path: str, content: Any, kind: str = "notebook") -> None:
    page.evaluate(
        """async ([path, content, kind]) => {
            const contents = window.inkrider._handles.app.serviceManager.contents;
            const format = kind === 'notebook' ? 'json' : 'text';
            await contents.save(path, { type: kind, format, content });
        }""",
        [path, content, kind],
    )


def stored(page: Page, path: str) -> dict[str, Any]:
    """The file's model as the contents store has it: its JSON and when it was last written."""
    return page.evaluate(
        """async (path) => {
            const contents = window.inkrider._handles.app.serviceManager.contents;
            const model = await contents.get(path, { content: true });
            return { text: JSON.stringify(model.content), last_modified: model.last_modified };
        }""",
        path,
    )


def written(page: Page, path: str) -> dict[str, Any]:
    """The notebook as written, checked against the nbformat schema."""
    nb = json.loads(stored(page, path)["text"])
    nbformat.validate(nbformat.from_dict(nb))
    return nb


def batch(page: Page) -> dict[str, Any]:
    return json.loads(page.evaluate("window.inkrider.execution_json()"))


def start(page: Page, paths: list[str], parallelism: int = 3) -> None:
    request = json.dumps({"paths": paths, "parallelism": parallelism})
    why = page.evaluate("(r) => window.inkrider.execution_start(r)", request)
    assert why == ""
    page.wait_for_function("window.inkrider.execution_json() !== 'null'")


def wait_for_end(page: Page, limit: float = 400.0, sample=lambda: None) -> dict[str, Any]:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        sample()
        state = batch(page)
        if state is not None and state["ended"]:
            return state
        page.wait_for_timeout(250)
    raise AssertionError(f"the batch did not end in {limit} s: {batch(page)}")


def texts(cell: dict[str, Any]) -> str:
    parts = []
    for output in cell["outputs"]:
        if output["output_type"] == "stream":
            parts.append("".join(output["text"]))
        elif output["output_type"] == "error":
            parts.append(f"{output['ename']}: {output['evalue']}")
        else:
            parts.append("".join(output["data"].get("text/plain", "")))
    return "".join(parts)


def open_tool(page: Page) -> Locator:
    page.evaluate("window.inkrider.app.commands.execute('inkrider:open-execution-tool')")
    tool = page.locator(TOOL)
    expect(tool).to_be_visible()
    return tool


def open_site(page: Page, site_url: str) -> None:
    page.goto(f"{site_url}lab/index.html")
    wait_for_controller(page)
    page.wait_for_function("window.inkrider._handles.app.serviceManager.contents !== undefined")


def new_folder(page: Page, prefix: str) -> str:
    """A folder of its own for one test's notebooks, named `prefix-<random>`."""
    root = f"{prefix}-{uuid.uuid4().hex[:6]}"
    make_folder(page, root)
    return root


def six_notebooks(page: Page) -> tuple[str, dict[str, str]]:
    root = new_folder(page, "exec")
    make_folder(page, f"{root}/pkgs")
    save(page, f"{root}/pkgs/requirements.txt", "attrs==25.3.0\n", "file")
    work = "sum(i * i for i in range(300_000))"
    notebooks = {
        "plain": code_notebook("x = 6", "print(x * 7)", "x * 2", markdown="# A title"),
        "fails": code_notebook(
            "a = 1", "print('before the error')", "raise ValueError('boom in cell 3')", "a + 1"
        ),
        "work-1": code_notebook(f"total = {work}", "print(total)"),
        "work-2": code_notebook(f"total = {work}", "import os; print(os.getcwd())"),
        "pkgs/with-attrs-1": code_notebook("import attrs", "print('attrs', attrs.__version__)"),
        "pkgs/with-attrs-2": code_notebook("import attrs; attrs.__version__"),
    }
    paths = {}
    for name, nb in notebooks.items():
        paths[name] = f"{root}/{name}.ipynb"
        save(page, paths[name], nb)
    return root, paths


def test_six_notebooks_through_the_panel_at_parallelism_three(page: Page, site_url: str) -> None:
    workers = WorkerCounter(page)
    open_site(page, site_url)
    root, paths = six_notebooks(page)
    before = {name: stored(page, path) for name, path in paths.items()}

    # Tools → Execution Tool…, the folder, Run: the defaults are parallelism 3, stop at the
    # first error, sessions not kept.
    page.locator(".lm-MenuBar-itemLabel", has_text="Tools").click()
    page.locator(".lm-Menu-itemLabel", has_text="Execution Tool…").click()
    tool = page.locator(TOOL)
    expect(tool).to_be_visible()
    expect(tool.get_by_label("Parallelism (1–3)")).to_have_value("3")
    expect(tool.get_by_label("Stop a notebook at its first error")).to_be_checked()
    expect(tool.get_by_label("Keep the sessions afterwards")).not_to_be_checked()
    expect(tool.locator("#inkrider-exec-folder option", has_text=root).first).to_be_attached()
    tool.get_by_label("A folder (its notebooks, recursively)").check()
    tool.get_by_label("Folder", exact=True).select_option(root)
    tool.get_by_role("button", name="Run", exact=True).click()
    # The folder is listed first, then the batch starts.
    page.wait_for_function("window.inkrider.execution_json() !== 'null'")

    sampled: list[int] = []
    in_progress: list[int] = []

    def sample() -> None:
        sampled.append(kernel_worker_count(page))
        runs = batch(page)["runs"]
        in_progress.append(sum(r["state"] in ("starting", "installing", "running") for r in runs))

    state = wait_for_end(page, sample=sample)
    runs = {run["path"]: run for run in state["runs"]}
    assert sorted(runs) == sorted(paths.values())
    assert max(sampled) <= 3 and workers.most <= 3, (max(sampled), workers.most)
    # Three notebooks had their sessions at once (their sessions start one after another).
    assert max(in_progress) == 3, in_progress

    failing = runs[paths["fails"]]
    assert failing["state"] == "failed"
    traceback = failing["error"].pop("traceback")
    assert failing["error"] == {
        "cell": 3,
        "ename": "ValueError",
        "evalue": "boom in cell 3",
        "text": "cell 3: ValueError: boom in cell 3",
    }
    assert "raise ValueError('boom in cell 3')" in traceback and "\x1b" not in traceback
    for name, path in paths.items():
        if name != "fails":
            assert runs[path]["state"] == "done", runs[path]
            assert runs[path]["written"]

    # The panel shows it all as text, and the summary at the end.
    expect(tool.locator(".inkrider-exec-overall-text")).to_have_text(
        "6 of 6 notebooks ended: 5 done, 1 failed"
    )
    failed_row = tool.locator(f"tr[data-path='{paths['fails']}']")
    expect(failed_row.locator(".inkrider-exec-state")).to_have_text("failed at cell 3")
    expect(failed_row.locator(".inkrider-exec-error")).to_have_text(
        "cell 3: ValueError: boom in cell 3"
    )
    expect(tool.locator(".inkrider-exec-summary")).to_contain_text(
        "6 notebooks: 5 done, 1 failed in"
    )

    # The files: outputs and counts as nbconvert --execute would write them, valid nbformat.
    plain = written(page, paths["plain"])
    assert plain["cells"][0]["cell_type"] == "markdown"
    assert [c["execution_count"] for c in plain["cells"][1:]] == [1, 2, 3]
    assert texts(plain["cells"][2]) == "42\n"
    assert plain["cells"][3]["outputs"][0]["output_type"] == "execute_result"
    assert texts(plain["cells"][3]) == "12"
    assert plain["metadata"]["language_info"]["name"] == "python"
    # The Python the kernel runs (pyodide-kernel's own reply says "3.8" whatever it runs).
    with urllib.request.urlopen(f"{site_url}static/pyodide/pyodide-lock.json") as response:
        lock = json.load(response)
    assert plain["metadata"]["language_info"]["version"] == lock["info"]["python"]
    fails = written(page, paths["fails"])
    assert [c["execution_count"] for c in fails["cells"]] == [1, 2, 3, 77]
    assert texts(fails["cells"][1]) == "before the error\n"
    assert fails["cells"][2]["outputs"][0]["evalue"] == "boom in cell 3"
    assert fails["cells"][2]["outputs"][0]["ename"] == "ValueError"
    original = json.loads(before["fails"]["text"])
    assert fails["cells"][3] == original["cells"][3]  # untouched after the failure
    assert texts(written(page, paths["work-1"])["cells"][1]) == "8999955000050000\n"
    assert texts(written(page, paths["work-2"])["cells"][1]) == f"/drive/{root}\n"
    # The folder's requirements.txt was installed before the cells ran.
    assert texts(written(page, paths["pkgs/with-attrs-1"])["cells"][1]) == "attrs 25.3.0\n"
    assert texts(written(page, paths["pkgs/with-attrs-2"])["cells"][0]) == "'25.3.0'"

    # Sessions not kept: all of the batch's are gone.
    assert not [s for s in sessions(page) if s["kernel_id"].startswith("batch-")]
    assert status(page)["bound"] == 0
    assert not page.page_errors  # type: ignore[attr-defined]

    # The sessions that booted during the batch restored the image the page held for it (all
    # but the warm worker the first one took, if it was ready), and the page let it go after.
    restored = [
        line
        for line in page.console_lines  # type: ignore[attr-defined]
        if "kernel restored from its image" in line
    ]
    assert sum("the image held by the page" in line for line in restored) >= 4, restored
    assert page.evaluate("window.inkrider._handles.kernelImageHeld()") is False


def test_cancel_mid_batch_leaves_files_as_they_were_and_frees_the_sessions(
    page: Page, site_url: str
) -> None:
    open_site(page, site_url)
    root = new_folder(page, "cancel")
    paths = [f"{root}/slow-{n}.ipynb" for n in range(1, 6)]
    for path in paths:
        save(page, path, code_notebook("print('started')", "import time; time.sleep(120)", "1"))
    before = {path: stored(page, path) for path in paths}
    start(page, paths)
    page.wait_for_function(
        "JSON.parse(window.inkrider.execution_json()).runs"
        ".filter(r => r.state === 'running' && r.cell === 2).length === 3",
        timeout=240_000,
    )
    # The panel is not open: a notification with a progress bar follows the batch.
    notice = page.locator(".Toastify__toast", has_text="Execution Tool: 0 of 5 notebooks done")
    expect(notice).to_be_visible()
    # Toastify draws a controlled progress bar for JupyterLab's `progress` option.
    expect(notice.locator(".Toastify__progress-bar--controlled")).to_have_count(1)
    # With the panel in view, the notification goes; its buttons cancel one, then all.
    tool = open_tool(page)
    page.wait_for_function(
        "(() => { const s = JSON.parse(window.inkrider.execution_json());"
        " return s.panel_visible && s.notice === null; })()"
    )
    expect(notice).to_have_count(0)
    running = [r["path"] for r in batch(page)["runs"] if r["state"] == "running"]
    tool.get_by_role("button", name=f"Cancel {running[0]}").click()
    page.wait_for_function(
        "(p) => JSON.parse(window.inkrider.execution_json()).runs"
        ".find(r => r.path === p).state === 'cancelled'",
        arg=running[0],
    )
    expect(tool.locator(f"tr[data-path='{running[0]}'] .inkrider-exec-state")).to_have_text(
        "cancelled"
    )
    expect(tool.get_by_role("button", name=f"Cancel {running[0]}")).to_be_hidden()
    tool.get_by_role("button", name="Cancel all").click()
    state = wait_for_end(page, limit=60)
    expect(tool.get_by_role("button", name="Cancel all")).to_be_hidden()
    assert [r["state"] for r in state["runs"]] == ["cancelled"] * 5
    for path in paths:
        assert stored(page, path) == before[path]  # not written at all: same JSON, same date
    page.wait_for_function("JSON.parse(window.inkrider.status_json()).bound === 0")
    assert not [s for s in sessions(page) if s["kernel_id"].startswith("batch-")]
    expect(tool.locator(".inkrider-exec-summary")).to_contain_text(
        "5 notebooks: 0 done, 5 cancelled"
    )
    # The panel in view shows the end: no toast over its buttons.
    ended = page.locator(".Toastify__toast", has_text="Execution Tool: 5 notebooks")
    page.wait_for_timeout(500)
    expect(ended).to_have_count(0)
    assert not page.page_errors  # type: ignore[attr-defined]


def test_a_batch_beside_an_interactive_session_uses_the_two_free_slots(
    page: Page, site_url: str
) -> None:
    workers = WorkerCounter(page)
    open_site(page, site_url)
    root = new_folder(page, "beside")
    save(page, f"{root}/mine.ipynb", code_notebook("1"))
    paths = [f"{root}/batch-{n}.ipynb" for n in range(1, 4)]
    for path in paths:
        save(page, path, code_notebook("import time; time.sleep(3)", "print('ok')"))
    open_notebook(page, site_url, f"{root}/mine.ipynb")
    assert run_in_new_cell(page, "secret = 41; secret").strip().endswith("41")

    start(page, paths)
    batch_bound: list[int] = []
    queued_seen: list[bool] = []

    def sample() -> None:
        live = [
            s
            for s in sessions(page)
            if s["kernel_id"].startswith("batch-") and s["state"] not in ("unbound", "waiting")
        ]
        batch_bound.append(len(live))
        state = batch(page)
        queued_seen.append(any(r["state"] == "queued" and r["cells"] == 0 for r in state["runs"]))

    state = wait_for_end(page, sample=sample)
    assert [r["state"] for r in state["runs"]] == ["done"] * 3
    assert max(batch_bound) == 2, batch_bound
    assert any(queued_seen)  # the third waited for a slot instead of failing
    assert workers.most <= 3
    # The interactive session kept its variables all along.
    assert run_in_new_cell(page, "secret + 1").strip().endswith("42")
    assert not page.page_errors  # type: ignore[attr-defined]


def open_model(page: Page, path: str) -> dict[str, Any]:
    """The open editor's view of a notebook: unsaved or not, and its cells' text and outputs."""
    return page.evaluate(
        """(path) => {
            for (const widget of window.inkrider.app.shell.widgets('main')) {
                const context = widget.context;
                if (!context || context.path !== path) continue;
                const cells = context.model.toJSON().cells;
                return { dirty: context.model.dirty, cells };
            }
            return null;
        }""",
        path,
    )


def test_open_notebooks_a_clean_one_gets_its_outputs_one_with_unsaved_edits_is_skipped(
    page: Page, site_url: str
) -> None:
    open_site(page, site_url)
    root = new_folder(page, "open")
    clean, edited = f"{root}/clean.ipynb", f"{root}/edited.ipynb"
    bare = f"{root}/bare.ipynb"
    for path in (clean, edited, bare):
        save(page, path, code_notebook("print('ran in the batch')"))
    # A notebook saved without language_info: JupyterLab fills it in as the kernel answers
    # and marks the notebook changed, though nobody edited it: the batch runs it all the same.
    without = code_notebook("print('ran in the batch')")
    del without["metadata"]["language_info"]
    save(page, bare, without)
    open_notebook(page, site_url, clean)
    for path in (bare, edited):
        page.evaluate(
            "(path) => window.inkrider.app.commands.execute('docmanager:open', { path })", path
        )
    page.wait_for_function(DIRTY, arg=bare)
    cell = page.locator(".jp-NotebookPanel:visible .jp-Cell").first
    cell.locator(".cm-content").click()
    page.keyboard.press("End")
    page.keyboard.insert_text("  # an unsaved edit")
    page.wait_for_function(DIRTY, arg=edited)
    before = stored(page, edited)

    # The Session Explorer opens the tool too.
    page.evaluate("window.inkrider.app.commands.execute('inkrider:open-session-explorer')")
    page.locator("#inkrider-session-explorer").get_by_role("button", name="Execution Tool…").click()
    expect(page.locator(TOOL)).to_be_visible()

    # The file browser's context menu, on the two notebooks selected.
    listing = page.locator(".jp-DirListing-content")
    listing.locator(".jp-DirListing-item", has_text="bare.ipynb").click()
    listing.locator(".jp-DirListing-item", has_text="clean.ipynb").click(modifiers=["Control"])
    listing.locator(".jp-DirListing-item", has_text="edited.ipynb").click(modifiers=["Control"])
    listing.locator(".jp-DirListing-item", has_text="edited.ipynb").click(button="right")
    page.locator(".lm-Menu-itemLabel", has_text="Run with Execution Tool").click()
    tool = page.locator(TOOL)
    expect(tool).to_be_visible()
    chosen = tool.locator("#inkrider-exec-notebooks option:checked")
    expect(chosen).to_have_text([bare, clean, edited])
    tool.get_by_role("button", name="Run", exact=True).click()

    state = wait_for_end(page)
    runs = {run["path"]: run for run in state["runs"]}
    assert runs[clean]["state"] == "done", runs[clean]
    assert runs[bare]["state"] == "done", runs[bare]
    assert runs[edited]["state"] == "skipped"
    assert "unsaved edits" in runs[edited]["reason"]
    expect(tool.locator(f"tr[data-path='{edited}'] .inkrider-exec-error")).to_contain_text(
        "unsaved edits"
    )
    # The clean editor shows the outputs as written; the edited one keeps its edit unsaved.
    shown = open_model(page, clean)
    assert not shown["dirty"]
    assert shown["cells"][0]["execution_count"] == 1
    assert texts(shown["cells"][0]) == "ran in the batch\n"
    filled = open_model(page, bare)
    assert not filled["dirty"]
    assert texts(filled["cells"][0]) == "ran in the batch\n"
    assert written(page, bare)["metadata"]["language_info"]["name"] == "python"
    kept = open_model(page, edited)
    assert kept["dirty"]
    assert "# an unsaved edit" in "".join(kept["cells"][0]["source"])
    assert stored(page, edited) == before
    assert not page.page_errors  # type: ignore[attr-defined]


def start_batch(page: Page, paths: list[str], **options: Any) -> None:
    """A batch through the page's own entry point (the one the headless runner uses)."""
    request = json.dumps({"paths": paths, **options})
    assert page.evaluate("(r) => window.inkrider.execution_start(r)", request) == ""


def test_a_kept_session_goes_on_in_its_notebook_with_the_batch_run_variables(
    page: Page, site_url: str
) -> None:
    open_site(page, site_url)
    root = new_folder(page, "kept")
    kept, other = f"{root}/kept.ipynb", f"{root}/other.ipynb"
    save(page, kept, code_notebook("answer = 41", "print(answer)"))
    save(page, other, code_notebook("print('other')"))
    start_batch(page, [kept, other], keep_sessions=True, parallelism=2)
    state = wait_for_end(page)
    assert [run["state"] for run in state["runs"]] == ["done", "done"]
    # Both sessions stay open, listed as the batch's, and hold their slots.
    listed = [s for s in sessions(page) if s["kernel_id"].startswith("batch-")]
    assert sorted(s["path"] for s in listed) == [kept, other], listed
    assert status(page)["bound"] == 2

    # Opening the notebook and running a cell goes on in that session: its variables, its
    # execution count, its worker.
    batch_worker = next(s["worker"] for s in listed if s["path"] == kept)
    back_to_notebook(page, kept)
    assert run_in_new_cell(page, "print(answer + 1)").strip() == "42"
    ran = page.locator(".jp-NotebookPanel:visible .jp-CodeCell", has_text="print(answer + 1)")
    expect(ran.locator(".jp-InputPrompt")).to_have_text("[3]:")
    mine = [s for s in sessions(page) if s["path"] == kept]
    assert [s["worker"] for s in mine] == [batch_worker], mine
    listed = [s for s in sessions(page) if s["kernel_id"].startswith("batch-")]
    assert [s["path"] for s in listed] == [other]
    assert status(page)["bound"] == 2

    # The other one is closed from the Session Explorer: its slot is free again.
    page.evaluate("window.inkrider.app.commands.execute('inkrider:open-session-explorer')")
    explorer = page.locator("#inkrider-session-explorer")
    explorer.get_by_role("button", name=f"Close the session of {other}").click()
    page.wait_for_function("JSON.parse(window.inkrider.status_json()).bound === 1")
    assert not [s for s in sessions(page) if s["kernel_id"].startswith("batch-")]
    assert not page.page_errors  # type: ignore[attr-defined]


def test_a_batch_on_the_remote_runtime_runs_on_the_server(
    page: Page, site_url: str, jupyter_server: JupyterServer
) -> None:
    open_site(page, site_url)
    choose_remote(page, jupyter_server.base_url, jupyter_server.token)
    root = new_folder(page, "remote")
    paths = [f"{root}/r{n}.ipynb" for n in (1, 2)]
    for number, path in enumerate(paths, 1):
        save(page, path, code_notebook(f"import sys; n = {number}", "print(sys.platform, n)"))
    save(page, f"{root}/fails.ipynb", code_notebook("1 / 0", "print('never')"))
    on_server = set(jupyter_server.kernel_ids())

    tool = open_tool(page)
    tool.get_by_label("A folder (its notebooks, recursively)").check()
    tool.get_by_label("Folder", exact=True).select_option(root)
    tool.get_by_label("Runtime").select_option("remote")
    tool.get_by_label("Keep the sessions afterwards").check()
    tool.get_by_role("button", name="Run", exact=True).click()
    page.wait_for_function("window.inkrider.execution_json() !== 'null'")
    state = wait_for_end(page)
    runs = {run["path"]: run for run in state["runs"]}
    assert runs[f"{root}/fails.ipynb"]["state"] == "failed"
    assert runs[f"{root}/fails.ipynb"]["error"]["text"] == (
        "cell 1: ZeroDivisionError: division by zero"
    )
    for number, path in enumerate(paths, 1):
        assert runs[path]["state"] == "done", runs[path]
        # A CPython kernel of the server ran it, not Pyodide.
        assert texts(written(page, path)["cells"][1]) == f"linux {number}\n"

    # Kept, the failed one too (its session is where to look into the failure): each keeps
    # its kernel on the server.
    kept = set(jupyter_server.kernel_ids()) - on_server
    listed = [s for s in sessions(page) if s["kernel_id"].startswith("batch-")]
    assert sorted(s["path"] for s in listed) == sorted([*paths, f"{root}/fails.ipynb"])
    assert {s["worker"] for s in listed} == kept and len(kept) == 3
    # No local worker was used for the batch.
    assert status(page)["bound"] == 0

    # Closing them shuts the kernels down on the server.
    page.evaluate("window.inkrider.close_all_sessions()")
    assert jupyter_server.kernels_gone(kept)
    token = jupyter_server.token
    assert not [line for line in page.console_lines if token in line]  # type: ignore[attr-defined]
    assert not page.page_errors  # type: ignore[attr-defined]


def test_in_jupyter_notebook_the_tool_opens_where_there_is_room_and_runs(
    page: Page, site_url: str
) -> None:
    """Jupyter Notebook's main area holds one widget and ignores any other: the tool (and the
    runtime form) open as a tab of its file browser page and in the notebook page's side bar."""
    page.goto(f"{site_url}tree/index.html")
    wait_for_controller(page)
    page.wait_for_function("window.inkrider._handles.app.serviceManager.contents !== undefined")
    root = new_folder(page, "tree")
    paths = [f"{root}/t{n}.ipynb" for n in (1, 2)]
    for path in paths:
        save(page, path, code_notebook("print('ran from the Notebook app')"))
    page.reload()
    wait_for_controller(page)

    # The file browser's context menu on the folder.
    folder = page.locator(".jp-DirListing-item", has_text=root)
    folder.click()
    folder.click(button="right")
    page.locator(".lm-Menu-itemLabel", has_text="Run with Execution Tool").click()
    tool = page.locator(TOOL)
    expect(tool).to_be_visible()
    expect(page.locator(".lm-TabBar-tab", has_text="Execution Tool")).to_be_visible()
    expect(tool.get_by_label("A folder (its notebooks, recursively)")).to_be_checked()
    expect(tool.get_by_label("Folder", exact=True)).to_have_value(root)
    tool.get_by_role("button", name="Run", exact=True).click()
    page.wait_for_function("window.inkrider.execution_json() !== 'null'")
    state = wait_for_end(page)
    assert [run["state"] for run in state["runs"]] == ["done", "done"]
    for path in paths:
        assert texts(written(page, path)["cells"][0]) == "ran from the Notebook app\n"

    # Settings → Runtime… opens too.
    page.locator(".lm-MenuBar-itemLabel", has_text="Settings").click()
    page.locator(".lm-Menu-itemLabel", has_text="Runtime…").click()
    expect(page.locator("#inkrider-runtime-form")).to_be_visible()

    # The notebook page: the tool in the side bar, beside the notebook.
    open_notebook(page, site_url, paths[0], app="notebooks")
    page.locator(".lm-MenuBar-itemLabel", has_text="Tools").click()
    page.locator(".lm-Menu-itemLabel", has_text="Execution Tool…").click()
    expect(page.locator(TOOL)).to_be_visible()
    expect(page.locator(".jp-Notebook")).to_be_visible()
    assert not page.page_errors  # type: ignore[attr-defined]


def upload(page: Page, folder: str, name: str, text: str) -> None:
    """Through the file browser's own upload, as its Upload button does (it stores base64)."""
    page.evaluate(
        """async ([folder, name, text]) => {
          const browser = window.inkrider._handles.fileBrowser;
          await browser.model.cd('/' + folder);
          await browser.model.upload(new File([text], name));
        }""",
        [folder, name, text],
    )


def test_uploaded_notebooks_and_requirements_run(page: Page, site_url: str) -> None:
    # Uploaded files are stored as base64: the batch skipped such notebooks as "not a notebook"
    # and read such a requirements.txt as one line of base64.
    open_site(page, site_url)
    root = new_folder(page, "upload")
    notebook = code_notebook("import attrs", "print('attrs', attrs.__version__)")
    upload(page, root, "up.ipynb", json.dumps(notebook))
    upload(page, root, "requirements.txt", "attrs==25.3.0\n")
    assert stored_format(page, f"{root}/up.ipynb") == "base64"  # what makes this test matter
    start_batch(page, [f"{root}/up.ipynb"])
    (row,) = wait_for_end(page)["runs"]
    assert row["state"] == "done", row
    assert texts(written(page, f"{root}/up.ipynb")["cells"][1]) == "attrs 25.3.0\n"


def stored_format(page: Page, path: str) -> str:
    return page.evaluate(
        "async (p) => (await window.inkrider._handles.app.serviceManager.contents.get(p,"
        " {content: true})).format",
        path,
    )


def test_requirements_lines_not_installed_show_in_the_row_and_the_first_cell(
    page: Page, site_url: str
) -> None:
    # They showed only in a toast that goes away: the row said "done" and the file said nothing.
    open_site(page, site_url)
    root = new_folder(page, "reqs")
    save(page, f"{root}/requirements.txt", "attrs==25.3.0\nnosuchpkg-xyz==1.0\n", "file")
    save(page, f"{root}/nb.ipynb", code_notebook("import attrs", "print('ran')"))
    start_batch(page, [f"{root}/nb.ipynb"])
    (row,) = wait_for_end(page)["runs"]
    assert row["state"] == "done", row
    assert row["notes"].startswith(f"{root}/requirements.txt: 1 line"), row
    first = written(page, f"{root}/nb.ipynb")["cells"][0]
    assert first["outputs"][0]["name"] == "stderr"
    assert "nosuchpkg-xyz==1.0" in "".join(first["outputs"][0]["text"])


def test_coming_back_to_the_tool_lists_what_was_made_meanwhile(page: Page, site_url: str) -> None:
    open_notebook(page, site_url, "examples/hello.ipynb")
    tool = open_tool(page)
    page.evaluate(
        "window.inkrider.app.shell.activateById(window.inkrider.app.shell.widgets"
        "('main').next().value.id)"
    )
    expect(tool).to_be_hidden()
    root = new_folder(page, "later")
    save(page, f"{root}/made-later.ipynb", code_notebook("1"))
    page.evaluate("window.inkrider.app.shell.activateById('inkrider-execution-tool')")
    expect(tool.locator(f"#inkrider-exec-folder option[value='{root}']")).to_have_count(1)
    notebooks = tool.locator("#inkrider-exec-notebooks")
    expect(notebooks.locator(f"option[value='{root}/made-later.ipynb']")).to_have_count(1)


def test_a_time_limit_from_the_form_interrupts_the_cell_and_writes_what_ran(
    page: Page, site_url: str
) -> None:
    open_site(page, site_url)
    root = new_folder(page, "limit")
    path = f"{root}/sleeper.ipynb"
    original = code_notebook("print('started')", "import time; time.sleep(120)", "1")
    save(page, path, original)
    tool = open_tool(page)
    limit = tool.get_by_label("Time limit per notebook, in seconds (empty: none)")
    expect(limit).to_have_value("")  # none by default
    expect(tool.locator(f"#inkrider-exec-notebooks option[value='{path}']")).to_have_count(1)
    tool.locator("#inkrider-exec-by-notebooks").check()
    tool.locator("#inkrider-exec-notebooks").select_option([path])
    run = tool.get_by_role("button", name="Run", exact=True)
    limit.fill("0")
    run.click()
    expect(tool.locator(".inkrider-exec-message")).to_have_text(
        "The time limit must be a number of seconds above 0, or empty for none."
    )
    assert batch(page) is None  # nothing started

    limit.fill("3")
    run.click()
    page.wait_for_function("window.inkrider.execution_json() !== 'null'")
    state = wait_for_end(page, limit=120)
    (result,) = state["runs"]
    assert state["options"]["timeout"] == 3.0
    assert result["state"] == "failed" and result["timed_out"]["cell"] == 2, result
    assert result["error"]["ename"] == "TimeoutError"
    assert "time.sleep(120)" in result["timed_out"]["traceback"]
    row = tool.locator(f"tr[data-path='{path}']")
    expect(row.locator(".inkrider-exec-state")).to_have_text("timed out at cell 2")
    expect(row.locator(".inkrider-exec-error")).to_contain_text(
        "its cells ran past the time limit of 3 s"
    )
    # Written as a failure is: the outputs up to the interrupt, the cell after it untouched.
    cells = written(page, path)["cells"]
    assert texts(cells[0]) == "started\n"
    assert cells[1]["execution_count"] == 2 and "KeyboardInterrupt" in texts(cells[1])
    assert cells[2] == original["cells"][2]
