"""The status bar item's text: where new runs start, and the sessions, as the Session Explorer's
header counts them."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from inkrider_lite.controller.ui import StatusFacts, status_parts
from inkrider_lite.runtimes.remote.address import parse_base_url
from inkrider_lite.runtimes.settings import Settings

from .fakes import Pool


def remote_kernel(link: str, gone: bool = False) -> Any:
    session = SimpleNamespace(gone=gone)
    return SimpleNamespace(session=session, runtime_label="remote 127.0.0.1:8931", link=link)


def test_a_remote_session_whose_server_stopped_answering_is_counted_as_unreachable() -> None:
    # Found by a new user: while its server did not answer, the item said "0 local sessions",
    # as if the session were gone, next to the explorer's "1 unreachable".
    pool = Pool(Settings(warm_worker=False))
    sessions = {"a": remote_kernel("connected"), "b": remote_kernel("lost")}
    address = parse_base_url("http://127.0.0.1:8931")
    remote = SimpleNamespace(kind="remote")
    local = SimpleNamespace(kind="local")
    on_remote = StatusFacts(pool.workers, sessions, lambda: remote, lambda: address)  # type: ignore[arg-type]
    assert status_parts(on_remote) == (
        "InkRider: remote 127.0.0.1:8931",
        "0 local sessions · 1 remote session · 1 unreachable",
    )
    on_local = StatusFacts(pool.workers, sessions, lambda: local, lambda: address)  # type: ignore[arg-type]
    assert status_parts(on_local)[1] == "0/3 sessions · 1 remote session · 1 unreachable"
    # Once a Reconnect found the kernel gone from its server, it is counted as gone.
    sessions["b"] = remote_kernel("lost", gone=True)
    assert status_parts(on_remote)[1] == "0 local sessions · 1 remote session · 1 gone"
    # Kernels left running by a page now gone count too, as the explorer lists them.
    with_detached = StatusFacts(pool.workers, {}, lambda: remote, lambda: address, lambda: 2)  # type: ignore[arg-type]
    assert status_parts(with_detached)[1] == "0 local sessions · 2 detached"
