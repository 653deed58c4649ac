"""A fake Pyodide kernel and a start_real that makes it, for the controller tests in CPython.

The fake builds its messages itself (not with inkrider_lite.protocol) so that the tests check
the controller against an independent picture of what a kernel sends.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from inkrider_lite.runtimes.local.workers import LocalWorkers
from inkrider_lite.runtimes.settings import Settings

SETUP_CODE = "import micropip  # setup"


def kernel_message(
    msg_type: str, content: dict[str, Any], parent: dict[str, Any], channel: str = "iopub"
) -> dict[str, Any]:
    return {
        "header": {
            "msg_id": uuid.uuid4().hex,
            "msg_type": msg_type,
            "session": parent.get("session", ""),
        },
        "parent_header": dict(parent),
        "metadata": {},
        "content": content,
        "channel": channel,
    }


def client_request(
    msg_type: str, content: dict[str, Any] | None = None, session: str = "nb-session"
) -> dict[str, Any]:
    header = {
        "msg_id": uuid.uuid4().hex,
        "msg_type": msg_type,
        "session": session,
        "username": "user",
        "date": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "version": "5.3",
    }
    return {
        "header": header,
        "parent_header": {},
        "metadata": {},
        "content": content or {},
        "channel": "shell",
        "buffers": [],
    }


def execute(code: str, session: str = "nb-session") -> dict[str, Any]:
    return client_request("execute_request", {"code": code, "silent": False}, session)


class FakeRealKernel:
    """Answers like pyodide-kernel: busy, output, reply, idle, through `sendMessage`.

    `handleMessage` hands back a plain future settled when the work is done, like the promise
    of the real kernel. Code starting with `raise` fails. While `hold` is set to an Event, user
    (non-silent) executes wait for it after publishing busy.
    """

    def __init__(
        self,
        worker_id: str,
        send_message: Callable[[Any], None],
        *,
        return_tasks: bool = False,
        log: list[tuple[str, str]] | None = None,
    ) -> None:
        self.id = worker_id
        self.send_message = send_message
        self.return_tasks = return_tasks
        self.log = log if log is not None else []
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.ready.set_result(None)
        self.received: list[dict[str, Any]] = []
        self.disposed = False
        self.hold: asyncio.Event | None = None
        self.execution_count = 0
        self.tasks: list[asyncio.Task[None]] = []

    def handleMessage(self, msg: dict[str, Any]) -> Any:
        self.received.append(msg)
        if self.return_tasks:
            return asyncio.ensure_future(self._respond(msg))
        promise: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.tasks.append(asyncio.ensure_future(self._settle(promise, msg)))
        return promise

    async def _settle(self, promise: asyncio.Future[None], msg: dict[str, Any]) -> None:
        try:
            await self._respond(msg)
        except Exception as error:
            if not promise.done():
                promise.set_exception(error)
            return
        if not promise.done():
            promise.set_result(None)

    async def _respond(self, msg: dict[str, Any]) -> None:
        parent = msg["header"]
        send = self.send_message
        send(kernel_message("status", {"execution_state": "busy"}, parent))
        await asyncio.sleep(0)
        if parent["msg_type"] != "execute_request":
            reply_type = parent["msg_type"].replace("_request", "_reply")
            send(kernel_message(reply_type, {"status": "ok"}, parent, "shell"))
        else:
            code = msg["content"]["code"]
            silent = msg["content"].get("silent", False)
            if self.hold is not None and not silent:
                await self.hold.wait()
            if not silent:
                self.execution_count += 1
            if code.startswith("raise"):
                error = {"ename": "RuntimeError", "evalue": code, "traceback": []}
                send(kernel_message("error", error, parent))
                reply = {"status": "error", "execution_count": self.execution_count, **error}
            else:
                stream = {"name": "stdout", "text": f"ran {code}\n"}
                send(kernel_message("stream", stream, parent))
                reply = {"status": "ok", "execution_count": self.execution_count}
            send(kernel_message("execute_reply", reply, parent, "shell"))
        await asyncio.sleep(0)
        if silent_request(msg):
            self.log.append(("setup-done", self.id))
        send(kernel_message("status", {"execution_state": "idle"}, parent))

    def dispose(self) -> None:
        self.disposed = True


def silent_request(msg: dict[str, Any]) -> bool:
    return msg["header"]["msg_type"] == "execute_request" and bool(msg["content"].get("silent"))


class Pool:
    """LocalWorkers over fake kernels, with a record of every start."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        setup_code: str = SETUP_CODE,
        return_tasks: bool = False,
        steps: int = 3,
        prepare: Any = None,
    ) -> None:
        self.kernels: list[FakeRealKernel] = []
        self.starts: list[str] = []
        self.fail_next: list[BaseException] = []
        self.gate: asyncio.Event | None = None  # when set, starts wait for it
        self.log: list[tuple[str, str]] = []
        self.return_tasks = return_tasks
        self.steps = steps
        self.workers = LocalWorkers(
            self.start_real, setup_code, settings or Settings(), prepare=prepare
        )

    async def start_real(self, worker_id: str, deliver: Any) -> FakeRealKernel:
        self.starts.append(worker_id)
        self.log.append(("start", worker_id))
        for _ in range(self.steps):  # give any concurrent boot the chance to interleave
            await asyncio.sleep(0)
        if self.gate is not None:
            await self.gate.wait()
        if self.fail_next:
            raise self.fail_next.pop(0)
        kernel = FakeRealKernel(worker_id, deliver, return_tasks=self.return_tasks, log=self.log)
        self.kernels.append(kernel)
        return kernel


async def settle(rounds: int = 50) -> None:
    """Let every ready callback and task run (the fakes never really wait)."""
    for _ in range(rounds):
        await asyncio.sleep(0)
