"""`inkrider-lite run NOTEBOOK_OR_FOLDER...` (also `python -m inkrider_lite run`).

Exit status: 0 when every notebook ran without an error, 1 when any failed (or timed out), 2 for
a usage error (no such file, not a notebook, an invalid notebook, a bad option), each with a
one-line message; 130 when interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, TextIO

from ..execution.batch import MAX_PARALLELISM
from ..execution.notebook_file import dumps
from ..execution.states import TIMEOUT_NAME
from . import extra_wheels
from .disk_names import on_disk, with_errors_told, with_note_on_disk
from .inputs import Notebook, UsageError, check_targets, find_notebooks, site_layout
from .junit import junit_xml

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SITE = ROOT / "build" / "site"
DEFAULT_OUTPUT = Path("executed")
#: Where wheels fetched from PyPI for notebooks' requirements are kept, as the site build does.
WHEEL_CACHE = ROOT / "build" / "cache" / "wheels"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def parser() -> argparse.ArgumentParser:
    top = _Parser(prog="inkrider-lite")
    sub = top.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = sub.add_parser(
        "run",
        help="run notebooks in the site's browser runtime, headless, as the Execution Tool does",
    )
    run.add_argument("paths", nargs="+", metavar="NOTEBOOK_OR_FOLDER")
    run.add_argument("--parallel", type=int, default=MAX_PARALLELISM, metavar="N")
    run.add_argument("--junit", type=Path, metavar="FILE", help="write a JUnit XML report")
    where = run.add_mutually_exclusive_group()
    where.add_argument(
        "--output-dir",
        type=Path,
        metavar="DIR",
        help=f"write the executed notebooks there (default: ./{DEFAULT_OUTPUT})",
    )
    where.add_argument("--inplace", action="store_true", help="write them over the originals")
    run.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="per notebook, from its first cell (its session's start not counted); past it the"
        " running cell is interrupted and the notebook fails, written with its outputs so far",
    )
    run.add_argument(
        "--stop-on-error",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="stop a notebook at its first error (default: yes)",
    )
    run.add_argument("--site", type=Path, default=DEFAULT_SITE, help=argparse.SUPPRESS)
    return top


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    try:
        args = parser().parse_args(argv)
        if not 1 <= args.parallel <= MAX_PARALLELISM:
            raise UsageError(f"--parallel must be 1 to {MAX_PARALLELISM}, not {args.parallel}")
        if args.timeout is not None and not 0 < args.timeout < math.inf:
            raise UsageError(
                "--timeout must be a positive number of seconds (leave it out for no limit)"
            )
        if not (args.site / "jupyter-lite.json").exists():
            raise UsageError(f"no built site at {args.site}: run scripts/serve or scripts/test")
        output_dir = None if args.inplace else (args.output_dir or DEFAULT_OUTPUT)
        notebooks = find_notebooks(args.paths, output_dir)
        if output_dir is not None:
            check_targets(notebooks, output_dir)
    except UsageError as error:
        print(f"inkrider-lite: error: {error}", file=sys.stderr)
        return 2
    try:
        return run(args, notebooks, out)
    except KeyboardInterrupt:
        # The page and its browser are closed on the way out; files are written only once
        # the whole batch has ended, so none was.
        print("\ninkrider-lite: interrupted; no notebook was written", file=sys.stderr)
        return 130


def run(args: argparse.Namespace, sources: list[Path], out: TextIO) -> int:
    from .page import Page, run_root

    started = time.monotonic()
    notebooks, files = site_layout(sources, run_root())
    by_site = {nb.site_path: nb for nb in notebooks}
    progress = _Progress(out, by_site)
    with tempfile.TemporaryDirectory(prefix="inkrider-run-") as overlay:
        extra = _extra_wheels(args.site, [nb.source.parent for nb in notebooks], Path(overlay))
        with Page(args.site, extra) as page:
            state = _run_in_page(page, args, notebooks, files, progress)
    runs = [on_disk(run, by_site[run["path"]]) for run in state["runs"]]
    progress.finish(runs, state.get("seconds"))
    if args.junit is not None:
        args.junit.parent.mkdir(parents=True, exist_ok=True)
        seconds = time.monotonic() - started
        args.junit.write_text(junit_xml(runs, seconds, "inkrider-lite run"), encoding="utf-8")
    return 0 if all(run["state"] == "done" for run in runs) else 1


def _run_in_page(
    page: Any,
    args: argparse.Namespace,
    notebooks: list[Notebook],
    files: dict[str, Path],
    progress: _Progress,
) -> dict[str, Any]:
    """The batch in the page, and the executed notebooks written where the options say."""
    page.copy_in(files)
    state = page.run(
        [nb.site_path for nb in notebooks],
        {
            "parallelism": args.parallel,
            "stop_on_error": args.stop_on_error,
            "keep_sessions": False,
            "timeout": args.timeout,
        },
        progress.show,
    )
    by_site = {nb.site_path: nb for nb in notebooks}
    output_dir = None if args.inplace else (args.output_dir or DEFAULT_OUTPUT)
    for run in state["runs"]:
        if not run["written"]:
            continue
        notebook = by_site[run["path"]]
        target = notebook.source if output_dir is None else output_dir / notebook.output_name
        target.parent.mkdir(parents=True, exist_ok=True)
        written = with_errors_told(
            with_note_on_disk(page.read_notebook(run["path"]), run["notes"], notebook)
        )
        target.write_text(dumps(written), encoding="utf-8")
    return state


def _extra_wheels(site: Path, folders: list[Path], overlay: Path) -> Path | None:
    """The folders' requirements that the site's index lacks, fetched from PyPI and laid over
    the site's index for this run (None when there are none). What cannot be had is said on
    stderr; the session will report those lines too, as in the page."""
    wheels, report = extra_wheels.fetch(folders, WHEEL_CACHE)
    for line in report:
        if "without a usable wheel" in line or line.startswith("  "):
            print(line, file=sys.stderr)
    if not wheels:
        return None
    added = extra_wheels.overlay_index(site, wheels, overlay)
    if not added:
        return None
    names = ", ".join(f"{w.name} {w.version}" for w in added)
    print(f"requirements: from PyPI for this run: {names}", file=sys.stderr)
    return overlay


class _Progress:
    """A bar redrawn in place on a terminal; plain lines (one per notebook's end) in CI logs."""

    def __init__(self, out: TextIO, notebooks: dict[str, Notebook]) -> None:
        self._out = out
        self._tty = out.isatty()
        self._notebooks = notebooks  # by site path
        self._total = len(notebooks)
        self._told: set[str] = set()

    def show(self, state: dict[str, Any]) -> None:
        for run in state["runs"]:
            if run["state"] in ("done", "failed", "cancelled", "skipped") and run["path"] not in (
                self._told
            ):
                self._told.add(run["path"])
                if not self._tty:
                    named = on_disk(run, self._notebooks[run["path"]])
                    print(f"[{len(self._told)}/{self._total}] {_line(named)}", file=self._out)
        if self._tty:
            width = 30
            filled = int(width * state["finished"] / max(state["total"], 1))
            bar = "#" * filled + "-" * (width - filled)
            busy = [r["state_text"] for r in state["runs"] if r["state"] in ("running",)]
            print(
                f"\r[{bar}] {state['progress']} {' · '.join(busy)[:60]:<60}", end="", file=self._out
            )
            self._out.flush()

    def finish(self, runs: list[dict[str, Any]], seconds: float | None) -> None:
        """Each notebook (on a terminal), each failure's traceback, the batch's own time as
        the page measured it, and last the count that passed."""
        if self._tty:
            print(file=self._out)
            for run in runs:
                print(_line(run), file=self._out)
        for run in runs:
            error = run.get("error") or {}
            if run["state"] == "failed" and error.get("traceback"):
                print(f"\n__ {run['name']}, cell {error['cell']} __", file=self._out)
                print(error["traceback"], file=self._out)
            timed_out = run.get("timed_out") or {}
            if timed_out.get("traceback") and error.get("ename") != TIMEOUT_NAME:
                # An earlier error was the first (--no-stop-on-error): where the time ran out.
                print(f"\n__ {run['name']}, cell {timed_out['cell']}, timed out __", file=self._out)
                print(timed_out["traceback"], file=self._out)
            if run.get("notes"):
                print(f"\n__ {run['name']}, its session's start __", file=self._out)
                print(run["notes"], file=self._out)
        if seconds is not None:
            print(f"the batch took {seconds:.1f} s in the page", file=self._out)
        passed = sum(run["state"] == "done" for run in runs)
        print(f"{passed} of {len(runs)} notebooks passed", file=self._out)


def _line(run: dict[str, Any]) -> str:
    seconds = run.get("seconds")
    state = "timed out" if run.get("timed_out") else str(run["state"])
    parts = [state, str(run.get("name") or run["path"])]
    if seconds is not None:
        parts.append(f"({seconds:.1f} s)")
    timed_out = run.get("timed_out")
    if timed_out:
        parts.append(
            f"its cells ran past --timeout {timed_out['seconds']} s, in cell {timed_out['cell']}"
        )
    elif run.get("error"):
        parts.append(run["error"]["text"])
    elif run.get("reason"):
        parts.append(run["reason"])
    elif run.get("notes"):
        parts.append(f"({run['notes'].splitlines()[0].rstrip(':')}: below)")
    return " ".join(parts)
