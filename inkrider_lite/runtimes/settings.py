"""The user's InkRider settings, validated from whatever JupyterLab's registry hands over."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..sessions.capacity import DEFAULT_LOCAL_SESSIONS

RUNTIMES = ("local", "remote")


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    warm_worker: bool = True
    max_local_sessions: int = DEFAULT_LOCAL_SESSIONS
    #: Whether a session's micropip may try PyPI after the site's own index (when online).
    #: Off by default: the site is self-contained, and nothing should leave the machine unasked.
    pypi_fallback: bool = False
    #: Where new sessions start: "local" (Pyodide in this browser) or "remote".
    runtime: str = "local"
    #: The Jupyter Server's Base URL as the user typed it (the token is kept elsewhere: it
    #: must never be in the settings, which JupyterLab's Settings Editor shows and exports).
    remote_base_url: str = ""
    #: The kernelspec for new remote sessions; "" is the server's default.
    remote_kernel: str = ""

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> Settings:
        """Settings from the registry's camelCase keys; unknown keys are ignored."""
        warm = raw.get("warmWorker", cls.warm_worker)
        if not isinstance(warm, bool):
            raise SettingsError("warmWorker must be true or false")
        limit = raw.get("maxLocalSessions", cls.max_local_sessions)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 8:
            raise SettingsError("maxLocalSessions must be a whole number from 1 to 8")
        fallback = raw.get("pypiFallback", cls.pypi_fallback)
        if not isinstance(fallback, bool):
            raise SettingsError("pypiFallback must be true or false")
        runtime = raw.get("runtime", cls.runtime)
        if runtime not in RUNTIMES:
            raise SettingsError('runtime must be "local" or "remote"')
        base_url = raw.get("remoteBaseUrl", cls.remote_base_url)
        kernel = raw.get("remoteKernel", cls.remote_kernel)
        if not isinstance(base_url, str) or not isinstance(kernel, str):
            raise SettingsError("remoteBaseUrl and remoteKernel must be text")
        return cls(
            warm_worker=warm,
            max_local_sessions=limit,
            pypi_fallback=fallback,
            runtime=runtime,
            remote_base_url=base_url.strip(),
            remote_kernel=kernel.strip(),
        )
