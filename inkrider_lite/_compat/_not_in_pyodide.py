"""The boundary in CPython: messages are dicts and callbacks are plain callables."""

from __future__ import annotations

import asyncio
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from ..protocol.server_api import Answer, Request
from .compatibility_layer import CompatibilityLayer, WebSocketLike

logger = logging.getLogger("inkrider_lite")
#: This process's stand-in for the browser's localStorage.
_storage: dict[str, str] = {}


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A page fetches with `redirect: "manual"`: a redirect is an answer, not followed."""

    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _http_now(request: Request, timeout: float) -> Answer:
    started = time.monotonic()
    body = None if request.body is None else request.body.encode()
    sent = urllib.request.Request(request.url, data=body, method=request.method)
    try:
        with _opener.open(sent, timeout=timeout) as response:
            status, headers, text = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, text = error.code, error.headers, error.read()
    except TimeoutError:
        return Answer(timed_out=True, seconds=time.monotonic() - started)
    except (urllib.error.URLError, OSError) as error:
        if isinstance(getattr(error, "reason", None), TimeoutError):
            return Answer(timed_out=True, seconds=time.monotonic() - started)
        return Answer(network_error=True, seconds=time.monotonic() - started)
    return Answer(
        status=status,
        body=text.decode("utf-8", "replace"),
        headers={k.lower(): v for k, v in headers.items()},
        redirected=300 <= status < 400,
        seconds=time.monotonic() - started,
    )


class _TornadoWebSocket:
    def __init__(self, connection: Any) -> None:
        self._connection = connection

    async def send(self, frame: str) -> None:
        await self._connection.write_message(frame)

    async def receive(self) -> str | bytes | None:
        return await self._connection.read_message()

    def close(self) -> None:
        self._connection.close()


class CompatibilityNotInPyodide(CompatibilityLayer):
    @staticmethod
    def to_js(value: Any) -> Any:
        return value

    @staticmethod
    def to_py(value: Any) -> Any:
        return value

    @staticmethod
    def create_proxy(function: Callable[..., Any]) -> Any:
        return function

    @staticmethod
    def destroy_proxy(proxy: Any) -> None:
        pass

    @staticmethod
    def shadow_getter(target: Any, name: str, getter: Callable[[Any], Any]) -> Callable[[], None]:
        # A property wins over the instance's own attributes: give the instance a subclass.
        base = type(target)

        def read(instance: Any) -> Any:
            return getter(getattr(super(shadowed, instance), name))

        shadowed = type(base.__name__, (base,), {name: property(read)})
        target.__class__ = shadowed

        def undo() -> None:
            target.__class__ = base

        return undo

    @staticmethod
    def is_null(value: Any) -> bool:
        return value is None

    @staticmethod
    def header_field(message: Any, part: str, field: str) -> Any:
        return (message.get(part) or {}).get(field)

    @staticmethod
    def message_part(message: Any, part: str) -> dict[str, Any]:
        return dict(message.get(part) or {})

    @staticmethod
    def resolved(value: Any = None) -> Any:
        future = asyncio.get_event_loop().create_future()
        future.set_result(value)
        return future

    @staticmethod
    def next_frame(callback: Callable[[], None]) -> None:
        try:
            asyncio.get_running_loop().call_soon(callback)
        except RuntimeError:  # no loop runs: nothing else could happen before the call
            callback()

    @staticmethod
    def log_error(text: str, error: BaseException | None = None) -> None:
        logger.error("InkRider: %s", text, exc_info=error)

    @staticmethod
    async def fetch_text(url: str) -> str | None:
        import urllib.request

        def get() -> str | None:
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    return response.read().decode("utf-8")
            except OSError:
                return None

        return await asyncio.get_event_loop().run_in_executor(None, get)

    @staticmethod
    async def http(request: Request, timeout: float) -> Answer:
        return await asyncio.get_event_loop().run_in_executor(None, _http_now, request, timeout)

    @staticmethod
    async def reachable(url: str, timeout: float) -> bool:
        answer = await CompatibilityNotInPyodide.http(Request("GET", url), timeout)
        return not (answer.network_error or answer.timed_out)

    @staticmethod
    async def open_websocket(url: str, timeout: float) -> WebSocketLike:
        # tornado comes with jupyter_server, which is what CPython talks to in tests and tools.
        from tornado.websocket import websocket_connect

        try:
            connection = await asyncio.wait_for(websocket_connect(url), timeout)
        except Exception as error:
            raise OSError(f"the WebSocket did not open: {type(error).__name__}") from None
        return _TornadoWebSocket(connection)

    @staticmethod
    def storage_get(key: str) -> str | None:
        return _storage.get(key)

    @staticmethod
    def storage_set(key: str, value: str) -> None:
        _storage[key] = value

    @staticmethod
    def storage_remove(key: str) -> None:
        _storage.pop(key, None)
