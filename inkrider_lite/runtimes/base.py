"""The runtime seam: what the routing kernel knows of a runtime and of a session it lends.

A runtime (runtimes/local, runtimes/remote) lends bound sessions; the routing kernel asks the
runtime selected at a notebook's first run for one, and from then on knows only this interface.
The explorer, the status item and the Execution Tool read sessions through the routing kernel,
never workers or servers. See docs/architecture.md.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, Protocol

#: Hears a waiting session's place in line (1 = next), and None once it has its slot.
Watch = Callable[[int | None], None]


class WaitCancelled(Exception):
    """A session waiting for a slot was told to stop waiting."""


class Unreachable(Exception):
    """What a session runs on did not answer, so whether it still has the session is not
    known: the session is kept, for a later try. The message says what to do."""

    #: The exception name a cell that could not run shows.
    ename = "ServerNotAnswering"


class SessionOwner(Protocol):
    """The routing kernel, as a bound session sees it."""

    def from_session(self, message: Any) -> None:
        """Every message, for a session whose messages pass through Python (a local worker
        without the loader's route: the CPython tests)."""

    def observe(self, message: Any) -> None:
        """Status and execute_reply messages only, for a session that delivers its messages to
        the notebook itself (remote, and local through the loader's worker route): Python learns
        of state changes, not every output."""

    def connection_changed(self, state: str) -> None:
        """The session's link to its kernel changed ("connected", "connecting", "lost")."""

    def end_running_cell(
        self,
        ename: str,
        evalue: str,
        unanswered: Sequence[dict[str, Any]] = (),
        queued_evalue: str = "",
    ) -> None:
        """The session cannot answer its runs any more: the running cell, and the runs whose
        request `unanswered` holds, end (those queued behind the first with `queued_evalue`)."""

    @property
    def send(self) -> Any:
        """JupyterLite's sendMessage for this notebook's kernel."""


class BoundSession(Protocol):
    id: str
    #: For the explorer and the status item, e.g. "local" or "remote 127.0.0.1:8888".
    runtime_label: str
    #: What the loader's fast path hands requests to (`handleMessage`).
    real: Any
    #: When what it runs on started, if before it was bound (a remote kernel taken back after a
    #: reload); None: now.
    started_at: float | None

    def attach(self, owner: SessionOwner | None) -> None:
        """Send the session's messages to `owner` (None: drop them, e.g. while closing)."""

    async def settled(self) -> None:
        """Wait for work the runtime itself still does in the session."""

    async def enter(self, location: str) -> None:
        """Make the notebook's folder the session's working directory, where that exists."""

    def interrupt(self) -> bool:
        """Stop the running cell; False if this session cannot."""

    async def revive(self) -> bool:
        """After its link was lost: connect again if what it ran on is still there (the
        variables with it); False if it is gone, and the next run must start a new session.
        Raises Unreachable when that cannot be known yet."""


class Runtime(Protocol):
    #: "local" or "remote".
    kind: str

    @property
    def where(self) -> str:
        """Where its sessions run, as a sentence goes on after "starts a new session"."""

    async def acquire(self, ticket: Hashable, watch: Watch | None = None) -> BoundSession:
        """A session for a notebook whose first run binds now. May wait in line (then `watch`
        hears the place); raises WaitCancelled when told to stop waiting, and any other
        exception, with a message for the cell, when the session cannot start."""

    @property
    def prepares(self) -> bool:
        """Whether prepare() can do anything."""

    async def prepare(self, owner: Any, session: BoundSession) -> object:
        """Ready a new session for its notebook (e.g. its folder's requirements.txt); returns
        what the explorer shows of it. It calls `owner.installing()` if there is something to
        install (the session shows "installing" from then on)."""

    def release(self, session: BoundSession) -> None:
        """The notebook is done with the session: end it, and free what it held."""

    def position(self, ticket: Hashable) -> int | None: ...

    def cancel_wait(self, ticket: Hashable) -> bool: ...

    def waiting_text(self, position: int) -> str:
        """What a run that waits in line shows in its cell."""
