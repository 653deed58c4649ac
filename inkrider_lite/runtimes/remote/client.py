"""A Jupyter Server's kernels API, over the boundary's HTTP (the page's fetch, or urllib).

The same client serves the page (binding, Interrupt, Restart, Close, the explorer's detached
kernels) and CPython (the tests against real servers, the headless runner). Its requests are
built in protocol/server_api.py; every failure is a ServerError whose message says what to do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ..._compat import compat
from ...protocol import server_api as api
from ...protocol.server_api import Answer, KernelModel, Request
from .address import ServerAddress
from .diagnosis import Diagnosis, classify, default_kernel

#: Seconds any one call may take: every outcome within 5 s, as Test connection promises.
CALL_TIMEOUT = 5.0
#: Seconds to wait for the server to say whether it still has a kernel, after a drop: the
#: cell that was running must end within 5 s.
PROBE_TIMEOUT = 2.5
#: The session path named for a kernel started with a session, when no notebook is named.
SESSION_PATH = "inkrider.ipynb"

Http = Callable[[Request, float], Awaitable[Answer]]


class ServerError(Exception):
    """A call failed. `diagnosis` says why when the failure is about the connection (token,
    address, server gone), else it is None and the message is the server's own reason."""

    def __init__(self, message: str, diagnosis: Diagnosis | None = None) -> None:
        super().__init__(message)
        self.diagnosis = diagnosis


@dataclass(frozen=True)
class KernelProbe:
    """Whether the server answered about a kernel, and what it said."""

    #: The failure when the server did not answer (in time); None when it did.
    error: Exception | None = None
    #: The kernel's model; None when the server no longer has it, or did not answer.
    model: KernelModel | None = None

    @property
    def answered(self) -> bool:
        return self.error is None

    @property
    def alive(self) -> bool:
        return self.model is not None and self.model.execution_state != "dead"

    @property
    def gone(self) -> bool:
        """The server answered, and no longer has the kernel (it was started again, or the
        kernel was shut down elsewhere)."""
        return self.answered and self.model is None


class JupyterServerClient:
    def __init__(
        self,
        address: ServerAddress,
        token: str,
        site_url: str = "",
        http: Http | None = None,
        timeout: float = CALL_TIMEOUT,
    ) -> None:
        self.address = address
        self._token = token
        self._site_url = site_url
        self._http = http or compat.http
        self._timeout = timeout

    @property
    def token(self) -> str:
        return self._token

    def use_token(self, token: str) -> None:
        self._token = token

    def with_token(self, token: str) -> JupyterServerClient:
        """The same server, asked with another token."""
        return JupyterServerClient(self.address, token, self._site_url, self._http, self._timeout)

    @property
    def base_url(self) -> str:
        return self.address.base_url

    async def _call(self, request: Request) -> Answer:
        return await self._http(request, self._timeout)

    def _failure(self, what: str, answer: Answer) -> ServerError:
        if answer.network_error or answer.timed_out or answer.redirected:
            diagnosis = classify(self.address, self._site_url, answer, reachable=None)
            # The steps too: a summary may end with "check these, in this order:".
            return ServerError(f"{what}: {diagnosis.text()}", diagnosis)
        if answer.status in (401, 403):
            diagnosis = classify(self.address, self._site_url, answer, reachable=True)
            return ServerError(f"{what}: {api.error_text(answer)}. {diagnosis.summary}", diagnosis)
        return ServerError(f"{what}: {api.error_text(answer)}")

    async def create_kernel(self, name: str = "", path: str = "") -> KernelModel:
        """A new kernel of kernelspec `name` (empty: the server's default). `path` is the
        notebook's: the server starts the kernel in its folder (see api.create_kernel), and a
        server that starts kernels only with a session (jupyverse) names the session after it.

        The server is asked for its version first: a request that times out still reaches a
        server that is only stopped, and one that starts a kernel when it wakes leaves that
        kernel running with nobody to know of it. The ask goes without the token: should the
        server refuse it without CORS headers, Chromium's console line names the address."""
        version = await self._call(api.get_api(self.base_url, ""))
        # Only silence counts: a dead server fails the start itself, with its diagnosis.
        if version.timed_out:
            raise self._failure(f"Could not start a kernel at {self.address.display}", version)
        answer = await self._call(api.create_kernel(self.base_url, self._token, name, path))
        if api.starts_kernels_only_in_sessions(answer):
            model, answer = await self._create_in_session(name, path or SESSION_PATH)
        else:
            model = api.kernel_model(answer)
        if model is None:
            raise self._failure(
                f"Could not start a {name or 'default'} kernel at {self.address.display}", answer
            )
        return model

    async def _create_in_session(self, name: str, path: str) -> tuple[KernelModel | None, Answer]:
        if not name:
            specs = await self._call(api.get_kernelspecs(self.base_url, self._token))
            if not specs.ok:
                return None, specs
            name = default_kernel(specs.json())
        answer = await self._call(api.create_session(self.base_url, self._token, name, path))
        return api.session_kernel_model(answer), answer

    async def get_kernel(self, kernel_id: str) -> KernelModel | None:
        """The kernel's model; None when the server no longer has it."""
        answer = await self._call(api.get_kernel(self.base_url, self._token, kernel_id))
        if api.kernel_gone(answer):
            return None
        model = api.kernel_model(answer)
        if model is None:
            raise self._failure("Could not read the kernel's state", answer)
        return model

    async def probe_kernel(self, kernel_id: str) -> KernelProbe:
        """Does the server still have the kernel? Asked after a drop, so it is given
        PROBE_TIMEOUT, and a server that does not answer is a result, not an error.

        The server's list is asked first: jupyter_server's 404 for a kernel it does not have
        carries no CORS headers, so the page reads it as no answer, and Chromium prints the
        request's address, token included, on the console."""
        listing = await self._http(api.list_kernels(self.base_url, self._token), PROBE_TIMEOUT)
        listed = api.listed_kernels(listing)
        if listed is not None:
            return KernelProbe(model=next((k for k in listed if k.id == kernel_id), None))
        if listing.timed_out:
            return KernelProbe(error=self._failure("The server did not list its kernels", listing))
        try:  # a server that does not list its kernels (a Kernel Gateway, by default)
            model = await asyncio.wait_for(self.get_kernel(kernel_id), PROBE_TIMEOUT)
        except (ServerError, TimeoutError) as error:
            return KernelProbe(error=error)
        return KernelProbe(model=model)

    async def interrupt(self, kernel_id: str) -> None:
        answer = await self._call(api.interrupt_kernel(self.base_url, self._token, kernel_id))
        if not answer.ok:
            raise self._failure("The server did not interrupt the kernel", answer)

    async def restart(self, kernel_id: str) -> None:
        answer = await self._call(api.restart_kernel(self.base_url, self._token, kernel_id))
        if not answer.ok:
            raise self._failure("The server did not restart the kernel", answer)

    async def delete(self, kernel_id: str) -> bool:
        """Shut the kernel down; False when the server had no such kernel any more."""
        answer = await self._call(api.delete_kernel(self.base_url, self._token, kernel_id))
        if answer.status == 404:
            return False
        if not answer.ok:
            raise self._failure("The server did not shut the kernel down", answer)
        return True

    def channels_url(self, kernel_id: str, session_id: str) -> str:
        return api.channels_url(self.address.ws_url, self._token, kernel_id, session_id)
