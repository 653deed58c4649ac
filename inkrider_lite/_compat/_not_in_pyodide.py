"""The boundary in CPython: messages are dicts and callbacks are plain callables."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from .compatibility_layer import CompatibilityLayer

logger = logging.getLogger("inkrider_lite")


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
