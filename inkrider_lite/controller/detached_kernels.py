"""Remote kernels that no open page relays: after a reload, a closed tab or a crash, a kernel this
site started may still run on the user's server. The Session Explorer lists each one as
detached, with Reconnect (bind its notebook to it again, variables intact) and Close (shut it
down on the server), so that nothing runs there unseen.

Which pages are alive comes from the browser's Web Locks (the loader holds one per page, which
the browser itself lets go when the page goes); which kernels exist comes from the server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, replace
from typing import Any

from .._compat import compat
from ..runtimes.remote import kernels_store
from ..runtimes.remote.address import AddressError, ServerAddress, parse_base_url
from ..runtimes.remote.client import PROBE_TIMEOUT, JupyterServerClient, ServerError
from ..runtimes.remote.runtime import RemoteRuntime, RemoteSession
from ..sessions.explorer_rows import SessionRow, detached_row

#: Seconds a notebook opened for Reconnect may take to get its kernel.
OPEN_TIMEOUT = 15.0

NO_TOKEN = (
    "Cannot reconnect to the kernel on {where}: enter the server's token in Settings → "
    "Runtime…, then press Reconnect again. (This browser no longer has it.)"
)
GONE = "The kernel on {where} is gone (the server restarted or shut it down); nothing to reconnect."
BUSY_NOTEBOOK = (
    "{path} already has a session: close it (its variables are lost), then press Reconnect "
    "again to use this kernel and keep its variables."
)
NO_NOTEBOOK = (
    "Cannot reconnect: {path} is not in this site any more. Open the notebook that should use "
    "this kernel, then press Reconnect again."
)
#: After Reconnect, or a first run that took the kernel back: Reconnect said nothing, while the
#: warning of an earlier try stayed up (new-user pass, stop 27, D6).
CONNECTED_AGAIN = "{path} is connected again to its kernel on {where}: its variables are kept."
UNREACHABLE = (
    "The Jupyter Server at {where} does not answer: start it again, then press {action} "
    "again. (Its kernel cannot be {what} meanwhile.)"
)


@dataclass
class DetachedKernel:
    record: kernels_store.KernelRecord
    address: ServerAddress
    #: Whether the server answered for the kernel when last asked; None: not asked yet.
    answering: bool | None = None


class DetachedKernels:
    def __init__(
        self,
        runtime: RemoteRuntime,
        site_url: str,
        live_tabs: Callable[[], Awaitable[Collection[str] | None]],
        notebook_kernel: Callable[[str], Awaitable[Any]],
        notify: Callable[[str, str], None],
        on_change: Callable[[], None],
        notebook_paths: Callable[[], dict[str, str]],
        exists: Callable[[str], Awaitable[bool]],
    ) -> None:
        """`live_tabs` names the pages alive now (None where the browser cannot tell);
        `notebook_kernel` opens a notebook and gives its routing kernel (None if it cannot; with
        no path, the notebook in front's); `notebook_paths` maps routing kernel ids to their
        notebooks; `exists` says whether the site has a file."""
        self._runtime = runtime
        self._site_url = site_url
        self._live_tabs = live_tabs
        self._notebook_kernel = notebook_kernel
        self._notebook_paths = notebook_paths
        self._exists_in_site = exists
        self._notify = notify
        self._on_change = on_change
        self._kernels: dict[str, DetachedKernel] = {}
        self._busy: set[str] = set()

    @property
    def count(self) -> int:
        return len(self._kernels)

    def rows(self) -> list[SessionRow]:
        return [
            detached_row(
                k.record.id,
                k.record.path,
                k.address.display,
                k.record.started_at,
                k.answering,
            )
            for k in self._kernels.values()
        ]

    async def refresh(self, recheck: bool = True) -> None:
        """Find the kernels no page relays, and ask their servers whether they still run;
        those the servers no longer have are forgotten (nothing runs there). Without
        `recheck`, only kernels not listed before are asked about."""
        found = {}
        live = await self._live_tabs()
        for record in kernels_store.detached(kernels_store.load(), live, self._runtime.tab_id):
            try:
                address = parse_base_url(record.base_url)
            except AddressError:
                kernels_store.forget(record.id)
                continue
            known = self._kernels.get(record.id)
            found[record.id] = known or DetachedKernel(record, address)
        new = [k for k in found.values() if recheck or k.answering is None]
        changed = found.keys() != self._kernels.keys()
        self._kernels = found
        if changed:
            self._on_change()
        if new:
            await asyncio.gather(*(self._check(k) for k in new))
            self._on_change()

    async def _check(self, kernel: DetachedKernel) -> None:
        probe = await self._client(kernel).probe_kernel(kernel.record.id)
        kernel.answering = probe.answered
        if probe.gone:
            self._drop(kernel.record.id)

    def _client(self, kernel: DetachedKernel) -> JupyterServerClient:
        address = kernel.address
        token = kernels_store.token_for(address)
        return JupyterServerClient(address, token, self._site_url)

    def _drop(self, kernel_id: str) -> None:
        self._kernels.pop(kernel_id, None)
        kernels_store.forget(kernel_id)

    async def reconnect(self, kernel_id: str) -> bool:
        """Bind the kernel's notebook to it again (opening the notebook if needed)."""
        kernel = self._kernels.get(kernel_id)
        if kernel is None or kernel_id in self._busy:
            return False
        self._busy.add(kernel_id)
        try:
            return await self._reconnect(kernel)
        finally:
            self._busy.discard(kernel_id)
            self._on_change()

    async def _reconnect(self, kernel: DetachedKernel) -> bool:
        record, where = kernel.record, kernel.address.display
        client = self._client(kernel)
        if not client.token:
            self._notify(NO_TOKEN.format(where=where), "warning")
            return False
        probe = await client.probe_kernel(record.id)
        model = probe.model
        if probe.error is not None:
            kernel.answering = False
            self._notify(_failure(probe.error, where, "reconnected", "Reconnect"), "error")
            return False
        if model is None:
            self._drop(record.id)
            self._notify(GONE.format(where=where), "info")
            return False
        notebook = await self._notebook_kernel(record.path)
        path = record.path or "the notebook"
        if notebook is None and not await self._exists(record.path):
            # Renamed or moved while no page followed it: as NO_NOTEBOOK says, the notebook
            # the user opened (the one in front) takes the kernel.
            notebook = await self._notebook_kernel("")
            path = self._notebook_path(notebook) if notebook is not None else path
        if notebook is None:
            self._notify(NO_NOTEBOOK.format(path=path), "warning")
            return False
        if str(notebook.state) != "unbound":
            self._notify(BUSY_NOTEBOOK.format(path=path), "warning")
            return False
        session = await self._runtime.connect(client, record.id, model.name)
        if not notebook.adopt(self._runtime, session, record.started_at):  # started one meanwhile
            session.let_go()
            self._notify(BUSY_NOTEBOOK.format(path=path), "warning")
            return False
        self._kernels.pop(record.id, None)
        opened_as = self._notebook_path(notebook)
        kernels_store.remember(
            kernels_store.KernelRecord(
                record.id,
                model.name,
                record.base_url,
                record.started_at,
                opened_as or record.path,
                self._runtime.tab_id,
            )
        )
        path = opened_as or path
        self._notify(CONNECTED_AGAIN.format(path=path, where=where), "success")
        return True

    async def reclaim(
        self, client: JupyterServerClient, path: str, kernel_name: str
    ) -> RemoteSession | None:
        """A notebook's first run on the remote runtime: the kernel that a page now gone (a
        reload, most often) left for it, connected again with its variables; None when there is
        none to take, and a new kernel starts. A new user reloaded, ran a cell, and got a second
        kernel and a bare NameError, the first listed only as detached (new-user pass, stop 25,
        defect 4)."""
        base_url = client.address.base_url
        records = kernels_store.for_notebook(kernels_store.load(), base_url, path)
        if not records:
            return None  # most first runs: no need to ask which pages live
        record = kernels_store.reclaimable(
            records,
            await self._live_tabs(),
            self._runtime.tab_id,
            base_url,
            path,
            kernel_name,
        )
        if record is None or record.id in self._busy:
            return None
        self._busy.add(record.id)
        try:
            probe = await client.probe_kernel(record.id)
            if probe.gone:
                self._drop(record.id)
            if not probe.alive:
                return None  # a server that does not answer fails the new kernel's start too
            session = await self._runtime.connect(client, record.id, record.name)
        except Exception as error:
            compat.log_error(f"cannot reconnect {path} to its kernel {record.id}", error)
            return None
        finally:
            self._busy.discard(record.id)
        session.started_at = record.started_at
        self._kernels.pop(record.id, None)
        kernels_store.remember(replace(record, tab=self._runtime.tab_id))
        self._on_change()
        self._notify(CONNECTED_AGAIN.format(path=path, where=client.address.display), "success")
        return session

    async def _exists(self, path: str) -> bool:
        if not path:
            return True  # no path was known: nothing to fall back from
        return await self._exists_in_site(path)

    def _notebook_path(self, notebook: Any) -> str:
        return self._notebook_paths().get(str(notebook.id), "")

    async def close(self, kernel_id: str) -> bool:
        """Shut the kernel down on its server; a server that does not answer gets it forgotten
        only on the second press (Forget), once the row has said so."""
        kernel = self._kernels.get(kernel_id)
        if kernel is None or kernel_id in self._busy:
            return False
        if kernel.answering is False:
            self._drop(kernel_id)
            self._on_change()
            return True
        self._busy.add(kernel_id)
        try:
            await asyncio.wait_for(self._client(kernel).delete(kernel_id), PROBE_TIMEOUT)
        except (ServerError, TimeoutError) as error:
            kernel.answering = False
            where = kernel.address.display
            self._notify(_failure(error, where, "shut down", "Close (or Forget)"), "error")
            return False
        finally:
            self._busy.discard(kernel_id)
            self._on_change()
        self._drop(kernel_id)
        self._on_change()
        return True

    async def close_all(self) -> None:
        await asyncio.gather(*(self.close(kernel_id) for kernel_id in list(self._kernels)))


def _failure(error: Exception, where: str, what: str, action: str) -> str:
    """The server's own account where it gave one (a refused token, say), else that it did not
    answer in time."""
    if isinstance(error, ServerError):
        return f"{error} Then press {action} again."
    return UNREACHABLE.format(where=where, what=what, action=action)
