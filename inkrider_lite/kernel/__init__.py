"""InkRider inside a local Pyodide kernel: installing a folder's requirements at session start.

The controller parses the files (it reads them from the site's contents) and sends the install
items here; this side only runs micropip and says what happened, item by item, as JSON lines on
stdout that the controller turns into progress. It stays small, like pyodide-kernel's own
Python side.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from ..requirements.diagnose import NOT_FOUND, reason_for, unreachable_indexes

#: What every local worker imports as it starts (the controller's worker setup code). The
#: kernel image is made with them imported, so that a worker starting in a notebook's folder
#: does not look for each of them through /drive.
WORKER_MODULES = (
    "inkrider_lite.kernel",
    "inkrider_lite.kernel.interrupts",
    "inkrider_lite.kernel.drive_stats",
    "inkrider_lite.kernel.output_flow",
    "inkrider_lite.kernel.quiet_runs",
    "inkrider_lite.kernel.pip_errors",
)

#: Marks the progress lines the controller reads; nothing else in a session prints it.
EVENT_PREFIX = "\x1einkrider-event "

_summary: dict[str, Any] = {"file": None, "installed": [], "problems": [], "seconds": 0.0}


def session_requirements() -> dict[str, Any]:
    """What this session installed from its folder's requirements.txt, and what failed."""
    return json.loads(json.dumps(_summary))


def set_summary(summary_json: str) -> None:
    """The controller's final word (it knows more reasons, from the site build's report)."""
    _summary.update(json.loads(summary_json))


def _emit(event: str, **data: Any) -> None:
    print(EVENT_PREFIX + json.dumps({"event": event, **data}), flush=True)


async def install(plan_json: str) -> dict[str, Any]:
    """Install the items of a plan made by the controller; report each line that fails."""
    import micropip  # only in the browser

    plan = json.loads(plan_json)
    items: list[dict[str, Any]] = plan["items"]
    problems: list[dict[str, Any]] = list(plan.get("problems", []))
    started = time.monotonic()
    before = {name: pkg.version for name, pkg in micropip.list().items()}
    _emit("start", file=plan["file"], count=len(items))
    options: dict[str, Any] = {
        "pre": plan.get("pre", False),
        "deps": plan.get("deps", True),
        "index_urls": plan["index_urls"],
    }
    if plan.get("constraints"):
        options["constraints"] = plan["constraints"]
    targets = [item["target"] for item in items]
    try:
        # All at once first: one resolution, downloads in parallel.
        if targets:
            await micropip.install(targets, **options)
        failed: list[dict[str, Any]] = []
    except Exception:
        # Something failed: find which lines, installing what can be installed.
        failed = []
        down: list[dict[str, Any]] | None = None  # the file's indexes that do not answer
        for done, item in enumerate(items, 1):
            try:
                await micropip.install(item["target"], **options)
            except Exception as error:
                reason = reason_for(error)
                if reason == NOT_FOUND and plan.get("index_sources"):
                    if down is None:
                        down = [i for i in plan["index_sources"] if not await _answers(i["url"])]
                    if down:
                        reason = unreachable_indexes(down)
                failed.append({**item["where"], "reason": reason})
            _emit("progress", done=done, count=len(items))
    problems.extend(failed)
    after = {name: pkg.version for name, pkg in micropip.list().items()}
    installed = sorted(
        ({"name": n, "version": v} for n, v in after.items() if before.get(n) != v),
        key=lambda p: p["name"],
    )
    _summary.update(
        file=plan["file"],
        installed=installed,
        problems=problems,
        seconds=round(time.monotonic() - started, 2),
    )
    _emit("done", **_summary)
    return session_requirements()


async def _answers(url: str) -> bool:
    """Whether an index answers this page at all (any HTTP status will do)."""
    from pyodide.http import pyfetch  # only in the browser

    try:
        await pyfetch(url.rstrip("/") + "/", method="GET")
    except Exception:
        return False
    return True


def uninstall(names_json: str) -> None:
    """Take back an install made before the session bound (its folder turned out otherwise).
    Nothing of it was imported. micropip removes the files its RECORD lists; folders made after
    the install (caches of compiled files) would stay and import as empty namespace packages,
    so the top-level folders that no remaining distribution uses go too."""
    import importlib
    import importlib.metadata
    import shutil

    import micropip  # only in the browser

    names = json.loads(names_json)
    if names:
        leaving = _top_level_folders(names)
        micropip.uninstall(names)
        staying = _top_level_folders(
            [d.metadata["Name"] for d in importlib.metadata.distributions()]
        )
        for folder in leaving - staying:
            shutil.rmtree(folder, ignore_errors=True)
    importlib.invalidate_caches()
    _summary.update(file=None, installed=[], problems=[], seconds=0.0)


def _top_level_folders(names: list[str]) -> set[Any]:
    """The folders directly in site-packages that the distributions' RECORDs put files in."""
    return {
        distribution.locate_file(file.parts[0])
        for distribution, file in _record_files(names)
        if len(file.parts) > 1 and not file.parts[0].endswith(".dist-info")
    }


def precompile(names_json: str) -> int:
    """Compile the installed distributions' modules to bytecode caches now, while nothing runs:
    the first import then skips compiling. Compiling executes nothing. Returns the file count."""
    import py_compile

    compiled = 0
    for _distribution, file in _record_files(json.loads(names_json)):
        if file.suffix == ".py":
            try:
                py_compile.compile(str(file.locate()), doraise=True)
                compiled += 1
            except (py_compile.PyCompileError, OSError):
                continue  # the import compiles it, and reports what is wrong with it
    return compiled


def _record_files(names: list[str]) -> Iterator[tuple[Any, Any]]:
    """(distribution, file) for each file inside site-packages that the RECORDs of the installed
    distributions among `names` list; scripts outside it ("../../bin/...") are left out."""
    import importlib.metadata

    for name in names:
        try:
            distribution = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        for file in distribution.files or ():
            if ".." not in file.parts:
                yield distribution, file
