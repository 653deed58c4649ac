"""Everything InkRider needs from its surroundings, as one interface (after micropip's _compat).

The Pyodide implementation talks to the page; the CPython one uses plain Python objects, so the
controller's logic (routing kernels, workers, sessions) runs under pytest with fake kernels.
Messages crossing this boundary are opaque: JS objects in the page, dicts in CPython.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import Any


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
    def log_error(text: str, error: BaseException | None = None) -> None: ...

    @staticmethod
    @abstractmethod
    async def fetch_text(url: str) -> str | None:
        """The body of `url`, or None when it cannot be had (missing, offline)."""
