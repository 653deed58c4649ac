"""A remote session whose server goes silent (its process stopped, the network gone) while runs
wait: the WebSocket stays open, so only asking the server tells it from a long, quiet cell."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from inkrider_lite.protocol.server_api import KernelModel
from inkrider_lite.runtimes.remote import runtime as remote_runtime
from inkrider_lite.runtimes.remote.address import parse_base_url
from inkrider_lite.runtimes.remote.client import KernelProbe, ServerError
from inkrider_lite.runtimes.remote.runtime import RemoteRuntime, RemoteSession

RUN = {"msg_id": "run-1", "msg_type": "execute_request", "session": "notebook"}


class Relay:
    """The loader's relay, as far as the watch reads it."""

    def __init__(self, silent: float) -> None:
        self.silent = silent
        self.unanswered = [RUN]
        self.resumed = 0

    def resume(self) -> None:
        self.resumed += 1

    def listen(self, _listener: Any) -> None: ...

    def attach(self, _send: Any) -> None: ...

    def unansweredRuns(self) -> int:
        return len(self.unanswered)

    def silentSeconds(self) -> float:
        return self.silent

    def takeUnanswered(self) -> list[dict[str, str]]:
        taken, self.unanswered = self.unanswered, []
        return taken

    def dispose(self) -> None: ...

    def stillRunning(self) -> None:
        return None


class Client:
    def __init__(self, *answers: bool | str) -> None:
        """Each probe's outcome in turn: True (the kernel is alive), False (no answer) or
        "gone" (the server answered without the kernel)."""
        self.address = parse_base_url("http://127.0.0.1:9999")
        self.answers = list(answers)
        self.asked = 0
        self.token = "old-token"

    def use_token(self, token: str) -> None:
        self.token = token

    async def probe_kernel(self, kernel_id: str) -> KernelProbe:
        answer = self.answers[min(self.asked, len(self.answers) - 1)]
        self.asked += 1
        if answer is False:
            return KernelProbe(error=TimeoutError("no answer"))
        alive = answer is True
        return KernelProbe(model=KernelModel(kernel_id, "python3", "busy") if alive else None)


class RefusingClient(Client):
    """A server that does not take the interrupt (it times out)."""

    async def interrupt(self, kernel_id: str) -> None:
        raise ServerError("The server did not interrupt the kernel: no answer")


class Owner:
    def __init__(self) -> None:
        self.ended: list[tuple[str, str, list[dict[str, str]], str]] = []
        self.links: list[str] = []
        self.send = None

    def end_running_cell(
        self, ename: str, evalue: str, unanswered: Any = (), queued_evalue: str = ""
    ) -> None:
        self.ended.append((ename, evalue, list(unanswered), queued_evalue))

    def connection_changed(self, state: str) -> None:
        self.links.append(state)


async def watched(relay: Relay, client: Client) -> Owner:
    runtime = RemoteRuntime(None, "", lambda: (None, "", ""), asyncio.ensure_future)
    session = RemoteSession(runtime, client, "k1", "python3", relay)  # type: ignore[arg-type]
    owner = Owner()
    session.attach(owner)  # type: ignore[arg-type]
    await asyncio.sleep(0.2)
    session.let_go()
    return owner


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(remote_runtime, "SILENCE_SECONDS", 0.09)
    monkeypatch.setattr(remote_runtime, "ASK_AGAIN_SECONDS", 0.01)


def test_a_server_that_answers_neither_ask_ends_the_runs_and_the_link() -> None:
    owner = asyncio.run(watched(Relay(silent=1.0), Client(False)))
    ((ename, why, unanswered, queued_why),) = owner.ended
    assert ename == "ServerConnectionLost" and "has not answered for 1 s" in why
    # A wrong token saved meanwhile looks the same to the page, and a new user took it for a
    # dead server (new-user pass, stop 25, defect 2): the text says where to check.
    assert "check the token saved in Settings → Runtime… with Test connection" in why
    # A cell sent while the server was paused runs when it wakes: it said only "lost"
    # (new-user pass, stop 28).
    assert "The server may still run it once it answers again" in why
    assert unanswered == [RUN]
    # The runs behind it were sent: the server may run them when it wakes, and they say so.
    assert "may still run it once it answers again" in queued_why
    assert owner.links == ["lost"]


def test_a_server_that_wakes_gets_the_session_connected_again_by_itself() -> None:
    """It said "not answering" until the user pressed Reconnect or ran a cell, though the
    kernel went on with the runs it had been sent (a quiet cell says nothing by itself)."""
    relay = Relay(silent=1.0)
    owner = asyncio.run(watched(relay, Client(False, False, True)))
    assert [e[0] for e in owner.ended] == ["ServerConnectionLost"]
    assert owner.links == ["lost", "connected"]
    # A WebSocket that dropped meanwhile connects again only once told: the next cell waited
    # for ever behind "connected" (review, stop 28).
    assert relay.resumed == 1


def test_a_lost_link_is_asked_after_less_often_once_the_first_minute_is_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each ask that fails is a console line with the token: not one every 5 s for an hour."""
    monkeypatch.setattr(remote_runtime, "REJOIN_SOON", 0.0)
    monkeypatch.setattr(remote_runtime, "REJOIN_LATER", 100.0)
    client = Client(False)
    owner = asyncio.run(watched(Relay(silent=1.0), client))
    assert owner.links == ["lost"]
    # Two asks before the runs ended, one after; some 5 more turns of the watch ask nothing.
    assert client.asked == 3, client.asked


def test_a_long_quiet_cell_on_a_server_that_answers_goes_on() -> None:
    client = Client(True)
    owner = asyncio.run(watched(Relay(silent=1.0), client))
    assert owner.ended == [] and owner.links == []
    assert client.asked >= 1  # it was asked, and said the kernel is there


def test_a_server_that_answers_is_asked_once_per_silence_period() -> None:
    class Growing(Relay):
        def silentSeconds(self) -> float:
            self.silent += 0.03  # one watch turn's worth
            return self.silent

    client = Client(True)
    asyncio.run(watched(Growing(silent=0.09), client))
    # About 6 turns of 0.03 s over 0.2 s: the silence grew by 0.2 s, so 2 or 3 asks, not 6.
    assert 1 <= client.asked <= 3, client.asked


def test_a_server_started_again_without_the_kernel_is_learnt_gone_and_no_longer_asked() -> None:
    """It was asked after once a minute, and the rows said "unreachable", until the user
    pressed Reconnect or ran a cell."""

    async def main() -> tuple[RemoteSession, Owner]:
        runtime = RemoteRuntime(None, "", lambda: (None, "", ""), asyncio.ensure_future)
        session = RemoteSession(runtime, client, "k1", "python3", Relay(silent=1.0))  # type: ignore[arg-type]
        owner = Owner()
        session.attach(owner)  # type: ignore[arg-type]
        await asyncio.sleep(0.3)
        session.let_go()
        return session, owner

    client = Client(False, False, "gone")
    session, owner = asyncio.run(main())
    assert [e[0] for e in owner.ended] == ["ServerConnectionLost"]
    assert session.gone
    assert owner.links == ["lost", "lost"]  # the second: what shows it learns it is gone
    assert client.asked == 3, client.asked  # some 8 more turns of the watch asked nothing


def test_one_late_answer_is_not_a_silent_server() -> None:
    owner = asyncio.run(watched(Relay(silent=1.0), Client(False, True)))
    assert owner.ended == []


def test_a_server_that_lost_the_kernel_says_so() -> None:
    owner = asyncio.run(watched(Relay(silent=1.0), Client("gone")))
    assert "The kernel on 127.0.0.1:9999 is gone" in owner.ended[0][1]


def test_nothing_is_asked_while_the_server_speaks_or_no_run_waits() -> None:
    talking = Client(False)
    assert asyncio.run(watched(Relay(silent=0.01), talking)).ended == []
    idle_relay = Relay(silent=1.0)
    idle_relay.unanswered = []
    idle = Client(False)
    assert asyncio.run(watched(idle_relay, idle)).ended == []
    assert talking.asked == idle.asked == 0


def test_an_interrupt_a_silent_server_does_not_take_ends_the_runs_at_once() -> None:
    async def main(client: Client) -> Owner:
        runtime = RemoteRuntime(None, "", lambda: (None, "", ""), asyncio.ensure_future)
        relay = Relay(silent=3.0)
        session = RemoteSession(runtime, client, "k1", "python3", relay)  # type: ignore[arg-type]
        owner = Owner()
        session.attach(owner)  # type: ignore[arg-type]
        session.interrupt()
        await asyncio.sleep(0.02)  # less than one turn of the watch
        session.let_go()
        return owner

    ((_ename, why, unanswered, _queued),) = asyncio.run(main(RefusingClient(False))).ended
    assert "has not answered for 3 s" in why and unanswered == [RUN]
    # A server that lists the kernel is only slow to interrupt: nothing ends.
    assert asyncio.run(main(RefusingClient(True))).ended == []


class WakingRelay(Relay):
    """The relay once the server answers again: the run it took may still be running."""

    def __init__(self, still_running: dict[str, str] | None) -> None:
        super().__init__(silent=0.0)
        self.still_running = still_running
        self.listener: Any = None

    def listen(self, listener: Any) -> None:
        self.listener = listener

    async def reconnect(self) -> None:
        self.listener("connection", "connected")

    def stillRunning(self) -> dict[str, str] | None:
        return self.still_running


class Listener(Owner):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[Any] = []
        self.observed: list[Any] = []
        self.send = self.sent.append  # type: ignore[assignment]

    def observe(self, message: Any) -> None:
        self.observed.append(message)


@pytest.mark.parametrize(
    ("server_says", "still_running", "shows_busy"),
    # The relay's record decides, not the server's execution_state at the moment it was asked.
    [("busy", RUN, True), ("idle", RUN, True), ("busy", None, False)],
)
def test_a_kernel_still_running_an_ended_cell_shows_busy_after_reconnect(
    server_says: str, still_running: dict[str, str] | None, shows_busy: bool
) -> None:
    """A cell ended while the server was silent may still run when it wakes: the next cell
    waits behind it, and the session says busy meanwhile rather than idle."""

    class Answering(Client):
        async def probe_kernel(self, kernel_id: str) -> KernelProbe:
            return KernelProbe(model=KernelModel(kernel_id, "python3", server_says))

    async def main() -> Listener:
        runtime = RemoteRuntime(None, "", lambda: (None, "", ""), asyncio.ensure_future)
        relay = WakingRelay(still_running)
        session = RemoteSession(runtime, Answering(), "k1", "python3", relay)  # type: ignore[arg-type]
        owner = Listener()
        session.attach(owner)  # type: ignore[arg-type]
        assert await session.revive()
        session.let_go()
        return owner

    owner = asyncio.run(main())
    if not shows_busy:
        assert owner.sent == owner.observed == []
        return
    (status,) = owner.sent
    assert owner.observed == [status]
    assert status["header"]["msg_type"] == "status"
    assert status["content"] == {"execution_state": "busy"}
    assert status["parent_header"] == RUN and status["header"]["session"] == "notebook"


def test_a_connection_back_by_itself_shows_the_run_still_owed_too() -> None:
    """KernelConnection may connect again by itself (a drop the server answered for): the run
    still owed shows as busy then as well, not only after a Reconnect or a run."""

    async def main() -> Listener:
        runtime = RemoteRuntime(None, "", lambda: (None, "", ""), asyncio.ensure_future)
        relay = WakingRelay(RUN)
        session = RemoteSession(runtime, Client(True), "k1", "python3", relay)  # type: ignore[arg-type]
        owner = Listener()
        session.attach(owner)  # type: ignore[arg-type]
        relay.listener("connection", "connected")
        session.let_go()
        return owner

    owner = asyncio.run(main())
    assert owner.links == ["connected"]
    (status,) = owner.sent
    assert status["content"] == {"execution_state": "busy"} and status["parent_header"] == RUN


def reply(request: str, status: str, ename: str = "") -> dict[str, Any]:
    content = {"status": status, **({"ename": ename} if ename else {})}
    parent = {"msg_id": request, "msg_type": "execute_request", "session": "notebook"}
    return {"header": {"msg_type": "execute_reply"}, "parent_header": parent, "content": content}


def test_a_cell_the_kernel_cancels_behind_a_failed_ended_run_says_why() -> None:
    """A run whose cell the page ended (the server was silent) runs on when the server wakes;
    Interrupt it, and the kernel cancels the cell waiting behind it: JupyterLab shows that cell
    as never run, with no word. The relay tells Python of the ended runs apart ('forgotten')."""

    class Listening(Relay):
        def listen(self, listener: Any) -> None:
            self.listener = listener

    class Seeing(Owner):
        def __init__(self) -> None:
            super().__init__()
            self.sent: list[dict[str, Any]] = []
            self.send = self.sent.append  # type: ignore[assignment]

        def observe(self, _message: Any) -> None: ...

    async def scenario() -> Seeing:
        relay = Listening(silent=0.0)
        runtime = RemoteRuntime(None, "", lambda: (None, "", ""), asyncio.ensure_future)
        session = RemoteSession(runtime, Client(True), "k1", "python3", relay)  # type: ignore[arg-type]
        owner = Seeing()
        session.attach(owner)  # type: ignore[arg-type]
        tell = relay.listener
        tell("forgotten", reply("ended", "error", "KeyboardInterrupt"))
        tell("forgotten", reply("ended-too", "aborted"))  # queued behind it, also ended
        tell("message", reply("waiting", "aborted"))
        tell("message", reply("next", "ok"))
        tell("message", reply("later", "aborted"))  # behind a failure of its own: no word
        session.let_go()
        return owner

    owner = asyncio.run(scenario())
    (note,) = owner.sent
    assert note["header"]["msg_type"] == "stream" and note["content"]["name"] == "stderr"
    assert note["parent_header"]["msg_id"] == "waiting"
    assert note["header"]["session"] == "notebook"  # how JupyterLite finds the notebook
    text = note["content"]["text"]
    assert text.startswith("This cell did not run") and "KeyboardInterrupt" in text
    assert "127.0.0.1:9999" in text and "Run this cell again." in text


def test_a_session_asks_with_the_token_saved_for_its_server_now() -> None:
    """The server was started again, with a new token, which the user saved in Settings: the
    open session's Reconnect asked with the old one, and read the refusals (no CORS headers)
    as a server that does not answer."""
    from inkrider_lite.runtimes.remote import kernels_store

    class Tokened(Relay):
        def __init__(self, silent: float) -> None:
            super().__init__(silent)
            self.tokens: list[str] = []

        def useToken(self, token: str) -> None:
            self.tokens.append(token)

        async def reconnect(self) -> None: ...

    class Asking(Client):
        def __init__(self) -> None:
            super().__init__(True)
            self.tokens_asked: list[str] = []

        async def probe_kernel(self, kernel_id: str) -> KernelProbe:
            self.tokens_asked.append(self.token)
            return await super().probe_kernel(kernel_id)

    async def scenario() -> tuple[Tokened, Asking]:
        relay = Tokened(silent=0.0)
        runtime = RemoteRuntime(None, "", lambda: (None, "", ""), asyncio.ensure_future)
        asking = Asking()
        session = RemoteSession(runtime, asking, "k1", "python3", relay)  # type: ignore[arg-type]
        assert await session.revive()  # nothing saved for the server: the token it has
        kernels_store.save_token(asking.address.base_url, "new-token")
        try:
            assert await session.revive()
        finally:
            kernels_store.save_token(asking.address.base_url, "")
            session.let_go()
        return relay, asking

    relay, asking = asyncio.run(scenario())
    assert asking.tokens_asked == ["old-token", "new-token"]
    assert relay.tokens == ["new-token"]  # the WebSocket's next connection too


@pytest.mark.parametrize(
    ("probe", "answered", "alive", "gone"),
    [
        (KernelProbe(error=TimeoutError("no answer")), False, False, False),
        (KernelProbe(model=None), True, False, True),
        (KernelProbe(model=KernelModel("k", "python3", "dead")), True, False, False),
        (KernelProbe(model=KernelModel("k", "python3", "idle")), True, True, False),
    ],
)
def test_a_probe_says_gone_only_when_the_server_answered_without_the_kernel(
    probe: KernelProbe, answered: bool, alive: bool, gone: bool
) -> None:
    assert (probe.answered, probe.alive, probe.gone) == (answered, alive, gone)


class TokenServer(RefusingClient):
    """A server that runs on and answers only `old-token`: a wrong one saved meanwhile reads as
    no answer (its refusal has no CORS headers)."""

    def with_token(self, token: str) -> TokenServer:
        other = TokenServer(True)
        other.token = token
        return other

    async def probe_kernel(self, kernel_id: str) -> KernelProbe:
        if self.token != "old-token":
            return KernelProbe(error=TimeoutError("no answer"))
        return KernelProbe(model=KernelModel(kernel_id, "python3", "busy"))


class TokenRelay(Relay):
    """A relay that hears the session's events and reconnects when asked."""

    def __init__(self, silent: float) -> None:
        super().__init__(silent)
        self.listener: Any = None
        self.reconnected = 0

    def listen(self, listener: Any) -> None:
        self.listener = listener

    def useToken(self, _token: str) -> None: ...

    async def reconnect(self) -> None:
        self.reconnected += 1


def warned_session(server: Client, relay: Relay) -> tuple[RemoteSession, Owner, list[str]]:
    """A session on `server`, attached to an owner, and the notices its runtime gave."""
    runtime = RemoteRuntime(None, "", lambda: (None, "", ""), asyncio.ensure_future)
    warned: list[str] = []
    runtime.warn = warned.append
    session = RemoteSession(runtime, server, "k1", "python3", relay)  # type: ignore[arg-type]
    owner = Owner()
    session.attach(owner)  # type: ignore[arg-type]
    return session, owner, warned


@pytest.mark.parametrize("interrupt", [False, True])
def test_a_wrong_token_saved_meanwhile_leaves_the_run_and_says_so(interrupt: bool) -> None:
    """A new user saved a wrong token while a quiet cell ran on a healthy server: the cell was
    ended as if the server were dead, its result lost (new-user pass, stop 27, D2)."""
    from inkrider_lite.runtimes.remote import kernels_store

    async def scenario() -> tuple[Owner, list[str]]:
        server = TokenServer(True)
        session, owner, warned = warned_session(server, TokenRelay(silent=1.0))
        kernels_store.save_token(server.address.base_url, "wrong-token")
        try:
            if interrupt:
                assert session.interrupt()
            await asyncio.sleep(0.3)  # the silence watch asks several times meanwhile
        finally:
            kernels_store.save_token(server.address.base_url, "")
            session.let_go()
        return owner, warned

    owner, warned = asyncio.run(scenario())
    assert owner.ended == [] and owner.links == []  # the run goes on: the server runs it
    (warning,) = warned  # once, not at every ask
    assert warning.startswith("The Jupyter Server at 127.0.0.1:9999 refuses the token saved")
    if interrupt:
        assert "Interrupt and Restart fail, and the cell runs on" in warning


def test_reconnect_with_a_wrong_saved_token_names_the_token_and_connects_once_it_is_right() -> None:
    """The server was paused, the cell ended, and the user saved a wrong token meanwhile: once
    the server woke, Reconnect and the next run said it was not answering (start it again),
    though it ran, with the kernel and its variables (review, stop 28)."""
    from inkrider_lite.runtimes.base import Unreachable
    from inkrider_lite.runtimes.remote import kernels_store

    async def scenario() -> tuple[str, str, bool, int]:
        runtime = RemoteRuntime(None, "", lambda: (None, "", ""), asyncio.ensure_future)
        server = TokenServer(True)
        relay = TokenRelay(silent=0.0)
        session = RemoteSession(runtime, server, "k1", "python3", relay)  # type: ignore[arg-type]
        kernels_store.save_token(server.address.base_url, "wrong-token")
        try:
            with pytest.raises(Unreachable) as refused:
                await session.revive()
            kernels_store.save_token(server.address.base_url, "old-token")
            revived = await session.revive()
        finally:
            kernels_store.save_token(server.address.base_url, "")
            session.let_go()
        return str(refused.value), refused.value.ename, revived, relay.reconnected

    text, ename, revived, reconnected = asyncio.run(scenario())
    assert text.startswith("The Jupyter Server at 127.0.0.1:9999 refuses the token saved")
    assert "enter the right one there" in text and "variables kept" in text
    assert "not answering" not in text
    assert ename == "ServerRefusedToken"  # what the cell that could not run shows
    assert revived and reconnected == 1  # only once the right token was saved


def test_a_lost_session_that_its_woken_server_answers_only_with_the_old_token_says_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """It asked each minute with the wrong token, in silence: the rows said "not answering"
    while the server ran (review, stop 28). Once the right token was saved, the rows still said
    it was refused for up to a minute, until the next ask (new-user pass, stop 28, D1)."""
    from inkrider_lite.runtimes.remote import kernels_store

    class Waking(TokenServer):
        """Silent for the first two asks (the pause that ended the cell), then awake."""

        asks = 0

        def with_token(self, token: str) -> Waking:
            other = Waking(True)
            other.token = token
            return other

        async def probe_kernel(self, kernel_id: str) -> KernelProbe:
            Waking.asks += 1
            if Waking.asks <= 2:
                return KernelProbe(error=TimeoutError("no answer"))
            return await super().probe_kernel(kernel_id)

    async def scenario() -> tuple[Owner, list[str]]:
        server = Waking(True)
        session, owner, warned = warned_session(server, TokenRelay(silent=1.0))
        try:
            while not owner.ended:
                await asyncio.sleep(0.01)
            session_refused.append(session.token_refused)
            kernels_store.save_token(server.address.base_url, "wrong-token")
            await asyncio.sleep(0.3)  # the watch asks again after the lost link, several times
            session_refused.append(session.token_refused)
            # Past the first minute of the loss: asked once a minute, unless a token is saved.
            monkeypatch.setattr(remote_runtime, "REJOIN_SOON", 0.0)
            monkeypatch.setattr(remote_runtime, "REJOIN_LATER", 100.0)
            await asyncio.sleep(0.2)
            assert owner.links == ["lost", "lost"]
            kernels_store.save_token(server.address.base_url, "old-token")
            await asyncio.sleep(0.1)  # a turn of the watch or two
            session_refused.append(session.token_refused)
        finally:
            kernels_store.save_token(server.address.base_url, "")
            session.let_go()
        return owner, warned

    session_refused: list[bool] = []
    owner, warned = asyncio.run(scenario())
    assert [e[0] for e in owner.ended] == ["ServerConnectionLost"]
    # Not connected (the relay would use the refused token); the second: what tells the rows
    # why, once, though it is asked again and again.
    # then connected at once when the right one is saved.
    assert owner.links == ["lost", "lost", "connected"]
    (warning,) = warned  # once, not at every ask
    assert warning.startswith("The Jupyter Server at 127.0.0.1:9999 refuses the token saved")
    assert "stays disconnected" in warning
    # What the rows read: before, after the asks, and once the right token is saved.
    assert session_refused == [False, True, False]


def test_a_dropped_connection_with_a_wrong_saved_token_is_not_called_a_dead_server() -> None:
    from inkrider_lite.runtimes.remote import kernels_store

    async def scenario() -> tuple[Owner, TokenRelay]:
        runtime = RemoteRuntime(None, "", lambda: (None, "", ""), asyncio.ensure_future)
        server = TokenServer(True)
        relay = TokenRelay(silent=0.0)
        session = RemoteSession(runtime, server, "k1", "python3", relay)  # type: ignore[arg-type]
        owner = Owner()
        session.attach(owner)  # type: ignore[arg-type]
        kernels_store.save_token(server.address.base_url, "wrong-token")
        try:
            relay.listener("connection", "disconnected")
            await asyncio.sleep(0.05)
        finally:
            kernels_store.save_token(server.address.base_url, "")
            session.let_go()
        return owner, relay

    owner, relay = asyncio.run(scenario())
    ((ename, why, _unanswered, _queued),) = owner.ended
    assert ename == "ServerConnectionLost"
    assert why.startswith("The Jupyter Server at 127.0.0.1:9999 refuses the token saved")
    assert "stopped answering" not in why and relay.resumed == 0
