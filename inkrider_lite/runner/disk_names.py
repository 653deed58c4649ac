"""What a run in the page says, told as the runner's user sees it: its notebook's folder
named as on disk (the page held it in `inkrider-run-…/`), and the advice for a package not
found fitted to the runner (the page's points to its settings, which a CI user has not).

Used for what the runner prints, for the note it writes into a notebook's first cell, and for
the errors of `%pip install` that InkRider's kernel code raises.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..kernel.pip_errors import NOT_IN_SITE_ADVICE
from ..requirements.summary_text import NATIVE_ADVICE, NOT_FOUND_ADVICE
from .inputs import Notebook

#: The runner's next step for a requirement no index had.
RUNNER_NOT_FOUND_ADVICE = (
    "A package not found: check its spelling. inkrider-lite run installs what the site's "
    "index holds and, for what it lacks, pure-Python wheels that it fetches from PyPI on this "
    "machine (cached under build/cache/wheels); a package without such a wheel, or a machine "
    "without access to PyPI, cannot have it."
)

#: The runner's next step for `%pip install` of a package the site's index lacks.
RUNNER_NOT_IN_SITE_ADVICE = (
    "Check the spelling. Under inkrider-lite run, %pip install looks only at the site's index: "
    "list the package in the notebook folder's requirements.txt instead, and the runner fetches "
    "a pure-Python wheel for it from PyPI on this machine (cached under build/cache/wheels)."
)
#: The runner's next step for a requirement that needs native code (no Settings to turn to).
RUNNER_NATIVE_ADVICE = (
    "A package that needs native code and has no Pyodide build cannot run in the browser, so "
    "not under inkrider-lite run either: use a pure-Python alternative."
)
#: The page's advice, and the runner's in its place.
_ADVICE = (
    (NOT_FOUND_ADVICE, RUNNER_NOT_FOUND_ADVICE),
    (NOT_IN_SITE_ADVICE, RUNNER_NOT_IN_SITE_ADVICE),
    (NATIVE_ADVICE, RUNNER_NATIVE_ADVICE),
)


def on_disk(run: Mapping[str, Any], notebook: Notebook) -> dict[str, Any]:
    """`run` as the page reported it, with its notebook's name on disk, and its notes and
    reason told as on disk."""
    named = {**run, "name": notebook.output_name}
    for key in ("notes", "reason"):
        if named.get(key):
            named[key] = told_on_disk(str(named[key]), notebook)
    if named.get("error"):
        named["error"] = {
            key: with_runner_advice(value) if isinstance(value, str) else value
            for key, value in named["error"].items()
        }
    return named


def told_on_disk(text: str, notebook: Notebook) -> str:
    page_folder = posixpath.dirname(notebook.site_path) + "/"
    return with_runner_advice(text.replace(page_folder, _shown(notebook.source.parent)))


def with_runner_advice(text: str) -> str:
    for page, runner in _ADVICE:
        text = text.replace(page, runner)
    return text


def with_errors_told(written: dict[str, Any]) -> dict[str, Any]:
    """The written notebook with the runner's advice in the errors InkRider's own kernel code
    raised (`%pip install` of a package the site lacks): only those exact sentences change."""
    for cell in written.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs") or []:
            if output.get("output_type") != "error":
                continue
            output["evalue"] = with_runner_advice(str(output.get("evalue", "")))
            output["traceback"] = [with_runner_advice(str(t)) for t in output.get("traceback", [])]
    return written


def with_note_on_disk(
    written: dict[str, Any], page_note: str, notebook: Notebook
) -> dict[str, Any]:
    """The written notebook with the note the run put into its first code cell (its session's
    notes, as stderr) told on disk; the notebook's own outputs are left as they are."""
    if not page_note:
        return written
    first = next((c for c in written.get("cells", []) if c.get("cell_type") == "code"), None)
    outputs = [] if first is None else first.get("outputs") or []
    if not outputs:
        return written
    note = outputs[0]
    if note.get("output_type") != "stream" or note.get("name") != "stderr":
        return written
    text = note.get("text")
    joined = "".join(text) if isinstance(text, list) else str(text or "")
    # The cell's own stderr, if it printed any, is joined to the note in one output.
    prefix = page_note if page_note.endswith("\n") else page_note + "\n"
    if not joined.startswith(prefix):
        return written
    told = told_on_disk(prefix, notebook) + joined[len(prefix) :]
    note["text"] = told.splitlines(keepends=True) if isinstance(text, list) else told
    return written


def _shown(folder: Path) -> str:
    """A folder as the user would write it from here: relative when under the current one."""
    try:
        relative = folder.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return f"{folder.resolve()}/"
    return "" if str(relative) == "." else f"{relative.as_posix()}/"
