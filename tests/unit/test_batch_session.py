"""The Execution Tool's sessions in CPython: routing kernels over the local workers' fakes, under
the same cap as the notebooks a person runs, through the batch's scheduling."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import nbformat

from inkrider_lite.controller.batch_session import BatchSession
from inkrider_lite.controller.notifier import Notifier
from inkrider_lite.controller.session_registry import SessionRegistry
from inkrider_lite.execution.batch import Batch, BatchOptions
from inkrider_lite.execution.notebook_file import dumps
from inkrider_lite.execution.notebook_run import run_notebook
from inkrider_lite.execution.states import NotebookRun, RunState
from inkrider_lite.sessions.lifecycle import SessionState

from .fakes import Pool, execute, settle
from .test_routing_kernel import Client


def registry() -> SessionRegistry:
    lab_sessions = SimpleNamespace(running=lambda: [])
    return SessionRegistry(lab_sessions, Notifier(), asyncio.ensure_future, None)


def notebook(*sources: str) -> dict[str, Any]:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    return nbformat.reads(nbformat.writes(nb), as_version=4)


def batch_over(pool: Pool, sessions: SessionRegistry, paths: list[str], notebooks, written):
    async def run_one(run: NotebookRun) -> dict[str, Any]:
        session = BatchSession(run.path, pool.workers, sessions, lambda _k: None)
        try:
            return await run_notebook(notebooks[run.path], session, run, stop_on_error=True)
        finally:
            session.end()

    async def write(run: NotebookRun, nb: dict[str, Any]) -> None:
        written[run.path] = dumps(nb)

    return Batch(paths, BatchOptions(parallelism=3), run_one, write)


def test_a_batch_takes_only_the_free_slots_beside_an_interactive_session() -> None:
    async def main() -> None:
        pool = Pool()
        sessions = registry()
        mine = Client(pool, "mine")
        await mine.request(execute("secret = 41"))
        assert pool.workers.budget.bound == 1
        paths = [f"b{i}.ipynb" for i in range(4)]
        notebooks = {p: notebook("x = 1", "print(x)") for p in paths}
        notebooks["b2.ipynb"] = notebook("x = 1", "raise ValueError", "y")
        written: dict[str, str] = {}
        batch = batch_over(pool, sessions, paths, notebooks, written)
        seen_bound: list[int] = []
        seen_queued: list[bool] = []
        task = asyncio.ensure_future(batch.run())
        while not task.done():
            seen_bound.append(pool.workers.budget.bound)
            seen_queued.append(
                any(s.state is SessionState.WAITING for s in sessions.kernels.values())
            )
            await asyncio.sleep(0)
        summary = task.result()
        assert max(seen_bound) == 3  # the interactive one and two of the batch
        assert any(seen_queued)  # the third waited in line instead of failing
        assert [r.state for r in batch.runs] == [
            RunState.DONE,
            RunState.DONE,
            RunState.FAILED,
            RunState.DONE,
        ]
        assert batch.runs[2].detail_text == "cell 2: RuntimeError: raise ValueError"
        assert summary.count(RunState.DONE) == 3
        # The batch's sessions are gone; the interactive one is still bound, unharmed.
        assert sessions.kernels == {} and sessions.batch_paths == {}
        assert pool.workers.budget.bound == 1
        assert mine.kernel.state is SessionState.IDLE
        written_nb = nbformat.reads(written["b2.ipynb"], as_version=4)
        nbformat.validate(written_nb)
        assert [c.execution_count for c in written_nb.cells] == [1, 2, None]

    asyncio.run(main())


def test_cancel_all_frees_every_slot_and_writes_nothing() -> None:
    async def main() -> None:
        pool = Pool()
        sessions = registry()
        paths = [f"b{i}.ipynb" for i in range(5)]
        written: dict[str, str] = {}
        batch = batch_over(
            pool, sessions, paths, {p: notebook("slow", "x") for p in paths}, written
        )
        task = asyncio.ensure_future(batch.run())
        # Wait until three run their first cell; their kernels hold it there.
        while len(pool.kernels) < 3 or any(k.hold is None for k in pool.kernels[:3]):
            for kernel in pool.kernels:
                kernel.hold = kernel.hold or asyncio.Event()
            await asyncio.sleep(0)
        while sum(r.state is RunState.RUNNING for r in batch.runs) < 3:
            await asyncio.sleep(0)
        assert batch.cancel_all() == 5
        await task
        await settle()
        assert [r.state for r in batch.runs] == [RunState.CANCELLED] * 5
        assert written == {}
        assert pool.workers.budget.bound == 0 and sessions.kernels == {}
        assert all(k.disposed for k in pool.kernels)

    asyncio.run(main())


def test_a_kept_session_stays_listed_until_closed_from_the_explorer() -> None:
    async def main() -> None:
        pool = Pool()
        sessions = registry()
        session = BatchSession("kept.ipynb", pool.workers, sessions, lambda _k: None)
        run = NotebookRun("kept.ipynb")
        await run_notebook(notebook("x = 1"), session, run, stop_on_error=True)
        session.keep = True
        assert sessions.notebook_paths() == {session.kernel.id: "kept.ipynb"}
        assert pool.workers.budget.bound == 1
        assert sessions.close(session.kernel.id)
        assert sessions.kernels == {} and pool.workers.budget.bound == 0

    asyncio.run(main())
