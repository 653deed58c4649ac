"""Installing a notebook folder's requirements.txt when its local session starts.

The controller reads the file (and its -r includes) from the site's contents, so it works with
or without the service worker's /drive, parses it, and has the kernel side install the plan
before the user's first cell runs. Progress and per-line errors go to a JupyterLab notification.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._compat import compat
from ..kernel import EVENT_PREFIX
from ..protocol.stored_content import Unreadable, stored_text
from ..requirements.diagnose import refine_with_build_report
from ..requirements.kernel_plan import (
    folder_requirements_path,
    index_setup_code,
    kernel_plan,
    session_index_urls,
)
from ..requirements.parser import parse_requirements
from ..requirements.summary_text import (
    installed_text,
    problem_lines,
    problems_title,
    summary_message,
)
from .notifier import Notifier
from .site_urls import SiteUrls

if TYPE_CHECKING:
    from ..runtimes.local.workers import Worker

#: A requirements file may include others; this bounds the rounds of fetching them.
MAX_INCLUDE_ROUNDS = 8


@dataclass(frozen=True)
class RequirementsDeps:
    """What a folder's requirements need: the site's contents to read the files from, its URLs
    (its package index; its files, for local wheels), and the pypiFallback setting as it is
    when asked, since it may change between two sessions."""

    contents: Any  # JupyterLab's contents manager
    urls: SiteUrls
    pypi_fallback: Callable[[], bool]


async def read_content(contents: Any, path: str) -> str | None:
    """A text file of the site's contents, or None if there is none."""
    try:
        model = await contents.get(path, compat.to_js({"content": True, "type": "file"}))
    except Exception:
        return None
    try:  # an uploaded file is kept as base64 (protocol/stored_content.py)
        return stored_text(
            compat.to_py(getattr(model, "content", None)), getattr(model, "format", None)
        )
    except Unreadable:
        return None


async def read_requirements(contents: Any, path: str) -> Any:
    """Parse `path` with its includes, fetching each included file as the parser asks for it."""
    first = await read_content(contents, path)
    if first is None:
        return None
    files = {path: first}
    absent: set[str] = set()
    missing: set[str] = set()

    def read_text(name: str) -> str:
        name = posixpath.normpath(name).lstrip("/")
        if name in files:
            return files[name]
        missing.add(name)
        raise FileNotFoundError(name)

    parsed = None
    for _ in range(MAX_INCLUDE_ROUNDS):
        missing.clear()
        parsed = parse_requirements(path, read_text, root="")
        # Files that do not exist stay missing; the parser reports them as problems.
        wanted = missing - absent
        if not wanted:
            break
        for name in wanted:
            text = await read_content(contents, name)
            if text is None:
                absent.add(name)
            else:
                files[name] = text
    return parsed


class InstallNotice:
    """The notification of one install: progress, then the outcome."""

    def __init__(self, notifier: Notifier, file: str, count: int) -> None:
        self._notifier = notifier
        self._file = file
        self._count = count
        self._id: Any = self._notifier.emit(
            self._starting_text(), "in-progress", {"autoClose": False, "progress": 0}
        )

    def _starting_text(self) -> str:
        noun = "package" if self._count == 1 else "packages"
        return f"Installing {self._count} {noun} from {self._file}"

    def progress(self, done: int, count: int) -> None:
        if self._id is not None:
            self._notifier.update(
                {
                    "id": self._id,
                    "message": self._starting_text(),
                    "progress": done / max(count, 1),
                }
            )

    def finish(self, summary: dict[str, Any]) -> None:
        problems = summary.get("problems", [])
        message = summary_message(self._file, summary)
        if self._id is None:
            return
        options: dict[str, Any] = {
            "id": self._id,
            "message": message,
            "type": "warning" if problems else "success",
            "autoClose": False if problems else 5000,
            "progress": None,
        }
        if problems:
            # The notice cuts long messages: Details shows every line, whole, under its title.
            title = problems_title(self._file, summary)
            body = "\n".join([*problem_lines(self._file, summary), installed_text(summary)])
            details = self._details = compat.create_proxy(
                lambda *_: self._notifier.show_text(title, body)
            )
            options["actions"] = [
                {"label": "Details", "callback": details, "displayType": "default"}
            ]
        self._notifier.update(options)


async def use_session_indexes(deps: RequirementsDeps, worker: Worker) -> None:
    """Point the session's micropip and %pip at PyPI too, if the settings allow it now.

    Every worker boots with the site's index only (the app's worker setup code), and a worker
    serves one session, so this runs only when the setting is on: a warm worker booted before
    the setting changed still follows it, and the default costs nothing.
    """
    if not deps.pypi_fallback():
        return
    ok, text = await worker.run_internal(index_setup_code(deps.urls.site_index, pypi_fallback=True))
    if not ok:
        compat.log_error(f"could not add PyPI to the session's package indexes: {text}")


async def folder_plan(deps: RequirementsDeps, location: str) -> tuple[str, dict[str, Any]] | None:
    """The requirements file of the folder `location` and the kernel's install plan for it,
    with the session indexes the settings give now; None when the folder has none."""
    path = folder_requirements_path(location)
    parsed = await read_requirements(deps.contents, path)
    if parsed is None:
        return None
    index_urls = session_index_urls(deps.urls.site_index, pypi_fallback=deps.pypi_fallback())
    return path, kernel_plan(parsed, deps.urls.files_url, index_urls)


async def run_install(
    worker: Worker, path: str, plan: dict[str, Any], notice: InstallNotice | None = None
) -> tuple[dict[str, Any], bool]:
    """Install `plan` in the worker. Returns the summary, and whether the kernel side holds it
    (False: the install failed as a whole, and the summary says so)."""
    summary: dict[str, Any] = {}

    def on_message(message: dict[str, Any]) -> None:
        if message["header"]["msg_type"] != "stream":
            return
        # split("\n"), not splitlines(): the latter also splits at the \x1e that marks events.
        for line in message["content"].get("text", "").split("\n"):
            if not line.startswith(EVENT_PREFIX):
                continue
            event = json.loads(line[len(EVENT_PREFIX) :])
            if event["event"] == "progress" and notice is not None:
                notice.progress(event["done"], event["count"])
            elif event["event"] == "done":
                summary.update(event)

    ok, text = await worker.run_internal(kernel_call("install", plan, awaited=True), on_message)
    if ok and summary:
        summary.pop("event", None)
        return summary, True
    return {
        "file": path,
        "installed": [],
        "problems": plan["problems"]
        + [{"file": path, "line": 0, "text": path, "reason": text or "the install failed"}],
        "seconds": 0.0,
    }, False


def kernel_call(function: str, value: Any, *, awaited: bool = False) -> str:
    """Code that calls `inkrider_lite.kernel.<function>` in a worker with `value` as JSON text."""
    call = f"_ik.{function}({json.dumps(value)!r})"
    return f"import inkrider_lite.kernel as _ik\n{'await ' if awaited else ''}{call}\ndel _ik"


def _installed_names(summary: dict[str, Any]) -> list[str]:
    return [package["name"] for package in summary.get("installed", [])]


async def precompile(worker: Worker, summary: dict[str, Any]) -> None:
    """Have the worker compile what it installed, so that the first imports are quicker."""
    names = _installed_names(summary)
    ok, text = await worker.run_internal(kernel_call("precompile", names))
    if not ok:
        compat.log_error(f"could not precompile {', '.join(names)}: {text}")


async def uninstall(worker: Worker, summary: dict[str, Any]) -> None:
    """Take back what an install put in the worker (an early install that was not wanted)."""
    names = _installed_names(summary)
    ok, text = await worker.run_internal(kernel_call("uninstall", names))
    if not ok:
        raise RuntimeError(f"could not uninstall {', '.join(names)}: {text}")


@dataclass
class EarlyInstall:
    """What an install before the bind put in a worker (see early_install)."""

    plan_json: str
    summary: dict[str, Any]
    kernel_has_it: bool


async def take_early_install(worker: Worker) -> EarlyInstall | None:
    """Wait for the worker's early install, if it had one, and take its outcome off it."""
    task, worker.early = worker.early, None
    if task is None:
        return None
    try:
        return await task  # type: ignore[no-any-return]
    except Exception as error:
        compat.log_error("the early install failed", error)
        return None


async def install_folder_requirements(
    deps: RequirementsDeps,
    notifier: Notifier,
    location: str,
    worker: Worker,
    on_install: Callable[[], None] = lambda: None,
) -> dict[str, Any] | None:
    """Set the session's indexes, then install the folder's requirements.txt into `worker`;
    None when the folder has none. What an early install put there is used if it is what the
    file asks for now, and taken back otherwise. `on_install` is told once there is a file."""
    await use_session_indexes(deps, worker)
    wanted = await folder_plan(deps, location)
    early = await take_early_install(worker)
    # An install that failed as a whole (say, the network) gets another try now.
    if early is not None and (early.plan_json != plan_json(wanted) or not early.kernel_has_it):
        await uninstall(worker, early.summary)
        early = None
    if wanted is None:
        return None
    path, plan = wanted
    on_install()
    notice = InstallNotice(notifier, path, len(plan["items"]))
    if early is not None:
        summary, kernel_has_it = early.summary, True
    else:
        summary, kernel_has_it = await run_install(worker, path, plan, notice)
    if summary["problems"]:  # only then can the build's report say more
        report = await compat.fetch_text(f"{deps.urls.site_url}pypi/requirements-report.json")
        summary["problems"] = refine_with_build_report(
            summary["problems"], json.loads(report) if report else None
        )
    notice.finish(summary)
    if not kernel_has_it or summary["problems"]:  # else the first cell need not wait for it
        await worker.run_internal(kernel_call("set_summary", summary))
    return summary


def plan_json(wanted: tuple[str, dict[str, Any]] | None) -> str | None:
    return None if wanted is None else json.dumps(wanted, sort_keys=True)
