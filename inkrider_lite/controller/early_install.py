"""Installing a folder's requirements into the warm worker before its session binds.

A reader looks at a notebook for a while before running it; its packages install in about a
second. When every notebook that is open and not yet running sits in one folder, the warm worker
will serve one of them, so the folder's requirements.txt goes into that worker at once, quietly,
and the first run finds its packages there. At bind, requirements_step compares what was
installed with what the file asks for then: if they match, the session only reports it; if not
(the file was edited, or a notebook of another folder took the worker), it is uninstalled before
the real install.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING

from .._compat import compat
from ..sessions.lifecycle import SessionState
from .requirements_step import (
    EarlyInstall,
    RequirementsDeps,
    folder_plan,
    plan_json,
    precompile,
    run_install,
)

if TYPE_CHECKING:
    from ..runtimes.local.workers import LocalWorkers, Worker
    from .routing_kernel import RoutingKernel


def the_folder_to_prepare(sessions: Mapping[str, RoutingKernel]) -> str | None:
    """The one folder of all notebooks waiting for their first run, if there is exactly one."""
    folders = {
        kernel.location for kernel in sessions.values() if kernel.state is SessionState.UNBOUND
    }
    return folders.pop() if len(folders) == 1 else None


def start(
    sessions: Mapping[str, RoutingKernel], workers: LocalWorkers, requirements: RequirementsDeps
) -> None:
    """Begin an early install in the warm worker, if it is free and the folder is clear."""
    worker = workers.ready_warm()
    if worker is None or _holds_an_install(worker):
        return
    # With PyPI as a fallback the session's indexes change at bind; keep that in one place.
    if requirements.pypi_fallback():
        return
    folder = the_folder_to_prepare(sessions)
    if folder is None:
        return
    worker.early = asyncio.ensure_future(_install(requirements, worker, folder))
    worker.early_folder = folder


def describe(workers: LocalWorkers) -> dict[str, str] | None:
    """The warm worker's early install, for status_json: its folder, and installing /
    installed / nothing (no file, or it failed)."""
    worker = workers.ready_warm()
    state = _state(worker) if worker is not None else None
    if worker is None or state is None:
        return None
    return {"folder": worker.early_folder or "", "state": "nothing" if state == "failed" else state}


def _state(worker: Worker) -> str | None:
    """None (no early install), installing, installed, nothing (no file) or failed."""
    early = worker.early
    if early is None:
        return None
    if not early.done():
        return "installing"
    if early.cancelled() or early.exception() is not None:
        return "failed"
    return "nothing" if early.result() is None else "installed"


def _holds_an_install(worker: Worker) -> bool:
    """A worker takes one early install at most, unless the last one found no file."""
    return _state(worker) not in (None, "nothing")


async def _install(
    requirements: RequirementsDeps, worker: Worker, folder: str
) -> EarlyInstall | None:
    try:
        await worker.enter(folder)  # one round trip less at bind
        wanted = await folder_plan(requirements, folder)
        if wanted is None:
            return None
        path, plan = wanted
        summary, kernel_has_it = await run_install(worker, path, plan)
        if kernel_has_it:
            await precompile(worker, summary)
    except Exception as error:  # the bind installs as usual
        compat.log_error(f"the early install for {folder or 'the top folder'} failed", error)
        return None
    return EarlyInstall(plan_json(wanted), summary, kernel_has_it)
