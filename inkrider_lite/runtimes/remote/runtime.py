"""The remote runtime: sessions on the user's own Jupyter Server.

Binding creates a kernel through the REST client (client.py) and asks the loader for a relay
(`handles.remoteKernel`): JupyterLab's own KernelConnection, which speaks both WebSocket wire
protocols and reconnects, hands every message straight to the notebook. Python hears only status
and execute_reply messages and changes of the connection, and decides what they mean.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine, Hashable
from typing import Any

from ..._compat import compat
from ...protocol import messages
from ..base import SessionOwner, Unreachable, Watch
from . import kernels_store
from .address import ServerAddress
from .client import JupyterServerClient, KernelProbe, ServerError

#: Seconds a new kernel's WebSocket may take to open before binding fails.
CONNECT_TIMEOUT = 10.0
#: Seconds a run may go without a word from the server before the server is asked whether it
#: is there at all. A stopped process or a dead network keeps the WebSocket open, silent.
SILENCE_SECONDS = 15.0
#: Seconds between the two asks that must both go unanswered before the run is ended.
ASK_AGAIN_SECONDS = 5.0
#: While a link is lost, its kernel is asked after every SILENCE_SECONDS / 3 for this long (a
#: server woken from a pause comes back soon), then every REJOIN_LATER seconds: each ask that
#: fails is a line on the browser's console, token included (Chromium prints the address).
REJOIN_SOON = 60.0
REJOIN_LATER = 60.0

#: A server started again has a new token, unless it was given a fixed one; with a token it
#: no longer takes, jupyter_server's refusal carries no CORS headers, so the page cannot tell
#: it from no answer at all (shared notes: remote-server-facts.md).
NEW_TOKEN_HINT = (
    "If you started it again, enter its new token in Settings → Runtime… (open sessions use "
    "the token saved there)."
)
#: The same refusal follows a wrong token saved while the server ran on: a new user took the
#: ended cell for a dead server (new-user pass, stop 25, defect 2).
WRONG_TOKEN_HINT = (
    "If it is running, check the token saved in Settings → Runtime… with Test connection: open "
    "sessions use that token, and a wrong one reads here as no answer (a server started again "
    "has a new token)."
)
SERVER_SILENT = (
    "The Jupyter Server at {where} has not answered for {seconds:.0f} s, nor its kernel list, "
    "so this cell's result is lost (the server's process may be stopped, or the network down). "
    "The server may still run it once it answers again, but its output will not show here. "
    "Local sessions are not affected. Once the server answers again, run a cell: if it kept "
    "the kernel, the session reconnects with its variables. " + WRONG_TOKEN_HINT
)
#: A wrong token saved while a session's kernel runs: the refusals read as no answer, and its
#: running cell was ended as if the server were dead, result lost (new-user pass, stop 27, D2).
TOKEN_REFUSED = (
    "The Jupyter Server at {where} refuses the token saved in Settings → Runtime…: enter the "
    "right one there (Test connection, then Save). Meanwhile {what}; new sessions on it cannot "
    "start. The token it answered before still works."
)
#: TOKEN_REFUSED's `what` for a session whose link was lost (Reconnect, a run, the rejoin).
REFUSED_RECONNECT = (
    "this session stays disconnected, its kernel and variables kept on the server, and "
    "reconnects at the next cell you run once the right token is saved"
)
#: TOKEN_REFUSED's `what` when the WebSocket dropped while the saved token is refused.
REFUSED_DROPPED = (
    "this cell's result is lost (its connection dropped and cannot open with that token), "
    "while the kernel keeps its variables"
)
SENT_BEFORE_SILENCE = (
    "This cell was sent to the Jupyter Server at {where} before it stopped answering. The "
    "server may still run it once it answers again, but its output will not show here: check "
    "what it does before you run it again."
)
SERVER_GONE = (
    "The Jupyter Server at {where} stopped answering, so this cell's result is lost. "
    "Local sessions are not affected. Start the server again, then use Reconnect (if it kept "
    "the kernel) or Start fresh in Tools → Session Explorer."
)
NOT_ANSWERING = (
    "The Jupyter Server at {where} is not answering, so this cell did not run. Once it "
    "answers again (start it again if it stopped), run the cell: if the server kept the "
    "kernel, the session reconnects with its variables. " + NEW_TOKEN_HINT + " To start "
    "afresh instead, use Start fresh on its row in Tools → Session Explorer."
)
RECONNECT_NOT_ANSWERING = (
    "The Jupyter Server at {where} is not answering. Start it again if it stopped, then press "
    "Reconnect or run a cell. " + NEW_TOKEN_HINT
)
CANCELLED_BEHIND = (
    "This cell did not run: it waited behind a cell whose result was lost when the connection "
    "to {where} went, and the kernel ran that cell on until it ended with {ename}. A kernel "
    "cancels the cells waiting behind one that fails. Run this cell again."
)
KERNEL_GONE = (
    "The kernel on {where} is gone, and its variables with it: run the cell again, or Start "
    "fresh in Tools → Session Explorer. (The server restarted, or shut the kernel down.)"
)


class TokenRefused(Unreachable):
    """The server runs and has the kernel, but refuses the token saved for it."""

    ename = "ServerRefusedToken"


class RemoteSession:
    """One kernel on the server, relayed to one notebook."""

    def __init__(
        self,
        runtime: RemoteRuntime,
        client: JupyterServerClient,
        kernel_id: str,
        kernel_name: str,
        relay: Any,
    ) -> None:
        self.id = kernel_id
        self.kernel_name = kernel_name
        self._client = client
        self.real = relay
        self.runtime_label = f"remote {client.address.display}"
        self.started_at: float | None = None  # see BoundSession
        self._runtime = runtime
        self._owner: SessionOwner | None = None
        #: The server said it no longer has the kernel: nothing to shut down there.
        self._gone = False
        #: How a run ended while its cell was already ended (the relay's `forgotten`) ended,
        #: if with an error: the kernel then cancels the notebook's runs queued behind it.
        self._failed_behind: str | None = None
        #: The runs were ended and the link marked lost (see _lost), until connected again.
        self._link_lost = False
        self._rejoining = False
        self._lost_at = 0.0  # the event loop's time
        self._asked_at = 0.0
        #: The last token the server answered to, and the saved token already warned about.
        self._good_token = client.token
        self._warned_token = ""
        #: The last ask was answered only with the token the server answered before.
        self._refused = False
        self._proxy = compat.create_proxy(self._on_event)
        relay.listen(self._proxy)
        self._watch = asyncio.ensure_future(self._watch_silence())

    @property
    def server(self) -> str:
        return self.client.address.display

    def attach(self, owner: SessionOwner | None) -> None:
        self._owner = owner
        self.real.attach(None if owner is None else owner.send)

    async def settled(self) -> None:
        return None

    async def enter(self, location: str) -> None:
        """A remote kernel works in the server's own folder: the notebook stays in the site."""
        return None

    def interrupt(self) -> bool:
        self._runtime.spawn(self._interrupt())
        return True

    async def _interrupt(self) -> None:
        """Interrupt; if the server does not take it, and does not list its kernels either,
        the runs end now rather than when the silence watch would end them."""
        try:
            await self.client.interrupt(self.id)
            return
        except ServerError as error:
            compat.log_error(f"interrupting {self.id} on {self.server} failed: {error}")
        owner = self._owner
        probe = await self._probe()
        if probe is None:
            self._token_refused("Interrupt and Restart fail, and the cell runs on")
            return
        if owner is None or owner is not self._owner or probe.alive:
            return
        self._end_for(owner, probe, float(self.real.silentSeconds()))

    async def _probe(self) -> KernelProbe | None:
        """Ask after the kernel with the saved token; None when the server does not answer it
        but answers the token that last worked: it runs, and refuses the saved one (the page
        cannot read a refusal: it looks like no answer at all)."""
        client = self.client
        probe = await client.probe_kernel(self.id)
        if probe.answered:
            self._good_token = client.token
            self._refused = False
            return probe
        if not self._good_token or self._good_token == client.token:
            self._refused = False
            return probe
        earlier = await client.with_token(self._good_token).probe_kernel(self.id)
        self._refused = earlier.alive
        return None if earlier.alive else probe

    def _token_refused(self, what: str) -> None:
        token = self.client.token
        if token != self._warned_token:  # once per saved token, not at every ask
            self._warned_token = token
            self._runtime.warn(TOKEN_REFUSED.format(where=self.server, what=what))

    async def restart(self) -> None:
        await self.client.restart(self.id)

    @property
    def gone(self) -> bool:
        """The server said it no longer has the kernel."""
        return self._gone

    @property
    def answered_token(self) -> str:
        """The last token the server answered this session's asks with."""
        return self._good_token

    @property
    def token_refused(self) -> bool:
        """The server answered the last ask only with the token it answered before: it runs,
        and refuses the token saved for it now."""
        return self._refused

    async def revive(self) -> bool:
        """Connect again if the server still has the kernel: True once connected; False when
        it has not (`gone` says whether the server said so); Unreachable when the server does
        not answer."""
        probe = await self._probe()
        if probe is None:
            compat.log_error(f"cannot reconnect: {self.server} refuses the saved token")
            raise TokenRefused(TOKEN_REFUSED.format(where=self.server, what=REFUSED_RECONNECT))
        if not probe.answered:
            compat.log_error(f"cannot reconnect: {self.server} does not answer ({probe.error})")
            raise Unreachable(NOT_ANSWERING.format(where=self.server))
        if not probe.alive:
            self._gone = probe.gone
            compat.log_error(f"cannot reconnect: the kernel is gone from {self.server}")
            return False
        try:
            await asyncio.wait_for(self.real.reconnect(), CONNECT_TIMEOUT)
        except Exception as error:
            compat.log_error(f"cannot reconnect to the kernel on {self.server}", error)
            return False
        self._link_lost = False
        return True

    @property
    def client(self) -> JupyterServerClient:
        """The server's client, with the token saved for the server now: a server started again
        has a new one, which the user enters in Settings (and Test connection accepts), while
        this session would go on asking with the old one and read the refusals as a server that
        does not answer. Every ask goes through here, so none of them can miss it; the relay's
        next connection takes it too."""
        client = self._client
        token = self._newly_saved_token()
        if token:
            client.use_token(token)
            self.real.useToken(token)
        return client

    def _newly_saved_token(self) -> str:
        """The token saved for the server now, if the session does not ask with it yet."""
        token = kernels_store.token_for(self._client.address)
        return token if token != self._client.token else ""

    def _show_still_running(self) -> None:
        """Connected again while the kernel still owes a run whose cell was ended while its
        server was silent (it ran on, or was queued): the session shows busy until that run
        ends (the relay passes its status on), not idle while the next cell waits behind it.
        Called on every connection, since KernelConnection also connects again by itself (after
        `resume`), with no Reconnect or run to notice it; the relay's own record says which run
        is owed, where the server's execution_state is only one answer at one moment."""
        owner = self._owner
        header = self.real.stillRunning()
        # Pyodide hands JS null over as jsnull, not None: read as a run, it showed busy for
        # ever after the kernel had finished every run (new-user pass, stop 25, defect 1).
        if owner is None or compat.is_null(header):
            return
        busy = compat.to_js(messages.status("busy", compat.to_py(header)))
        owner.send(busy)
        owner.observe(busy)

    def _on_event(self, kind: str, value: Any = None) -> None:
        owner = self._owner
        if owner is None:
            return
        if kind in ("message", "forgotten") and self._link_lost and not self._rejoining:
            self._rejoining = True
            self._runtime.spawn(self._rejoin())
        if kind == "message":
            owner.observe(value)
            self._explain_cancelled(owner, value)
        elif kind == "forgotten":  # of a run whose cell was ended (see _lost)
            owner.observe(value)
            if compat.header_field(value, "header", "msg_type") == "execute_reply":
                status = compat.header_field(value, "content", "status")
                if status == "error":
                    ename = compat.header_field(value, "content", "ename")
                    self._failed_behind = str(ename or "an error")
                elif status == "ok":
                    self._failed_behind = None
        elif kind == "connection":
            state = str(value)
            if state == "connected":
                self._link_lost = False
                owner.connection_changed("connected")
                self._show_still_running()
            elif state in ("connecting", "disconnected"):
                self._runtime.spawn(self._check_server())

    def _explain_cancelled(self, owner: SessionOwner, message: Any) -> None:
        """A cell cancelled by the kernel because a run the page had ended failed (an Interrupt
        of that run, say): JupyterLab shows a cancelled cell as never run, with no word."""
        if compat.header_field(message, "header", "msg_type") != "execute_reply":
            return
        status = compat.header_field(message, "content", "status")
        if status != "aborted":
            self._failed_behind = None  # the kernel ran one of the notebook's runs since
            return
        if self._failed_behind is None:
            return
        text = CANCELLED_BEHIND.format(where=self.server, ename=self._failed_behind)
        request = compat.message_part(message, "parent_header")
        owner.send(compat.to_js(messages.stream("stderr", text + "\n", request)))

    async def _rejoin(self) -> None:
        """The server speaks again after its runs were ended for its silence (it woke, and the
        kernel goes on with what it was sent): if it still has the kernel, the session is
        connected again now. The rows, counts and names said "not answering" until the user
        pressed Reconnect or ran a cell."""
        owner = self._owner
        try:
            was_refused = self._refused
            probe = await self._probe()
            if owner is None or owner is not self._owner or not self._link_lost:
                return
            if probe is None:
                # Asked again each minute: the notice, once per saved token, and the rows say
                # why it stays disconnected.
                if not was_refused:
                    owner.connection_changed("lost")
                self._token_refused(REFUSED_RECONNECT)
                return
            if probe.gone:
                # A server started again without the kernel: what Reconnect would learn. The
                # rows say "gone" now, and the asks stop (one a minute went on until the user
                # pressed Reconnect or ran a cell).
                self._gone = True
                owner.connection_changed("lost")
                return
            if not probe.alive:
                return
            # A WebSocket that dropped (the network gone for longer than _check_server's ask)
            # connects again only once told (its tries go without the token until then): the
            # next cell waited for ever behind a row that said "connected" (review, stop 28).
            self.real.resume()
            self._link_lost = False
            owner.connection_changed("connected")
            self._show_still_running()
        finally:
            self._rejoining = False

    async def _check_server(self) -> None:
        """The WebSocket dropped: tell a dead server from a passing drop within the 5 s the
        cell may wait. A kernel that still exists is left to KernelConnection's reconnect."""
        owner = self._owner
        where = self.server
        probe = await self._probe()
        if probe is not None and probe.alive:
            self.real.resume()  # a passing drop: the relay connects again, with the token
            return
        if probe is None:
            # The relay would connect again with the refused token: the kernel runs on, but
            # what the running cell prints from now on cannot reach the page.
            why = TOKEN_REFUSED.format(where=where, what=REFUSED_DROPPED)
        else:
            self._gone = probe.gone
            why = (KERNEL_GONE if probe.answered else SERVER_GONE).format(where=where)
        if owner is None or owner is not self._owner:
            return
        self._lost(owner, why)

    async def _watch_silence(self) -> None:
        """End the runs of a server that went silent (its process stopped, the network gone):
        its WebSocket stays open and no drop is ever seen. A long, quiet cell on a server that
        answers is left alone."""
        asked_at = 0.0  # the silence (seconds) when the server last answered the ask
        while True:
            await asyncio.sleep(SILENCE_SECONDS / 3)
            owner = self._owner
            if owner is not None and self._link_lost:
                if self._gone:
                    continue  # nothing to rejoin: Start fresh, or a run, starts a new kernel
                # A woken server may have nothing to say by itself (a cell running quietly).
                now = asyncio.get_event_loop().time()
                soon = now - self._lost_at < REJOIN_SOON
                # A token saved since the last ask is tried at once: the row said the saved
                # token was refused for up to a minute after the right one was saved
                # (new-user pass, stop 28, D1).
                late = now - self._asked_at >= REJOIN_LATER
                if not self._rejoining and (soon or late or self._newly_saved_token()):
                    self._rejoining = True
                    self._asked_at = now
                    await self._rejoin()
                continue
            if owner is None or not self.real.unansweredRuns():
                continue
            silent = float(self.real.silentSeconds())
            if silent < asked_at:
                asked_at = 0.0  # the server spoke since
            # Asked once per SILENCE_SECONDS of silence, so an hour-long cell costs the server
            # a kernel list every 15 s, not more.
            if silent < asked_at + SILENCE_SECONDS:
                continue
            probe = await self._probe()
            if probe is not None and not probe.answered:
                await asyncio.sleep(ASK_AGAIN_SECONDS)
                probe = await self._probe()
            if owner is not self._owner or float(self.real.silentSeconds()) < silent:
                continue  # closed meanwhile, or the server spoke after all
            if probe is None:  # the server runs; its kernel goes on with the cell
                self._token_refused("this session's cells run on, but Interrupt and Restart fail")
                asked_at = silent
                continue
            if probe.alive:
                asked_at = silent
                continue
            # The silence now, asks included: what the user waited (it said 15-20 s after
            # 25-30 s of waiting: new-user pass, D4).
            self._end_for(owner, probe, float(self.real.silentSeconds()))

    def _end_for(self, owner: SessionOwner, probe: KernelProbe, silent: float) -> None:
        """End the runs of a kernel the server no longer has, or of a server that answered
        nothing for `silent` seconds."""
        self._gone = probe.gone
        where = self.server
        if probe.answered:
            self._lost(owner, KERNEL_GONE.format(where=where))
            return
        compat.log_error(f"the server at {where} went silent: {probe.error}")
        # Its socket holds the runs sent meanwhile, and it may run them when it wakes.
        why = SERVER_SILENT.format(where=where, seconds=silent)
        self._lost(owner, why, SENT_BEFORE_SILENCE.format(where=where))

    def _lost(self, owner: SessionOwner, why: str, queued_why: str = "") -> None:
        """The link is lost: the runs the server has not answered end with `why` (the running
        one) and `queued_why` (those behind it; aborted without one)."""
        unanswered = compat.to_py(self.real.takeUnanswered())
        owner.end_running_cell("ServerConnectionLost", why, unanswered, queued_why)
        self._link_lost = True
        self._lost_at = asyncio.get_event_loop().time()
        owner.connection_changed("lost")

    async def _call(self, what: str, call: Any) -> None:
        try:
            await call
        except ServerError as error:
            compat.log_error(f"{what} {self.id} on {self.server} failed: {error}")

    def let_go(self) -> None:
        """Stop relaying; the kernel runs on, on the server."""
        self._watch.cancel()
        self.real.dispose()
        compat.destroy_proxy(self._proxy)

    def dispose(self) -> None:
        """Stop relaying, and shut the kernel down on the server."""
        self.let_go()
        if not self._gone:
            # (A DELETE of a kernel the server no longer has is a 404 without CORS headers.)
            self._runtime.spawn(self._call("shutting down", self.client.delete(self.id)))
        kernels_store.forget(self.id)


class RemoteRuntime:
    """Sessions on the server that the settings name. No cap: the server is the user's."""

    kind = "remote"
    prepares = False

    def __init__(
        self,
        handles: Any,
        site_url: str,
        configuration: Callable[[], tuple[ServerAddress | None, str, str]],
        spawn: Callable[[Coroutine[Any, Any, Any]], None],
        notebook_path: Callable[[Hashable], str] = lambda _ticket: "",
        tab_id: str = "",
    ) -> None:
        """`configuration` gives the server, its token and the kernelspec name, as set now;
        `spawn` runs the calls nobody waits for (interrupt, shutdown, the link check);
        `tab_id` names this page in the kernels' records (see kernels_store.detached)."""
        self._handles = handles
        self._site_url = site_url
        self._configuration = configuration
        self.spawn = spawn
        self._notebook_path = notebook_path
        self.tab_id = tab_id
        #: Set by the controller (see controller/detached_kernels.py): given the client, the
        #: ticket and the kernelspec name, a notebook's kernel left by a page now gone, connected
        #: again, or None to start a new one.
        #: Set by the controller: a notice for what no cell can say.
        self.warn: Callable[[str], None] = lambda message: compat.log_error(message)
        self.reclaim: (
            Callable[[JupyterServerClient, Hashable, str], Awaitable[RemoteSession | None]] | None
        ) = None

    @property
    def where(self) -> str:
        address = self._configuration()[0]
        server = (
            "a Jupyter Server" if address is None else f"the Jupyter Server at {address.display}"
        )
        return f"on {server} (remote)"

    async def acquire(self, ticket: Hashable, watch: Watch | None = None) -> RemoteSession:
        address, token, kernel_name = self._configuration()
        if address is None:
            raise ServerError(
                "No Jupyter Server is set: enter its Base URL and Token in Settings → Runtime…"
            )
        client = JupyterServerClient(address, token, self._site_url)
        if self.reclaim is not None:
            kept = await self.reclaim(client, ticket, kernel_name)
            if kept is not None:
                return kept
        try:
            model = await client.create_kernel(kernel_name, self._notebook_path(ticket))
        except ServerError as error:
            raise ServerError(f"{error} See Settings → Runtime… (Test connection).") from None
        kernels_store.remember(
            kernels_store.KernelRecord(
                model.id,
                model.name,
                address.base_url,
                time.time(),
                self._notebook_path(ticket),
                self.tab_id,
            )
        )
        try:
            return await self.connect(client, model.id, model.name)
        except Exception:
            self.spawn(client.delete(model.id))
            kernels_store.forget(model.id)
            raise

    async def connect(
        self, client: JupyterServerClient, kernel_id: str, kernel_name: str
    ) -> RemoteSession:
        """A relay to an existing kernel: a new one, or a detached one being reconnected."""
        relay = await self._handles.remoteKernel(
            compat.to_js(
                {
                    "baseUrl": client.address.base_url,
                    "wsUrl": client.address.ws_url,
                    "kernelId": kernel_id,
                    "kernelName": kernel_name,
                    "timeoutMs": int(CONNECT_TIMEOUT * 1000),
                }
            ),
            client.token,
        )
        return RemoteSession(self, client, kernel_id, kernel_name, relay)

    async def prepare(self, owner: Any, session: Any) -> object:
        return None

    def release(self, session: Any) -> None:
        session.dispose()

    def position(self, ticket: Hashable) -> int | None:
        return None

    def cancel_wait(self, ticket: Hashable) -> bool:
        return False

    def waiting_text(self, position: int) -> str:
        return ""
