"""inkrider_lite.sessions.explorer_rows: what the Session Explorer says about each session."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pytest

from inkrider_lite.sessions.explorer_rows import (
    EMPTY_TEXT,
    MEMORY_MEASURED,
    SessionRow,
    count_text,
    memory_detail,
    memory_text,
    packages_detail,
    packages_text,
    path_text,
    row_for,
    rows_for,
    started_text,
)
from inkrider_lite.sessions.lifecycle import SessionState


@dataclass
class Session:
    """The attributes the explorer reads from a routing kernel, and nothing else."""

    id: str
    state: Any = SessionState.IDLE
    location: str = "examples"  # a kernel knows its notebook's folder, not the notebook
    started_at: float | None = None
    queue_position: int | None = None
    memory_bytes: int | None = None
    requirements: Any = None
    runtime_label: str = "local"


def utc(seconds: float) -> time.struct_time:
    return time.gmtime(seconds)


#: 2025-01-01 09:05:07 UTC
T0 = 1735722307.0


def test_an_idle_session() -> None:
    session = Session("k1", started_at=T0, memory_bytes=412_000_000)
    assert row_for(session, utc, "examples/hello.ipynb") == SessionRow(
        kernel_id="k1",
        path="examples/hello.ipynb",
        runtime="local",
        state_text="idle",
        started_text="09:05:07",
        memory_text="412 MB",
        packages_text="—",
        can_interrupt=False,
        can_close=True,
        state="idle",
        packages_detail="",
        memory_detail=MEMORY_MEASURED,
    )


@pytest.mark.parametrize(
    ("state", "queue_position", "text", "can_interrupt", "can_close"),
    [
        ("waiting", 2, "waiting (#2 in queue)", False, True),
        ("waiting", 1, "waiting (#1 in queue)", False, True),
        ("waiting", None, "waiting", False, True),
        ("starting", None, "starting", False, True),
        ("installing", None, "installing", False, True),
        ("idle", None, "idle", False, True),
        ("busy", None, "busy", True, True),
        ("dead", None, "dead", False, False),
        ("unbound", None, "unbound", False, False),
    ],
)
def test_state_text_and_actions(
    state: str, queue_position: int | None, text: str, can_interrupt: bool, can_close: bool
) -> None:
    row = row_for(Session("k", state=state, queue_position=queue_position))
    assert (row.state_text, row.can_interrupt, row.can_close) == (text, can_interrupt, can_close)
    assert row.state == state


def test_a_state_enum_reads_as_its_value() -> None:
    row = row_for(Session("k", state=SessionState.BUSY))
    assert row.state == "busy" and row.state_text == "busy" and row.can_interrupt


def test_which_sessions_are_listed() -> None:
    sessions = [
        Session("unbound", state=SessionState.UNBOUND),
        Session("dead", state=SessionState.DEAD),
        Session("starting", state=SessionState.STARTING),
        Session("installing", state=SessionState.INSTALLING),
        Session("idle", state=SessionState.IDLE, started_at=T0),
        Session("busy", state=SessionState.BUSY, started_at=T0 + 1),
        Session("waiting", state="waiting", queue_position=1),
    ]
    listed = [row.kernel_id for row in rows_for(sessions)]
    assert sorted(listed) == ["busy", "idle", "installing", "starting", "waiting"]


def test_order_bound_by_start_then_waiting_by_queue() -> None:
    sessions = [
        Session("w3", state="waiting", queue_position=3),
        Session("late", state=SessionState.BUSY, started_at=T0 + 60),
        Session("booting", state=SessionState.STARTING),
        Session("w1", state="waiting", queue_position=1),
        Session("early", state=SessionState.IDLE, started_at=T0),
        Session("w?", state="waiting", queue_position=None),
        Session("installing", state=SessionState.INSTALLING),
        Session("w2", state="waiting", queue_position=2),
    ]
    assert [row.kernel_id for row in rows_for(sessions)] == [
        "early",
        "late",
        "booting",  # not started yet: after the started ones, in the order they came
        "installing",
        "w1",
        "w2",
        "w3",
        "w?",
    ]


def test_equal_start_times_keep_the_registry_order() -> None:
    sessions = [Session(f"k{n}", started_at=T0) for n in (3, 1, 2)]
    assert [row.kernel_id for row in rows_for(sessions)] == ["k3", "k1", "k2"]


def test_no_sessions_no_rows() -> None:
    assert rows_for([]) == []
    assert EMPTY_TEXT == "No sessions. A session starts when you run a cell."


def test_a_name_that_looks_like_html_passes_untouched() -> None:
    name = "<img src=x onerror=alert(1)>.ipynb"
    (row,) = rows_for([Session("k", started_at=T0)], paths={"k": f"examples/{name}"})
    assert row.path == f"examples/{name}"
    requirements = {
        "file": "<b>requirements.txt</b>",
        "installed": [{"name": "<script>", "version": "&amp;1"}],
        "problems": [{"file": "r", "line": 1, "text": "<i>x</i>", "reason": "a & b"}],
    }
    row = row_for(Session("k", requirements=requirements))
    assert row.packages_text == "<script> &amp;1 (1 line not installed)"
    assert "<b>requirements.txt</b>" in row.packages_detail
    assert "line 1: <i>x</i> — a & b" in row.packages_detail


def test_paths_come_from_the_mapping_by_kernel_id() -> None:
    sessions = [Session("a", started_at=T0), Session("b", started_at=T0 + 1)]
    rows = rows_for(sessions, paths={"a": "examples/a.ipynb", "x": "other.ipynb"})
    assert [row.path for row in rows] == ["examples/a.ipynb", "examples/"]


@pytest.mark.parametrize(
    ("location", "own_path", "given", "text"),
    [
        ("examples", None, "examples/hello.ipynb", "examples/hello.ipynb"),
        ("examples", "examples/own.ipynb", None, "examples/own.ipynb"),
        ("examples", "examples/own.ipynb", "examples/new.ipynb", "examples/new.ipynb"),
        ("examples", None, None, "examples/"),
        ("", None, None, "(untitled)"),
        ("", None, "", "(untitled)"),
    ],
)
def test_path_text(location: str, own_path: str | None, given: str | None, text: str) -> None:
    session = Session("k", location=location)
    if own_path is not None:
        session.path = own_path  # type: ignore[attr-defined]
    assert path_text(session, given) == text


def test_untitled_and_runtime() -> None:
    row = row_for(Session("k", location="", runtime_label="server 127.0.0.1:8888"))
    assert row.path == "(untitled)"
    assert row.runtime == "server 127.0.0.1:8888"


def test_a_kernel_without_the_newer_fields() -> None:
    """Only id, state and location: everything else reads as unknown."""

    class Bare:
        id = "k"
        state = SessionState.IDLE
        location = "a.ipynb"

    row = row_for(Bare())
    assert (row.runtime, row.started_text, row.memory_text, row.packages_text) == (
        "local",
        "—",
        "—",
        "—",
    )


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(T0, "09:05:07"), (T0 + 0.999, "09:05:07"), (T0 + 3600 * 15, "00:05:07"), (None, "—")],
)
def test_started_text(seconds: float | None, text: str) -> None:
    assert started_text(seconds, utc) == text


def test_started_text_uses_the_given_local_time() -> None:
    """The browser's time zone reaches Python through time.localtime; here, UTC+02:00."""

    def plus_two(seconds: float) -> time.struct_time:
        return time.gmtime(seconds + 7200)

    assert started_text(T0, plus_two) == "11:05:07"
    assert row_for(Session("k", started_at=T0), plus_two).started_text == "11:05:07"


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (None, "—"),
        (-1, "—"),
        (0, "0.0 MB"),
        (999_999, "1.0 MB"),
        (3_200_000, "3.2 MB"),
        (9_940_000, "9.9 MB"),
        (10_000_000, "10 MB"),
        (412_000_000, "412 MB"),
        (412_499_999, "412 MB"),
        (999_000_000, "999 MB"),
        (1_000_000_000, "1.0 GB"),
        (2_147_483_648, "2.1 GB"),
    ],
)
def test_memory_text(size: int | None, text: str) -> None:
    assert memory_text(size) == text


def test_packages_after_an_install() -> None:
    requirements = {
        "file": "examples/requirements.txt",
        "installed": [
            {"name": "attrs", "version": "25.1.0"},
            {"name": "six", "version": "1.17.0"},
        ],
        "problems": [
            {
                "file": "examples/requirements.txt",
                "line": 3,
                "text": "nosuchpkg==1",
                "reason": "no such package in the site's index",
            },
            {"file": "examples/more.txt", "line": 1, "text": "x>9", "reason": "no version"},
        ],
        "seconds": 1.234,
    }
    assert packages_text(requirements) == "attrs 25.1.0, six 1.17.0 (2 lines not installed)"
    assert packages_detail(requirements) == (
        "From examples/requirements.txt in 1.2 s\n"
        "line 3: nosuchpkg==1 — no such package in the site's index\n"
        "line 1: x>9 — no version"
    )


@pytest.mark.parametrize(
    ("requirements", "text"),
    [
        (None, "—"),
        ("not a summary", "—"),
        ({"file": "r.txt", "installed": [], "problems": [], "seconds": 0.1}, "no new packages"),
        ({"installed": [{"name": "six", "version": "1.17.0"}]}, "six 1.17.0"),
        ({"installed": [], "problems": [{"line": 1}]}, "no new packages (1 line not installed)"),
        ({"installed": [{"name": "six"}]}, "six"),
    ],
)
def test_packages_text(requirements: Any, text: str) -> None:
    assert packages_text(requirements) == text


@pytest.mark.parametrize(
    ("state", "memory", "remote", "says"),
    [
        ("idle", 50_000_000, False, "read every 3 s"),
        ("busy", None, False, "Not measured yet"),
        ("starting", None, False, "No worker yet"),
        ("waiting", None, False, "No worker yet"),
        ("idle", None, True, "the server's"),
    ],
)
def test_the_memory_field_says_what_it_is_or_why_it_is_empty(
    state: str, memory: int | None, remote: bool, says: str
) -> None:
    assert says in memory_detail(state, memory, remote)


def test_the_header_counts_a_waiting_run_apart_from_live_sessions() -> None:
    def row(state: str, detached: bool = False, can_reconnect: bool = True) -> SessionRow:
        return SessionRow(
            "k",
            "a.ipynb",
            "local",
            state,
            "",
            "",
            "",
            False,
            True,
            state=state,
            detached=detached,
            can_reconnect=can_reconnect,
        )

    rows = [row("idle"), row("busy"), row("idle"), row("waiting"), row("idle", detached=True)]
    assert count_text(rows) == "3 live · 1 waiting · 1 detached"
    # A session whose server stopped answering is not counted as live.
    assert count_text([row("idle"), row("dead")]) == "1 live · 1 unreachable"
    # Nor is one whose server said the kernel is gone (only Start fresh is left).
    assert count_text([row("dead"), row("dead", can_reconnect=False)]) == "1 unreachable · 1 gone"
    assert count_text([row("waiting")]) == "1 waiting"
    assert count_text([]) == ""


def test_a_lost_remote_session_offers_reconnect_until_its_kernel_is_known_gone() -> None:
    from types import SimpleNamespace

    kernel = SimpleNamespace(
        id="k",
        state=SessionState.IDLE,
        location="",
        runtime_label="remote 127.0.0.1:8888",
        link="lost",
        session=SimpleNamespace(gone=False),
    )
    row = row_for(kernel, path="a.ipynb")
    assert row.state_text == "unreachable: the server is not answering"
    assert row.can_reconnect and row.close_text == "Start fresh"
    # It answers only the token the session used before: the saved one is named, not the
    # server (review, stop 28).
    kernel.session.token_refused = True
    row = row_for(kernel, path="a.ipynb")
    assert row.state_text.startswith("unreachable: the server refuses the saved token")
    assert row.can_reconnect
    kernel.session.token_refused = False
    # A Reconnect asked the server, which no longer has the kernel: only Start fresh is left.
    kernel.session.gone = True
    row = row_for(kernel, path="a.ipynb")
    assert row.state_text == "gone: the server no longer has the kernel"
    assert not row.can_reconnect and row.close_text == "Start fresh"


def test_close_all_says_how_many_sessions_end_and_that_remote_kernels_are_shut_down() -> None:
    from inkrider_lite.sessions.explorer_rows import close_all_text

    def row(runtime: str, can_close: bool = True) -> SessionRow:
        return SessionRow("k", "a.ipynb", runtime, "idle", "", "", "", False, can_close)

    assert close_all_text([row("local"), row("local"), row("local", can_close=False)]) == (
        "End all 2 sessions listed? Their variables are lost. The notebooks stay open."
    )
    assert close_all_text([row("local"), row("remote 127.0.0.1:8888")]) == (
        "End all 2 sessions listed? Their variables are lost, and their kernels on Jupyter "
        "Servers are shut down. The notebooks stay open."
    )
