"""What the Session Explorer shows for each session, as plain text. Pure logic.

The panel (controller/explorer.py) puts these strings into the page with `textContent` only, so
nothing here escapes anything: a notebook called `<b>x</b>.ipynb` is shown as those characters.
Sizes are decimal: 1 MB is 1,000,000 bytes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .kernel_label import kernel_gone, token_refused

#: Shown where a value is not known.
UNKNOWN = "—"
UNTITLED = "(untitled)"
EMPTY_TEXT = "No sessions. A session starts when you run a cell."

#: States the explorer lists. Unbound sessions have no interpreter, so nothing to show; dead
#: ones leave the registry right after their last change.
BOUND_STATES = ("starting", "installing", "idle", "busy")
WAITING = "waiting"
CLOSABLE_STATES = frozenset({WAITING, *BOUND_STATES})

LocalTime = Callable[[float], time.struct_time]


@dataclass(frozen=True)
class SessionRow:
    kernel_id: str
    path: str
    runtime: str
    state_text: str
    started_text: str
    memory_text: str
    packages_text: str
    can_interrupt: bool
    can_close: bool
    #: The bare state ("idle", "waiting", ...), for styling and tests.
    state: str = ""
    #: A longer account of the requirements install (file, lines not installed and why).
    packages_detail: str = ""
    #: A remote session whose server stopped answering, or a detached kernel: Reconnect.
    can_reconnect: bool = False
    #: What the Close button says: "Start fresh" for a lost link, "Forget" for a detached
    #: kernel whose server does not answer (there is nothing to shut down that we can reach).
    close_text: str = "Close"
    #: A remote kernel that no open page relays (see runtimes/remote/kernels_store.detached).
    detached: bool = False
    #: What the memory figure is, or why there is none yet (the field's tooltip).
    memory_detail: str = ""


def count_text(rows: Iterable[SessionRow]) -> str:
    """The explorer's header: "3 live · 1 waiting · 1 unreachable · 1 gone · 2 detached" (a
    run waiting for a slot has no session yet, one whose server stopped answering may have none
    any more, and one whose server said it has none is gone, so none of them is live), or ""
    when there is no row."""
    rows = list(rows)
    waiting = sum(row.state == WAITING and not row.detached for row in rows)
    lost = sum(row.state == "dead" and not row.detached and row.can_reconnect for row in rows)
    gone = sum(row.state == "dead" and not row.detached and not row.can_reconnect for row in rows)
    detached = sum(row.detached for row in rows)
    live = len(rows) - waiting - lost - gone - detached
    counts = (
        (live, "live"),
        (waiting, "waiting"),
        (lost, "unreachable"),
        (gone, "gone"),
        (detached, "detached"),
    )
    return " · ".join(f"{n} {what}" for n, what in counts if n)


def close_all_text(rows: Iterable[SessionRow]) -> str:
    """What Close all asks about: how many sessions end, and what ends with them."""
    closing = [row for row in rows if row.can_close]
    remote = sum(row.runtime.startswith("remote") for row in closing)
    sessions = "the session" if len(closing) == 1 else f"all {len(closing)} sessions"
    text = f"End {sessions} listed? Their variables are lost"
    if remote:
        text += ", and their kernels on Jupyter Servers are shut down"
    return text + ". The notebooks stay open."


def other_tabs_text(labels: Iterable[str]) -> str:
    """What other tabs of the site hold, from their slot labels: a notebook's path, or "" for
    a warm worker. "" when they hold nothing."""
    labels = list(labels)
    paths = sorted(label for label in labels if label)
    warm = len(labels) - len(paths)
    parts = []
    if paths:
        sessions = "1 session" if len(paths) == 1 else f"{len(paths)} sessions"
        parts.append(f"{sessions} ({', '.join(paths)})")
    if warm:
        parts.append(
            "1 Python worker started ahead of time"
            if warm == 1
            else f"{warm} Python workers started ahead of time"
        )
    if not parts:
        return ""
    text = (
        f"Other tabs of this browser hold {' and '.join(parts)}; "
        "they count towards the local session limit."
    )
    if paths:
        text += " Close sessions in their own tab."
    if warm:
        # Nothing to close there: it shows in no Session Explorer.
        text += " A worker started ahead of time gives its place up when a run here needs it."
    return text


def state_name(state: Any) -> str:
    """ "idle" for SessionState.IDLE (a StrEnum) or for the string itself."""
    return str(getattr(state, "value", state))


def state_text(state: str, queue_position: int | None) -> str:
    if state == WAITING and queue_position is not None:
        return f"waiting (#{queue_position} in queue)"
    return state


def started_text(started_at: float | None, localtime: LocalTime = time.localtime) -> str:
    if started_at is None:
        return UNKNOWN
    return time.strftime("%H:%M:%S", localtime(started_at))


def memory_text(memory_bytes: int | None) -> str:
    if memory_bytes is None or memory_bytes < 0:
        return UNKNOWN
    megabytes = memory_bytes / 1_000_000
    if megabytes >= 1000:
        return f"{megabytes / 1000:.1f} GB"
    if megabytes >= 10:
        return f"{megabytes:.0f} MB"
    return f"{megabytes:.1f} MB"


def _lines(count: int) -> str:
    return f"{count} line" if count == 1 else f"{count} lines"


def packages_text(requirements: Any) -> str:
    """One line about a requirements install: each new package with its version, then how
    many lines of the file were not installed. "—" when the session installed nothing."""
    if not isinstance(requirements, dict):
        return UNKNOWN
    installed = [
        f"{p.get('name', '?')} {p.get('version', '')}".strip()
        for p in requirements.get("installed") or []
        if isinstance(p, dict)
    ]
    problems = requirements.get("problems") or []
    text = ", ".join(installed) if installed else "no new packages"
    if problems:
        text += f" ({_lines(len(problems))} not installed)"
    return text


def packages_detail(requirements: Any) -> str:
    """What the row's tooltip says: the file, then each line not installed and why."""
    if not isinstance(requirements, dict):
        return ""
    parts = []
    if requirements.get("file"):
        seconds = requirements.get("seconds")
        took = f" in {seconds:.1f} s" if isinstance(seconds, int | float) else ""
        parts.append(f"From {requirements['file']}{took}")
    for problem in requirements.get("problems") or []:
        if isinstance(problem, dict):
            parts.append(
                f"line {problem.get('line', '?')}: {problem.get('text', '')}"
                f" — {problem.get('reason', 'not installed')}"
            )
    return "\n".join(parts)


def path_text(session: Any, path: str | None = None) -> str:
    """The notebook's path. A kernel itself only knows its folder (`location`): the path comes
    from JupyterLab's sessions, or from the kernel's `path` once it has one."""
    if path:
        return path
    if known := getattr(session, "path", None):
        return str(known)
    folder = getattr(session, "location", "")
    return f"{folder}/" if folder else UNTITLED


MEMORY_MEASURED = (
    "The session's WebAssembly memory (its Pyodide heap), read every 3 s while this panel is open."
)
MEMORY_NOT_YET = (
    "Not measured yet: memory is read every 3 s while this panel is open, and a session answers "
    "only between cells, so one running a long cell shows — until the cell ends."
)
MEMORY_NO_WORKER = "No worker yet: the session has no memory of its own until it starts."
MEMORY_REMOTE = "Memory is the server's: see it there (for example with top or htop)."


def memory_detail(state: str, memory_bytes: int | None, remote: bool) -> str:
    if remote:
        return MEMORY_REMOTE
    if state not in ("idle", "busy", "installing"):
        return MEMORY_NO_WORKER
    return MEMORY_NOT_YET if memory_bytes is None or memory_bytes < 0 else MEMORY_MEASURED


REMOTE_PACKAGES = "managed on the server with pip or conda"
REMOTE_PACKAGES_DETAIL = (
    "A remote session uses the server's own Python environment: install packages there with "
    "pip or conda. The folder's requirements.txt is not installed on a remote server."
)
LOST_TEXT = "unreachable: the server is not answering"
#: The server answers only the token the session used before: the saved one is wrong.
REFUSED_TEXT = "unreachable: the server refuses the saved token (Settings → Runtime…)"
#: Once a Reconnect found that the server no longer has the kernel: only Start fresh is left.
GONE_TEXT = "gone: the server no longer has the kernel"


def row_for(
    session: Any, localtime: LocalTime = time.localtime, path: str | None = None
) -> SessionRow:
    state = state_name(getattr(session, "state", ""))
    requirements = getattr(session, "requirements", None)
    runtime = getattr(session, "runtime_label", None) or "local"
    remote = runtime.startswith("remote")
    lost = getattr(session, "link", "connected") == "lost"
    gone = lost and kernel_gone(session)
    return SessionRow(
        kernel_id=str(session.id),
        path=path_text(session, path),
        runtime=runtime,
        state_text=(GONE_TEXT if gone else REFUSED_TEXT if token_refused(session) else LOST_TEXT)
        if lost
        else state_text(state, getattr(session, "queue_position", None)),
        started_text=started_text(getattr(session, "started_at", None), localtime),
        memory_text="on the server"
        if remote
        else memory_text(getattr(session, "memory_bytes", None)),
        packages_text=REMOTE_PACKAGES if remote else packages_text(requirements),
        can_interrupt=state == "busy" and not lost,
        can_close=state in CLOSABLE_STATES,
        state="dead" if lost else state,
        packages_detail=REMOTE_PACKAGES_DETAIL if remote else packages_detail(requirements),
        can_reconnect=lost and not gone,
        close_text="Start fresh" if lost else "Close",
        memory_detail=memory_detail(state, getattr(session, "memory_bytes", None), remote),
    )


DETACHED_TEXT = {
    None: "detached: checking the server…",
    True: "detached: no notebook is connected",
    False: "detached: the server is not answering",
}


def detached_row(
    kernel_id: str,
    path: str,
    server: str,
    started_at: float | None,
    answering: bool | None,
    localtime: LocalTime = time.localtime,
) -> SessionRow:
    """A kernel started from this site that no open page relays (after a reload, say): it may
    still run on the server, so it is listed with Reconnect and Close. `answering` is whether
    the server answered for it (None: not asked yet)."""
    return SessionRow(
        kernel_id=kernel_id,
        path=path or UNTITLED,
        runtime=f"remote {server}",
        state_text=DETACHED_TEXT[answering],
        started_text=started_text(started_at, localtime),
        memory_text="on the server",
        packages_text=REMOTE_PACKAGES,
        can_interrupt=False,
        can_close=True,
        state="detached",
        packages_detail=REMOTE_PACKAGES_DETAIL,
        can_reconnect=answering is not False,
        close_text="Forget" if answering is False else "Close",
        detached=True,
        memory_detail=MEMORY_REMOTE,
    )


def rows_for(
    sessions: Iterable[Any],
    localtime: LocalTime = time.localtime,
    paths: Mapping[str, str] | None = None,
) -> list[SessionRow]:
    """The rows to show, in order: sessions with an interpreter by start time (those still
    starting last, as they came), then the waiting ones by their place in the queue.
    `paths` maps kernel ids to notebook paths."""
    paths = paths or {}
    bound: list[tuple[float, int, Any]] = []
    waiting: list[tuple[float, int, Any]] = []
    for order, session in enumerate(sessions):
        state = state_name(getattr(session, "state", ""))
        if state in BOUND_STATES:
            started = getattr(session, "started_at", None)
            bound.append((float("inf") if started is None else started, order, session))
        elif state == WAITING:
            position = getattr(session, "queue_position", None)
            waiting.append((float("inf") if position is None else position, order, session))
    return [
        row_for(s, localtime, paths.get(str(s.id))) for *_, s in sorted(bound) + sorted(waiting)
    ]
