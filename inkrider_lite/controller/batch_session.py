"""A batch notebook's session: a routing kernel that no notebook panel holds, whose messages
come to the Execution Tool instead of to a notebook.

It binds like any other (controller/routing_kernel.py): a slot from the runtime's limiter,
waiting in line while none is free, then the folder's requirements.txt, then its cells. It is
listed in the session registry, so the Session Explorer and the status item count it, and
closing it there ends its run. This is the `KernelPort` of execution/notebook_run.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import platform
import posixpath
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .._compat import compat
from ..execution.notebook_run import SessionStartError, execute_request_content
from ..execution.outputs import Message
from ..execution.states import InvalidRunTransition, NotebookRun, RunState
from ..protocol import messages
from ..sessions.lifecycle import SessionState
from .routing_kernel import RoutingKernel

if TYPE_CHECKING:
    from ..runtimes.base import BoundSession, Runtime
    from .session_registry import SessionRegistry

#: Seconds to wait for the kernel_info_reply that gives the notebook its language_info.
KERNEL_INFO_TIMEOUT = 10.0
#: Seconds before the proxy JavaScript calls with messages is freed; late ones may still come.
PROXY_GRACE = 10.0

#: What a batch run shows while its routing kernel is in each state of its start.
_START_STATES = {
    SessionState.WAITING: RunState.QUEUED,
    SessionState.STARTING: RunState.STARTING,
    SessionState.INSTALLING: RunState.INSTALLING,
}


class BatchSession:
    def __init__(
        self,
        path: str,
        runtime: Runtime,
        registry: SessionRegistry,
        on_change: Callable[[RoutingKernel], None],
    ) -> None:
        self.path = path
        self._registry = registry
        self._on_change = on_change
        self._session_id = f"inkrider-batch-{uuid.uuid4().hex}"
        # JavaScript (a remote session's relay) may keep the send function: a proxy.
        self._send = compat.create_proxy(self._receive)
        #: request msg_id → (where its messages go, settled once it is idle again)
        self._requests: dict[str, tuple[Callable[[Message], None], asyncio.Future[None]]] = {}
        self._run: NotebookRun | None = None
        self.kernel = RoutingKernel(
            f"batch-{uuid.uuid4().hex[:12]}",
            "python",
            posixpath.dirname(path),
            self._send,
            lambda: runtime,
            self._changed,
        )
        registry.kernels[self.kernel.id] = self.kernel
        registry.batch_paths[self.kernel.id] = path
        self.keep = False

    # -- KernelPort ---------------------------------------------------------------------------

    async def start(self, run: NotebookRun) -> None:
        """Bind with a silent empty request, as a first run would: it waits for a slot and
        installs the folder's requirements before it ends."""
        self._run = run
        try:
            replies: list[Message] = []
            await self._request(
                "execute_request",
                {**execute_request_content(""), "silent": True, "store_history": False},
                replies.append,
            )
        finally:
            self._run = None
        reply = next((m for m in replies if _type(m) == "execute_reply"), None)
        content = (reply or {}).get("content") or {}
        # The start's own words (the requirements lines not installed) come as stderr.
        run.notes = "".join(
            str((m.get("content") or {}).get("text") or "")
            for m in replies
            if _type(m) == "stream" and (m.get("content") or {}).get("name") == "stderr"
        ).strip()
        if content.get("status") == "aborted":
            raise SessionStartError("its wait for a session was cancelled")
        if content.get("status") == "error":
            raise SessionStartError(
                f"its session could not start: {content.get('ename')}: {content.get('evalue')}"
            )
        if self.kernel.session is None:
            raise SessionStartError("its session could not start")

    async def execute(self, code: str, on_message: Callable[[Message], None]) -> None:
        if self.kernel.session is None:  # closed from the Session Explorer meanwhile
            raise SessionStartError("its session was closed")
        await self._request("execute_request", execute_request_content(code), on_message)

    async def language_info(self) -> Mapping[str, Any] | None:
        replies: list[Message] = []
        try:
            await asyncio.wait_for(
                self._request("kernel_info_request", {}, replies.append, until="reply"),
                KERNEL_INFO_TIMEOUT,
            )
        except TimeoutError:
            return None
        for reply in replies:
            if _type(reply) == "kernel_info_reply":
                info = (reply.get("content") or {}).get("language_info")
                if not isinstance(info, dict):
                    return None
                runtime = self.kernel.runtime
                if runtime is not None and runtime.kind == "local":
                    return messages.with_python_version(info, platform.python_version())
                return info
        return None

    # -- ending ------------------------------------------------------------------------------

    def interrupt(self) -> None:
        self.kernel.interrupt()

    def end(self) -> None:
        """Let the session go (its slot goes to the next in line) and forget the kernel."""
        self.kernel.dispose()
        self._forget()

    def hand_over(self) -> tuple[Runtime, BoundSession] | None:
        """The kept session, for the notebook's own kernel; this batch kernel is forgotten."""
        taken = self.kernel.hand_over()
        if taken is not None:
            self.keep = False
            self._forget()
        return taken

    def _forget(self) -> None:
        self._registry.kernels.pop(self.kernel.id, None)
        self._registry.batch_paths.pop(self.kernel.id, None)
        for _on_message, done in self._requests.values():
            if not done.done():
                done.set_exception(SessionStartError("its session was closed"))
        self._requests.clear()
        proxy = self._send
        asyncio.get_event_loop().call_later(PROXY_GRACE, compat.destroy_proxy, proxy)

    # -- messages ----------------------------------------------------------------------------

    async def _request(
        self,
        msg_type: str,
        content: dict[str, Any],
        on_message: Callable[[Message], None],
        until: str = "idle",
    ) -> None:
        request = messages.message(msg_type, content, channel="shell", session=self._session_id)
        msg_id = request["header"]["msg_id"]
        done: asyncio.Future[None] = asyncio.get_event_loop().create_future()
        wanted = on_message if until == "idle" else _settle_on_reply(on_message, done)
        self._requests[msg_id] = (wanted, done)
        try:
            self.kernel.handle_message(compat.to_js(request))
            await done
        finally:
            self._requests.pop(msg_id, None)

    def _receive(self, message: Any) -> None:
        msg = compat.to_py(message)
        parent = (msg.get("parent_header") or {}).get("msg_id")
        entry = self._requests.get(parent)
        if entry is None:
            return
        on_message, done = entry
        on_message(msg)
        content = msg.get("content") or {}
        idle = _type(msg) == "status" and content.get("execution_state") == "idle"
        if idle and not done.done():
            done.set_result(None)

    def _changed(self, kernel: RoutingKernel) -> None:
        run = self._run
        state = _START_STATES.get(kernel.state)
        if run is not None and state is not None and not run.ended:
            with contextlib.suppress(InvalidRunTransition):
                run.advance(state)
        if self.keep and kernel.state is SessionState.UNBOUND and kernel.session is None:
            # A kept session closed from the Session Explorer: nothing will run in it again.
            self.keep = False
            kernel.dispose()
            self._forget()
        self._on_change(kernel)


def _type(message: Mapping[str, Any]) -> str:
    return str((message.get("header") or {}).get("msg_type", ""))


def _settle_on_reply(
    on_message: Callable[[Message], None], done: asyncio.Future[None]
) -> Callable[[Message], None]:
    def receive(message: Message) -> None:
        on_message(message)
        if _type(message).endswith("_reply") and not done.done():
            done.set_result(None)

    return receive
