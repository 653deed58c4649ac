"""Everything InkRider needs from its surroundings, as one interface (after micropip's _compat).

The Pyodide implementation talks to the page; the CPython one uses plain Python objects, so the
controller's logic (routing kernels, workers, sessions) runs under pytest with fake kernels.
Messages crossing this boundary are opaque: JS objects in the page, dicts in CPython.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..protocol.server_api import Answer, Request


class WebSocketLike(Protocol):
    """One open WebSocket: text frames out, text or binary frames in (None once closed)."""

    async def send(self, frame: str) -> None: ...

    async def receive(self) -> str | bytes | None: ...

    def close(self) -> None: ...


class CompatibilityLayer(ABC):
    @staticmethod
    @abstractmethod
    def to_js(value: Any) -> Any:
        """A plain JS value (objects, not Maps) for a dict/list tree."""

    @staticmethod
    @abstractmethod
    def to_py(value: Any) -> Any:
        """A Python dict/list tree for a JS value."""

    @staticmethod
    @abstractmethod
    def create_proxy(function: Callable[..., Any]) -> Any:
        """A callable JS may keep after the call that handed it over returns."""

    @staticmethod
    @abstractmethod
    def destroy_proxy(proxy: Any) -> None: ...

    @staticmethod
    @abstractmethod
    def shadow_getter(target: Any, name: str, getter: Callable[[Any], Any]) -> Callable[[], None]:
        """Make `target.name` read as `getter(the value its class gives)`; returns the undo."""

    @staticmethod
    @abstractmethod
    def is_null(value: Any) -> bool:
        """None, or a JS `null`/`undefined` (Pyodide hands `null` over as `jsnull`)."""

    @staticmethod
    @abstractmethod
    def header_field(message: Any, part: str, field: str) -> Any:
        """`message[part][field]`, e.g. ("parent_header", "session"); None when absent."""

    @staticmethod
    @abstractmethod
    def message_part(message: Any, part: str) -> dict[str, Any]:
        """A copy of `message[part]` as a dict, e.g. the header to use as a parent."""

    @staticmethod
    @abstractmethod
    def resolved(value: Any = None) -> Awaitable[Any]:
        """An already settled promise/future, for `kernel.ready`."""

    @staticmethod
    @abstractmethod
    def next_frame(callback: Callable[[], None]) -> None:
        """Call `callback` once, before the page next paints (soon, where there is no page)."""

    @staticmethod
    @abstractmethod
    def log_error(text: str, error: BaseException | None = None) -> None: ...

    @staticmethod
    @abstractmethod
    async def fetch_text(url: str) -> str | None:
        """The body of `url`, or None when it cannot be had (missing, offline)."""

    @staticmethod
    @abstractmethod
    async def http(request: Request, timeout: float) -> Answer:
        """One cross-origin HTTP request, without credentials or redirects followed: every
        outcome (a status, a network error, a timeout, a redirect) comes back as an Answer."""

    @staticmethod
    @abstractmethod
    async def reachable(url: str, timeout: float) -> bool | None:
        """Whether anything answers at `url` at all, whatever its status and headers (the one
        thing a page may learn of a server that refuses it CORS); None when the page cannot
        tell (a cross-origin isolated page)."""

    @staticmethod
    @abstractmethod
    async def open_websocket(url: str, timeout: float) -> WebSocketLike:
        """A WebSocket to `url`; OSError when it cannot open."""

    @staticmethod
    @abstractmethod
    def storage_get(key: str) -> str | None:
        """A value of this site's browser storage (localStorage), None when unset."""

    @staticmethod
    @abstractmethod
    def storage_set(key: str, value: str) -> None: ...

    @staticmethod
    @abstractmethod
    def storage_remove(key: str) -> None: ...
