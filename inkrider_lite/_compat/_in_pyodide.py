"""The boundary inside Pyodide: JS objects, proxies and the browser console."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from pyodide.ffi import (  # type: ignore[import-not-found]
    JsProxy,
    create_proxy,
    jsnull,
    to_js,
)

from .compatibility_layer import CompatibilityLayer


def _js() -> Any:
    # Imported on use, not at import time: a memory snapshot of the controller cannot hold a
    # reference to the JS global scope of the Node process that made it.
    import js  # type: ignore[import-not-found]

    return js


class CompatibilityInPyodide(CompatibilityLayer):
    @staticmethod
    def to_js(value: Any) -> Any:
        return to_js(value, dict_converter=_js().Object.fromEntries, create_pyproxies=False)

    @staticmethod
    def to_py(value: Any) -> Any:
        return value.to_py() if isinstance(value, JsProxy) else value

    @staticmethod
    def create_proxy(function: Callable[..., Any]) -> Any:
        return create_proxy(function)

    @staticmethod
    def destroy_proxy(proxy: Any) -> None:
        proxy.destroy()

    @staticmethod
    def is_null(value: Any) -> bool:
        return value is None or value is jsnull

    @staticmethod
    def header_field(message: Any, part: str, field: str) -> Any:
        section = getattr(message, part, None)
        value = getattr(section, field, None) if section is not None else None
        return None if value is None or value is _js().undefined else value

    @staticmethod
    def message_part(message: Any, part: str) -> dict[str, Any]:
        section = getattr(message, part, None)
        return section.to_py() if isinstance(section, JsProxy) else {}

    @staticmethod
    def resolved(value: Any = None) -> Any:
        return _js().Promise.resolve(value)

    @staticmethod
    def log_error(text: str, error: BaseException | None = None) -> None:
        detail = "".join(traceback.format_exception(error)) if error else ""
        _js().console.error(f"InkRider: {text}\n{detail}".rstrip())

    @staticmethod
    async def fetch_text(url: str) -> str | None:
        from pyodide.http import pyfetch  # type: ignore[import-not-found]

        try:
            response = await pyfetch(url)
        except Exception:
            return None
        return await response.string() if response.ok else None
