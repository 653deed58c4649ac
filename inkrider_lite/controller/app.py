"""The controller: what the loader hands the JupyterLab app to, in the page's main thread.

It wraps the `python` kernel factory with routing kernels, keeps the local workers, and adds the
small visible parts (status item, help entry). It builds the few collaborators once (the
notifier, the session registry, the site's URLs, the proxy and task keepers, JupyterLab's
handles) and gives each feature module only those it uses. Test and console access goes through
`window.inkrider`, which the loader points at the Controller.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Hashable
from typing import Any

from .._compat import compat
from ..requirements.kernel_plan import index_setup_code
from ..runtimes.base import BoundSession, Runtime
from ..runtimes.local.browser_slots import BrowserSlots
from ..runtimes.local.workers import TIER_UP_RUNS, LocalWorkers, Worker
from ..runtimes.remote import kernels_store
from ..runtimes.remote.address import AddressError, ServerAddress, parse_base_url
from ..runtimes.remote.client import JupyterServerClient
from ..runtimes.remote.runtime import RemoteRuntime, RemoteSession
from ..runtimes.settings import Settings, SettingsError
from ..sessions.capacity import warm_worker_wanted
from . import early_install, execution_tool, explorer, runtime_form, ui
from .detached_kernels import OPEN_TIMEOUT, DetachedKernels
from .keepalive import ProxyKeeper, TaskKeeper
from .kernel_labels import KernelLabels
from .lab_handles import LabHandles
from .line_notice import LineNotices
from .notifier import Notifier
from .requirements_step import RequirementsDeps, install_folder_requirements
from .routing_kernel import KernelHandle, RoutingKernel
from .session_registry import SessionRegistry
from .site_urls import SiteUrls, site_index

PLUGIN_ID = "inkrider-lite:plugin"
#: Seconds between memory readings while the Session Explorer is open.
MEMORY_PERIOD = 3.0


def worker_setup_code(site_url: str) -> str:
    """Run once in every fresh worker: plain `micropip.install` and `%pip` use the site's own
    index only (PyPI is added when a session binds, if the pypiFallback setting allows it: see
    requirements_step.use_session_indexes), and InkRider's kernel side is loaded from the
    site's Pyodide lock."""
    return (
        "import micropip, pyodide_js\n"
        + index_setup_code(site_index(site_url), pypi_fallback=False)
        + "await pyodide_js.loadPackage('inkrider-lite', messageCallback=lambda _m: None)\n"
        # This run, and every internal one after it, takes no number in the notebook's count.
        + "import inkrider_lite.kernel.quiet_runs as _qr\n_qr.install(get_ipython())\n"
        # time.sleep and awaiting cells would otherwise ignore the Stop button.
        + "import inkrider_lite.kernel.interrupts as _ii\n_ii.make_interruptible()\n"
        # Imports from a notebook folder on /drive would stat it over and over.
        + "import inkrider_lite.kernel.drive_stats as _ds\n_ds.install(get_ipython())\n"
        # A printing loop would bury the page under messages (held while the page is behind).
        + "import inkrider_lite.kernel.output_flow as _of\n_of.install(get_ipython())\n"
        # %pip install of a package the site lacks: two lines and what to do, not 90.
        + "import piplite, inkrider_lite.kernel.pip_errors as _pe\n_pe.install(piplite)\n"
        + "del _ii, _ds, _of, _qr, _pe\n"
    )


class Controller:
    def __init__(self, handles: Any) -> None:
        self._handles = handles
        self._original: Any = None
        self.app = handles.app
        self.contents = handles.app.serviceManager.contents
        self.settings = Settings()
        self._plugin: Any = None  # the settings registry's view of our settings
        # Built once; each feature module gets only those of them that it uses.
        self.urls = SiteUrls(str(handles.siteUrl))
        self.lab = LabHandles.from_handles(handles)
        self.notifier = Notifier()  # the console until ui.install attaches JupyterLab's
        self.tasks = TaskKeeper()
        self.proxies = ProxyKeeper()
        self.session_registry = SessionRegistry(
            handles.app.serviceManager.sessions,
            self.notifier,
            self.tasks.spawn,
            getattr(handles, "cancelQueued", None),
            refresh=lambda: self._refresh_all(),
        )
        # The registry's own dict: what create_kernel adds, the explorer and the status show.
        self.sessions = self.session_registry.kernels
        renamed = self.proxies.create_proxy(lambda *_: self._follow_renames())
        handles.app.serviceManager.sessions.runningChanged.connect(renamed)
        self.workers = LocalWorkers(
            self._start_real,
            worker_setup_code(self.urls.site_url),
            self.settings,
            warm_wanted=lambda: warm_worker_wanted(k.state for k in self.sessions.values()),
            on_warm_ready=self._start_early_install,
            on_line_change=self._refresh_ui,
            prepare=self._prepare_session,
            slots=BrowserSlots(getattr(handles, "browserSlots", None)),
            label_for=lambda ticket: self.session_registry.notebook_paths().get(str(ticket), ""),
            make_route=getattr(handles, "workerRoute", None),
            tier_up_runs=TIER_UP_RUNS,
        )
        self.workers.slots.listen(self.workers.on_slot_event)
        site_settings = getattr(handles, "siteSettings", None)
        #: The plan gate: a site built without the remote runtime offers only local sessions.
        self.remote_enabled = bool(getattr(site_settings, "remoteRuntime", False))
        self.remote = RemoteRuntime(
            handles,
            self.urls.site_url,
            self.remote_configuration,
            self.tasks.spawn,
            lambda kernel_id: self.session_registry.notebook_paths().get(str(kernel_id), ""),
            str(getattr(handles, "tabId", "") or ""),
        )
        self.detached_kernels = DetachedKernels(
            self.remote,
            self.urls.site_url,
            self._live_tabs,
            self._notebook_kernel,
            self.notifier.notify,
            self._refresh_ui,
            self.session_registry.notebook_paths,
            self._exists,
        )
        self.remote.reclaim = self._reclaim
        self.remote.warn = lambda message: self.notifier.notify(message, "warning")
        self.requirements = RequirementsDeps(
            contents=self.contents,
            urls=self.urls,
            pypi_fallback=lambda: self.settings.pypi_fallback,
        )
        self.kernel_labels = KernelLabels(self.app.shell, self.sessions, self.lab.status_bar)
        self.line_notices = LineNotices(
            self.notifier,
            self.app.commands,
            self.session_registry.notebook_paths,
            local_cap=lambda: self.workers.budget.cap,
        )
        self.execution = execution_tool.ExecutionToolDeps(
            lab=self.lab,
            proxies=self.proxies,
            notifier=self.notifier,
            spawn=self.tasks.spawn,
            registry=self.session_registry,
            runtime=self._batch_runtime,
            remote_enabled=self.remote_enabled,
            on_kernel_change=lambda _kernel: self._refresh_ui(),
            hold_kernel_image=self._hold_kernel_image,
            chosen_runtime=lambda: self.settings.runtime,
        )
        self._ui = ui.UiDeps(
            lab=self.lab,
            proxies=self.proxies,
            notifier=self.notifier,
            urls=self.urls,
            status=ui.StatusFacts(
                workers=self.workers,
                sessions=self.sessions,
                selected_runtime=self.selected_runtime,
                remote_address=lambda: self.remote_configuration()[0],
                detached=lambda: self.detached_kernels.count,
            ),
            explorer=explorer.ExplorerDeps(
                lab=self.lab,
                proxies=self.proxies,
                sessions=self.session_registry,
                detached=self.detached_kernels,
                spawn=self.tasks.spawn,
                remote_enabled=self.remote_enabled,
                show_text=self.notifier.show_text,
                confirm=self.notifier.confirm,
                other_tabs=lambda: self.workers.slots.elsewhere,
                open_execution_tool=lambda: execution_tool.show(self.execution),
            ),
            runtime_form=runtime_form.RuntimeFormDeps(
                lab=self.lab,
                proxies=self.proxies,
                urls=self.urls,
                spawn=self.tasks.spawn,
                remote_enabled=self.remote_enabled,
                settings=lambda: self.settings,
                save_settings=self.save_settings,
                known_tokens=self._known_tokens,
            ),
            execution_tool=self.execution,
        )

    def spawn(self, coroutine: Any) -> None:
        self.tasks.spawn(coroutine)

    async def start(self) -> None:
        await self._load_settings()
        await ui.install(self._ui)
        if self.remote_enabled:
            self.spawn(self.detached_kernels.refresh())
        if await self._original_factory() is not None:
            self.workers.ensure_warm()
        self.spawn(self._measure_memory())

    # -- kernels ----------------------------------------------------------------------------

    async def _original_factory(self) -> Any:
        """pyodide-kernel registers `python` after other plugins may activate: wait for it."""
        for _ in range(600):
            original = self._original or getattr(self._handles.originals, "python", None)
            if original is not None:
                self._original = original
                return original
            await asyncio.sleep(0.05)
        compat.log_error("the Pyodide kernel factory never appeared; no warm worker")
        return None

    async def _start_real(self, worker_id: str, deliver: Any) -> Any:
        original = self._original or await self._original_factory()
        options = compat.to_js(
            {"id": worker_id, "name": "python", "location": "", "sendMessage": deliver}
        )
        # The loader builds it: the worker kind that keeps replies, with an interrupt buffer.
        return await self._handles.startWorkerKernel(original, options)

    def _hold_kernel_image(self, hold: bool) -> None:
        holder = getattr(self._handles, "holdKernelImage", None)
        if holder is not None:
            holder(hold)

    async def _measure_memory(self) -> None:
        """Each session's wasm heap, for the Session Explorer, while it is open; and the
        kernels that a page closed meanwhile left detached."""
        while True:
            await asyncio.sleep(MEMORY_PERIOD)
            if not explorer.is_visible(self._ui.explorer):
                continue
            if self.remote_enabled:
                self.spawn(self.detached_kernels.refresh(recheck=False))
            # A closed tab frees its slots without a word: read what the others hold again.
            changed = await self.workers.slots.refresh()
            for kernel in list(self.sessions.values()):
                worker = kernel.session
                if not isinstance(worker, Worker):
                    continue
                try:
                    heap = await self._handles.workerMemory(worker.real)
                except Exception:
                    heap = None
                if heap is not None and kernel.session is worker and kernel.memory_bytes != heap:
                    kernel.memory_bytes = int(heap)
                    changed = True
            if changed:
                self._refresh_ui()

    def create_kernel(self, original: Any, options: Any, fast_path: Any = None) -> KernelHandle:
        """The wrapped factory: a routing kernel, unbound, for every session JupyterLab opens."""
        self._original = self._original or original
        kernel = RoutingKernel(
            options.id,
            options.name,
            options.location or "",
            options.sendMessage,
            self.selected_runtime,
            self._changed,
            fast_path,
            lambda: self._stored_language_info(str(options.id)),
            lambda: self._take_kept(str(options.id)),
        )
        self.sessions[kernel.id] = kernel
        self.workers.ensure_warm()  # a notebook just opened: its first run may come soon
        self._start_early_install()  # and its packages can go into the warm worker now
        handle = KernelHandle(kernel)
        handle.disposed.connect(lambda *_: self.sessions.pop(kernel.id, None))
        return handle

    def _stored_language_info(self, kernel_id: str) -> Any:
        """The language_info saved in the notebook this kernel serves (None if not found)."""
        path = self.session_registry.notebook_paths().get(kernel_id)
        for widget in self.app.shell.widgets("main"):
            context = getattr(widget, "context", None)
            session = getattr(getattr(widget, "sessionContext", None), "session", None)
            kernel = None if session is None or compat.is_null(session) else session.kernel
            ours = not compat.is_null(kernel) and kernel is not None and kernel.id == kernel_id
            if context is not None and (ours or (path and context.path == path)):
                return compat.to_py(context.model.getMetadata("language_info"))
        return None

    def _take_kept(self, kernel_id: str) -> tuple[Runtime, BoundSession] | None:
        """A session the Execution Tool kept for this kernel's notebook, if any."""
        tool = execution_tool.tool_of(self.execution)
        path = self.session_registry.notebook_paths().get(kernel_id)
        return None if tool is None or not path else tool.take_kept(path)

    def selected_runtime(self) -> Runtime:
        """The runtime a notebook binds to at its first run: the one selected now."""
        if self.settings.runtime == "remote" and self.remote_enabled:
            return self.remote
        return self.workers

    def _batch_runtime(self, kind: str) -> Runtime:
        """The runtime an Execution Tool batch binds its sessions to."""
        return self.remote if kind == "remote" and self.remote_enabled else self.workers

    def remote_configuration(self) -> tuple[ServerAddress | None, str, str]:
        """The server, its token and the kernelspec that new remote sessions use."""
        try:
            address = parse_base_url(self.settings.remote_base_url)
        except AddressError:
            return None, "", ""
        token = kernels_store.token_for(address)
        return address, token, self.settings.remote_kernel

    def _start_early_install(self) -> None:
        early_install.start(self.sessions, self.workers, self.requirements)

    async def _prepare_session(self, kernel: RoutingKernel, worker: Any) -> object:
        return await install_folder_requirements(
            self.requirements, self.notifier, kernel.location, worker, kernel.installing
        )

    def _follow_renames(self) -> None:
        """The stored records of remote kernels name their notebooks (for a Reconnect after a
        reload): a notebook renamed or moved takes its record along."""
        paths = self.session_registry.notebook_paths()
        by_server_id = {
            kernel.session.id: paths[kernel_id]
            for kernel_id, kernel in self.sessions.items()
            if isinstance(kernel.session, RemoteSession) and kernel_id in paths
        }
        if by_server_id:
            kernels_store.follow_paths(by_server_id)

    def _known_tokens(self, base_url: str) -> list[str]:
        """The tokens the server at `base_url` answered for the open sessions on it."""
        return [
            kernel.session.answered_token
            for kernel in self.sessions.values()
            if isinstance(kernel.session, RemoteSession)
            and kernel.session.client.address.base_url == base_url
        ]

    def _refresh_ui(self) -> None:
        ui.request_refresh(self._ui)

    def _refresh_all(self) -> None:
        """What the registry learnt without a kernel's change (a Reconnect that found the
        kernel gone) shows in the toolbars too, not only in the explorer."""
        for kernel in list(self.sessions.values()):
            try:
                self.kernel_labels.update(kernel)
            except Exception as error:
                compat.log_error("the toolbar's kernel name was not updated", error)
        self._refresh_ui()

    def _changed(self, kernel: RoutingKernel) -> None:
        self.line_notices.update(kernel)
        try:
            self.kernel_labels.update(kernel)
        except Exception as error:  # a label is not worth a failed binding
            compat.log_error("the toolbar's kernel name was not updated", error)
        self._refresh_ui()

    async def _reclaim(
        self, client: JupyterServerClient, kernel_id: Hashable, kernel_name: str
    ) -> RemoteSession | None:
        """A kernel left by a reload, for a notebook's first remote run; never for the
        Execution Tool, whose runs each start fresh."""
        kernel_id = str(kernel_id)
        if kernel_id in self.session_registry.batch_paths:
            return None
        path = self.session_registry.notebook_paths().get(kernel_id, "")
        return await self.detached_kernels.reclaim(client, path, kernel_name)

    async def _live_tabs(self) -> list[str] | None:
        """The pages of this site open now in this browser (see the loader's tab lock)."""
        held = getattr(self._handles, "heldTabs", None)
        if held is None:
            return None
        names = await held()
        return None if compat.is_null(names) else [str(name) for name in names]

    async def _exists(self, path: str) -> bool:
        try:
            await self.contents.get(path, compat.to_js({"content": False}))
        except Exception:
            return False
        return True

    async def _notebook_kernel(self, path: str) -> RoutingKernel | None:
        """The routing kernel of the notebook at `path`, opening the notebook if it is not
        open; with no path, the notebook in front."""
        commands = self.app.commands
        if path:
            if not await self._exists(path):
                return None
            widget = await commands.execute("docmanager:open", compat.to_js({"path": path}))
        else:
            widget = self.app.shell.currentWidget
        context = None if compat.is_null(widget) else getattr(widget, "sessionContext", None)
        if context is None:
            return None
        await context.ready
        for _ in range(int(OPEN_TIMEOUT / 0.1)):
            session = context.session
            kernel = None if compat.is_null(session) else session.kernel
            if not compat.is_null(kernel) and str(kernel.id) in self.sessions:
                return self.sessions[str(kernel.id)]
            await asyncio.sleep(0.1)
        return None

    @property
    def notification(self) -> Any:
        """JupyterLab's Notification (None until ui.install found it), for `window.inkrider`."""
        return self.notifier.notification

    # -- settings ---------------------------------------------------------------------------

    async def _load_settings(self) -> None:
        registry = self._handles.settings
        if registry is None:
            return
        try:
            plugin = await registry.load(PLUGIN_ID)
        except Exception as error:
            compat.log_error("could not load the InkRider settings; using defaults", error)
            return
        self._plugin = plugin
        self._apply_settings(plugin)
        proxy = self.proxies.create_proxy(lambda changed, *_: self._apply_settings(changed))
        plugin.changed.connect(proxy)

    async def save_settings(self, values: dict[str, Any]) -> None:
        """Store settings through JupyterLab's registry (which tells us back through
        `changed`), so that the Settings Editor shows them and they survive a reload."""
        merged = {**self._raw_settings(), **values}
        try:
            settings = Settings.from_mapping(merged)
        except SettingsError as error:
            compat.log_error(f"refusing to save invalid settings ({error})")
            return
        if self._plugin is None:
            self.settings = settings
            self._refresh_ui()
            return
        for key, value in values.items():
            await self._plugin.set(key, value)

    def _raw_settings(self) -> dict[str, Any]:
        if self._plugin is None:
            return {}
        return dict(compat.to_py(self._plugin.composite))

    def _apply_settings(self, plugin: Any) -> None:
        try:
            self.settings = Settings.from_mapping(compat.to_py(plugin.composite))
        except SettingsError as error:
            compat.log_error(f"invalid InkRider settings ({error}); keeping the previous ones")
            return
        self.workers.apply_settings(self.settings)
        self._refresh_ui()

    # -- the Python API (window.inkrider) ---------------------------------------------------

    def sessions_json(self) -> str:
        paths = self.session_registry.notebook_paths()
        return json.dumps(
            [
                {
                    "kernel_id": k.id,
                    "path": paths.get(k.id),
                    "location": k.location,
                    "state": str(k.state),
                    "started_at": k.started_at,
                    "worker": k.session.id if k.session else None,
                    "runtime": k.runtime_label,
                    "link": k.link,
                    "error": k.error,
                    "connected": k.connected,
                    "requirements": k.requirements,
                    "queue_position": k.queue_position,
                    "memory_bytes": k.memory_bytes,
                }
                for k in self.sessions.values()
            ]
        )

    def status_json(self) -> str:
        budget = self.workers.budget
        return json.dumps(
            {
                "bound": budget.bound,
                "warm": budget.warm,
                "cap": budget.cap,
                "waiting": self.workers.waiting,
                "elsewhere": list(self.workers.slots.elsewhere),
                "live_workers": len(self.workers.live),
                "from_snapshot": bool(self._handles.fromSnapshot),
                "warm_worker_setting": self.settings.warm_worker,
                "early_install": early_install.describe(self.workers),
                "runtime": self.selected_runtime().kind,
                "remote_enabled": self.remote_enabled,
                "warm_up_runs_left": self.workers.tier_up_left,
            }
        )

    def detached_json(self) -> str:
        """The remote kernels the explorer lists as detached."""
        return json.dumps(
            [
                {"kernel_id": row.kernel_id, "path": row.path, "state": row.state_text}
                for row in self.detached_kernels.rows()
            ]
        )

    def close_session(self, kernel_id: str) -> bool:
        return self.session_registry.close(kernel_id)

    def close_all_sessions(self) -> int:
        return self.session_registry.close_all()

    def reconnect_session(self, kernel_id: str) -> bool:
        return self.session_registry.reconnect(kernel_id)

    def interrupt_session(self, kernel_id: str) -> str:
        return self.session_registry.interrupt(kernel_id)

    def on_interrupt(self, kernel_id: str) -> str:
        """Called for every interrupt request (the loader wraps JupyterLite's kernel client)."""
        return self.session_registry.interrupt_running(kernel_id)

    async def on_restart(self, kernel_id: str) -> bool:
        """Called for JupyterLab's Restart (the loader wraps JupyterLite's kernel client)."""
        return await self.session_registry.restart(kernel_id)

    # -- the Execution Tool (window.inkrider.execution_*) ------------------------------------

    def execution_open(self, paths_json: str = "[]") -> None:
        """Open the tool with these notebooks chosen (a folder's notebooks, recursively)."""
        tool = execution_tool.tool_of(self.execution)
        if tool is not None:
            paths = [str(p) for p in json.loads(paths_json)]
            self.spawn(_open_with(tool, paths))

    def execution_start(self, request_json: str) -> str:
        """Start a batch: {"paths": [...], "parallelism", "stop_on_error", "keep_sessions",
        "runtime", "timeout"}; folders among the paths stand for their notebooks. "" when it
        started, else why not."""
        tool = execution_tool.tool_of(self.execution)
        if tool is None:
            return "The Execution Tool is not installed in this page."
        request = json.loads(request_json)
        try:
            options = execution_tool.BatchOptions(
                parallelism=int(request.get("parallelism", 3)),
                stop_on_error=bool(request.get("stop_on_error", True)),
                keep_sessions=bool(request.get("keep_sessions", False)),
                runtime=str(request.get("runtime", "local")),
                timeout=None if request.get("timeout") is None else float(request["timeout"]),
            )
        except (TypeError, ValueError) as error:
            return str(error)
        if tool.running:
            return "A batch is running already: cancel it or wait for its end."
        self.spawn(_start_with(tool, [str(p) for p in request.get("paths", [])], options))
        return ""

    def execution_json(self) -> str:
        tool = execution_tool.tool_of(self.execution)
        return "null" if tool is None else tool.state_json()

    def execution_cancel(self, path: str) -> bool:
        tool = execution_tool.tool_of(self.execution)
        return tool is not None and tool.cancel(path)

    def execution_cancel_all(self) -> int:
        tool = execution_tool.tool_of(self.execution)
        return 0 if tool is None else tool.cancel_all()


async def _open_with(tool: execution_tool.ExecutionTool, paths: list[str]) -> None:
    tool.show(notebooks=await tool.files.notebooks_in(paths))


async def _start_with(
    tool: execution_tool.ExecutionTool, paths: list[str], options: execution_tool.BatchOptions
) -> None:
    why = tool.start(await tool.files.notebooks_in(paths), options)
    if why:
        compat.log_error(f"the Execution Tool did not start: {why}")
