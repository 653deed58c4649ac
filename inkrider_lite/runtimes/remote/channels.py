"""A kernel's channels WebSocket from Python, for CPython (tests, headless tools).

In the page, a bound session's messages never pass through Python: the loader relays them with
JupyterLab's own KernelConnection. This is the same conversation for places without a page.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from ..._compat import compat
from ..._compat.compatibility_layer import WebSocketLike
from ...protocol import messages
from ...protocol import server_api as api
from .client import JupyterServerClient


class KernelChannels:
    def __init__(self, socket: WebSocketLike, session: str) -> None:
        self._socket = socket
        self.session = session

    @classmethod
    async def open(
        cls, client: JupyterServerClient, kernel_id: str, timeout: float = 5.0
    ) -> KernelChannels:
        session = uuid.uuid4().hex
        socket = await compat.open_websocket(client.channels_url(kernel_id, session), timeout)
        return cls(socket, session)

    async def request(
        self, msg_type: str, content: dict[str, Any], channel: str = "shell", timeout: float = 30
    ) -> list[dict[str, Any]]:
        """Send a request; return every message that answered it, up to its idle status."""
        request = messages.message(msg_type, content, channel=channel, session=self.session)
        await self._socket.send(api.encode_frame(request))
        replies: list[dict[str, Any]] = []
        reply_type = msg_type.replace("_request", "_reply")

        async def collect() -> None:
            got_reply = got_idle = False
            while not (got_reply and got_idle):
                frame = await self._socket.receive()
                if frame is None:
                    raise ConnectionError("the kernel's WebSocket closed")
                message = api.decode_frame(frame)
                if message is None:
                    continue
                if message.get("parent_header", {}).get("msg_id") != request["header"]["msg_id"]:
                    continue
                replies.append(message)
                kind = message["header"]["msg_type"]
                got_reply = got_reply or kind == reply_type
                got_idle = got_idle or (
                    kind == "status" and message["content"].get("execution_state") == "idle"
                )

        await asyncio.wait_for(collect(), timeout)
        return replies

    async def execute(self, code: str, timeout: float = 30) -> list[dict[str, Any]]:
        return await self.request(
            "execute_request",
            {"code": code, "silent": False, "store_history": True, "allow_stdin": False},
            timeout=timeout,
        )

    def close(self) -> None:
        self._socket.close()


def stdout_of(replies: list[dict[str, Any]]) -> str:
    return "".join(
        m["content"].get("text", "")
        for m in replies
        if m["header"]["msg_type"] == "stream" and m["content"].get("name") == "stdout"
    )
