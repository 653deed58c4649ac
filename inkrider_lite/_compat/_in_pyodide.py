"""The boundary inside Pyodide: JS objects, proxies and the browser console."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from typing import Any

from pyodide.ffi import (  # type: ignore[import-not-found]
    JsProxy,
    create_once_callable,
    create_proxy,
    jsnull,
    to_js,
)

from ..protocol.server_api import Answer, Request
from .compatibility_layer import CompatibilityLayer, WebSocketLike


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
    def shadow_getter(target: Any, name: str, getter: Callable[[Any], Any]) -> Callable[[], None]:
        js = _js()
        prototype = js.Object.getPrototypeOf(target)
        proxy = create_proxy(lambda *_: getter(js.Reflect.get(prototype, name, target)))
        descriptor = {"get": proxy, "configurable": True}
        js.Object.defineProperty(
            target, name, to_js(descriptor, dict_converter=js.Object.fromEntries)
        )

        def undo() -> None:
            js.Reflect.deleteProperty(target, name)
            proxy.destroy()

        return undo

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
    def next_frame(callback: Callable[[], None]) -> None:
        _js().requestAnimationFrame(create_once_callable(lambda _time: callback()))

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

    @staticmethod
    async def http(request: Request, timeout: float) -> Answer:
        js = _js()
        abort = js.AbortController.new()
        timer = js.setTimeout(create_once_callable(lambda: abort.abort()), int(timeout * 1000))
        init: dict[str, Any] = {
            "method": request.method,
            "credentials": "omit",
            "cache": "no-store",
            "redirect": "manual",
            "signal": abort.signal,
        }
        if request.body is not None:
            init["body"] = request.body
        started = time.monotonic()
        try:
            response = await js.fetch(
                request.url, to_js(init, dict_converter=js.Object.fromEntries)
            )
            if response.type == "opaqueredirect":
                return Answer(redirected=True, seconds=time.monotonic() - started)
            text = await response.text()
        except Exception:
            elapsed = time.monotonic() - started
            if abort.signal.aborted:
                return Answer(timed_out=True, seconds=elapsed)
            return Answer(network_error=True, seconds=elapsed)
        finally:
            js.clearTimeout(timer)
        entries = getattr(js.Array, "from")(response.headers.entries())
        headers = {str(k).lower(): str(v) for k, v in entries}
        return Answer(
            status=int(response.status),
            body=str(text),
            headers=headers,
            seconds=time.monotonic() - started,
        )

    @staticmethod
    async def reachable(url: str, timeout: float) -> bool | None:
        js = _js()
        if js.crossOriginIsolated:
            # COEP require-corp blocks no-cors answers that lack a CORP header, which makes a
            # closed port and a server refusing CORS look the same: the page cannot tell.
            return None
        abort = js.AbortController.new()
        timer = js.setTimeout(create_once_callable(lambda: abort.abort()), int(timeout * 1000))
        init = {
            "mode": "no-cors",
            "credentials": "omit",
            "cache": "no-store",
            "signal": abort.signal,
        }
        try:
            await js.fetch(url, to_js(init, dict_converter=js.Object.fromEntries))
        except Exception:
            return False
        finally:
            js.clearTimeout(timer)
        return True

    @staticmethod
    async def open_websocket(url: str, timeout: float) -> WebSocketLike:
        # In the page a kernel's channels never pass through Python: the loader's relay
        # (remoteKernel) speaks to them with JupyterLab's KernelConnection.
        raise NotImplementedError("the page relays kernel channels in the loader")

    @staticmethod
    def storage_get(key: str) -> str | None:
        try:
            value = _js().localStorage.getItem(key)
        except Exception:  # storage disabled by the browser's settings
            return None
        return None if value is None or value is jsnull else str(value)

    @staticmethod
    def storage_set(key: str, value: str) -> None:
        _js().localStorage.setItem(key, value)

    @staticmethod
    def storage_remove(key: str) -> None:
        _js().localStorage.removeItem(key)
