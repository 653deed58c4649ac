"""The Execution Tool's core in CPython: outputs from messages, the write-back, one notebook's
run through a scripted kernel, and the batch's scheduling, cancel and summary."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import nbformat
import pytest

from inkrider_lite.execution.batch import Batch, BatchOptions, NotWritten, Skip
from inkrider_lite.execution.notebook_file import (
    NotANotebook,
    check_notebook,
    code_cells,
    dumps,
    only_kernel_filled,
    written_notebook,
)
from inkrider_lite.execution.notebook_run import SessionStartError, run_notebook
from inkrider_lite.execution.outputs import CellOutputs, exception_name
from inkrider_lite.execution.states import (
    FirstError,
    InvalidRunTransition,
    NotebookRun,
    RunState,
    TimedOut,
)


def msg(msg_type: str, content: dict[str, Any], date: str = "") -> dict[str, Any]:
    return {"header": {"msg_type": msg_type, "date": date}, "content": content}


def notebook(*sources: str, markdown_first: bool = False) -> dict[str, Any]:
    nb = nbformat.v4.new_notebook()
    if markdown_first:
        nb.cells.append(nbformat.v4.new_markdown_cell("# Title"))
    for source in sources:
        cell = nbformat.v4.new_code_cell(source)
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="old\n")]
        cell.execution_count = 99
        nb.cells.append(cell)
    return json.loads(nbformat.writes(nb))


def validate(nb: dict[str, Any]) -> None:
    nbformat.validate(nbformat.reads(dumps(nb), as_version=4))


# -- outputs ---------------------------------------------------------------------------------


def test_streams_of_one_name_join_and_clear_wait_clears_at_the_next_output() -> None:
    cell = CellOutputs()
    cell.add(msg("execute_input", {"execution_count": 4}))
    cell.add(msg("stream", {"name": "stdout", "text": "a"}))
    cell.add(msg("stream", {"name": "stdout", "text": "b\n"}))
    cell.add(msg("stream", {"name": "stderr", "text": "warn\n"}))
    assert [o["text"] for o in cell.outputs] == ["ab\n", "warn\n"]
    cell.add(msg("clear_output", {"wait": True}))
    assert len(cell.outputs) == 2  # not yet
    cell.add(msg("execute_result", {"data": {"text/plain": "42"}, "metadata": {}}))
    assert cell.outputs == [
        {
            "output_type": "execute_result",
            "execution_count": 4,
            "data": {"text/plain": "42"},
            "metadata": {},
        }
    ]
    assert cell.execution_count == 4


def test_update_display_rewrites_every_output_of_its_id() -> None:
    cell = CellOutputs()
    shown = {"data": {"text/plain": "0%"}, "metadata": {}, "transient": {"display_id": "p"}}
    cell.add(msg("display_data", shown))
    cell.add(msg("display_data", {"data": {"text/plain": "other"}, "metadata": {}}))
    cell.add(msg("display_data", shown))
    cell.add(
        msg(
            "update_display_data",
            {"data": {"text/plain": "100%"}, "metadata": {}, "transient": {"display_id": "p"}},
        )
    )
    assert [o["data"]["text/plain"] for o in cell.outputs] == ["100%", "other", "100%"]
    assert all("transient" not in o for o in cell.outputs)


def test_the_first_error_comes_from_the_error_output_or_else_the_reply() -> None:
    cell = CellOutputs()
    cell.add(msg("error", {"ename": "ValueError", "evalue": "bad", "traceback": ["tb"]}))
    cell.add(msg("execute_reply", {"status": "error", "ename": "X", "execution_count": 3}))
    assert cell.error == ("ValueError", "bad")
    start_failed = CellOutputs()
    start_failed.add(
        msg("execute_reply", {"status": "error", "ename": "E", "evalue": "v", "execution_count": 0})
    )
    assert start_failed.error == ("E", "v")
    assert start_failed.execution_count is None  # count 0: nothing was executed
    assert FirstError(2, "ValueError", "bad").text == "cell 3: ValueError: bad"


def test_the_traceback_is_kept_as_plain_text() -> None:
    cell = CellOutputs()
    coloured = ["\x1b[0;31mValueError\x1b[0m  Traceback", "\x1b[1;32m----> 1\x1b[0m raise"]
    cell.add(msg("error", {"ename": "ValueError", "evalue": "bad", "traceback": coloured}))
    assert cell.traceback == "ValueError  Traceback\n----> 1 raise"
    assert CellOutputs().traceback == ""


def test_pyodide_kernels_class_repr_names_read_as_a_traceback_names_them() -> None:
    assert exception_name("<class 'ValueError'>") == "ValueError"
    assert exception_name("<class '__main__.Mine'>") == "Mine"
    assert (
        exception_name("<class 'json.decoder.JSONDecodeError'>") == "json.decoder.JSONDecodeError"
    )
    assert exception_name("KeyError") == "KeyError"
    cell = CellOutputs()
    cell.add(msg("error", {"ename": "<class 'ValueError'>", "evalue": "x", "traceback": []}))
    assert cell.error == ("ValueError", "x")
    # Written as ipykernel would name it, as nbconvert --execute writes it.
    assert cell.outputs[0]["ename"] == "ValueError"


def test_timing_is_recorded_from_the_message_dates() -> None:
    cell = CellOutputs()
    cell.add(msg("status", {"execution_state": "busy"}, "2026-01-01T00:00:00.000Z"))
    cell.add(msg("execute_input", {"execution_count": 1}, "2026-01-01T00:00:00.010Z"))
    cell.add(msg("execute_reply", {"status": "ok", "execution_count": 1}, "2026-01-01T00:00:01Z"))
    cell.add(msg("status", {"execution_state": "idle"}, "2026-01-01T00:00:01.100Z"))
    assert list(cell.timing) == [
        "iopub.status.busy",
        "iopub.execute_input",
        "shell.execute_reply",
        "iopub.status.idle",
    ]


# -- the notebook file -------------------------------------------------------------------------


def test_written_notebook_changes_only_the_cells_that_ran_and_is_valid() -> None:
    original = notebook("print(1)", "", "x = 1", "raise ValueError('no')", markdown_first=True)
    assert code_cells(original) == [1, 3, 4]  # the markdown and the empty cell never run
    result = CellOutputs()
    result.add(msg("status", {"execution_state": "busy"}, "2026-01-01T00:00:00.000Z"))
    result.add(msg("execute_input", {"execution_count": 1}))
    result.add(msg("stream", {"name": "stdout", "text": "1\n2\n"}))
    result.add(msg("display_data", {"data": {"text/plain": "a\nb", "image/png": "iVBO"}}))
    written = written_notebook(original, {1: result}, {"name": "python", "version": "3.14"})
    validate(written)
    assert written["cells"][1]["outputs"][0]["text"] == ["1\n", "2\n"]
    assert written["cells"][1]["outputs"][1]["data"] == {
        "text/plain": ["a\n", "b"],
        "image/png": "iVBO",
    }
    assert written["cells"][1]["execution_count"] == 1
    assert written["cells"][1]["metadata"]["execution"] == {
        "iopub.status.busy": "2026-01-01T00:00:00.000Z"
    }
    assert written["cells"][3:] == original["cells"][3:]  # later cells untouched
    assert written["metadata"]["language_info"]["version"] == "3.14"
    assert original["cells"][1]["execution_count"] == 99  # the original is not changed


def test_nothing_ran_writes_back_the_same_text_nbformat_wrote() -> None:
    nb = notebook("print(1)")
    assert dumps(written_notebook(nb, {})) == nbformat.writes(nbformat.from_dict(nb)) + "\n"


def test_only_nbformat_4_notebooks_run() -> None:
    with pytest.raises(NotANotebook):
        check_notebook({"cells": "no"})
    with pytest.raises(NotANotebook):
        check_notebook({"cells": [], "nbformat": 3})
    check_notebook(notebook("1"))


# -- one notebook through a scripted kernel --------------------------------------------------


class ScriptedKernel:
    """Answers like ipykernel: code containing `raise` fails; counts from 1."""

    def __init__(self, fail_start: bool = False, hold: asyncio.Event | None = None) -> None:
        self.count = 0
        self.ran: list[str] = []
        self.fail_start = fail_start
        self.hold = hold
        self.started = False
        self.interrupted = 0

    async def start(self, run: NotebookRun) -> None:
        if self.fail_start:
            raise SessionStartError("no worker")
        self.started = True

    async def execute(self, code: str, on_message: Callable[[dict[str, Any]], None]) -> None:
        if self.hold is not None:
            await self.hold.wait()
        self.count += 1
        self.ran.append(code)
        on_message(msg("execute_input", {"execution_count": self.count}))
        if "raise" in code:
            error = {"ename": "ValueError", "evalue": f"in {code}", "traceback": ["tb"]}
            on_message(msg("error", error))
            on_message(msg("execute_reply", {"status": "error", **error}))
        else:
            on_message(msg("stream", {"name": "stdout", "text": f"ran {code}\n"}))
            on_message(msg("execute_reply", {"status": "ok", "execution_count": self.count}))
        await asyncio.sleep(0)

    async def language_info(self) -> dict[str, Any]:
        return {"name": "python", "version": "3.14.2"}

    def interrupt(self) -> None:
        self.interrupted += 1


def test_a_failure_stops_the_run_and_later_cells_stay_untouched() -> None:
    original = notebook("a = 1", "b = 2", "raise ValueError", "c = 3")
    kernel = ScriptedKernel()
    run = NotebookRun("nb.ipynb")
    written = asyncio.run(run_notebook(original, kernel, run, stop_on_error=True))
    validate(written)
    assert kernel.ran == ["a = 1", "b = 2", "raise ValueError"]
    assert run.error == FirstError(2, "ValueError", "in raise ValueError", traceback="tb")
    assert run.state is RunState.RUNNING and (run.cell, run.cells) == (3, 4)
    assert [c["execution_count"] for c in written["cells"]] == [1, 2, 3, 99]
    assert written["cells"][2]["outputs"][0]["ename"] == "ValueError"
    assert written["cells"][3] == original["cells"][3]


def test_without_stop_on_error_every_cell_runs_and_the_first_error_is_kept() -> None:
    original = notebook("raise A", "x", "raise B")
    run = NotebookRun("nb.ipynb")
    written = asyncio.run(run_notebook(original, ScriptedKernel(), run, stop_on_error=False))
    assert [c["execution_count"] for c in written["cells"]] == [1, 2, 3]
    assert run.error is not None and run.error.index == 0


class SleepingKernel(ScriptedKernel):
    """`sleep N` prints, then sleeps N s; an interrupt ends the sleep with KeyboardInterrupt,
    unless `deaf` (a cell that does not take interrupts) or `catches` (a cell that catches the
    KeyboardInterrupt and ends without an error)."""

    def __init__(self, deaf: bool = False, catches: bool = False) -> None:
        super().__init__()
        self.deaf = deaf
        self.catches = catches
        self._woken = asyncio.Event()

    async def execute(self, code: str, on_message: Callable[[dict[str, Any]], None]) -> None:
        if not code.startswith("sleep"):
            return await super().execute(code, on_message)
        self.count += 1
        self.ran.append(code)
        on_message(msg("execute_input", {"execution_count": self.count}))
        on_message(msg("stream", {"name": "stdout", "text": "going to sleep\n"}))
        try:
            await asyncio.wait_for(self._woken.wait(), float(code.split()[1]))
        except TimeoutError:
            on_message(msg("execute_reply", {"status": "ok", "execution_count": self.count}))
            return
        if self.catches:
            on_message(msg("stream", {"name": "stdout", "text": "stopped early\n"}))
            on_message(msg("execute_reply", {"status": "ok", "execution_count": self.count}))
            return
        error = {"ename": "KeyboardInterrupt", "evalue": "", "traceback": ["in sleep"]}
        on_message(msg("error", error))
        on_message(msg("execute_reply", {"status": "error", **error}))

    def interrupt(self) -> None:
        super().interrupt()
        if not self.deaf:
            self._woken.set()


def test_past_the_time_limit_the_cell_is_interrupted_and_its_outputs_kept() -> None:
    original = notebook("a = 1", "sleep 60", "b = 2")
    kernel = SleepingKernel()
    run = NotebookRun("nb.ipynb")
    written = asyncio.run(run_notebook(original, kernel, run, stop_on_error=False, timeout=0.3))
    validate(written)
    assert kernel.interrupted == 1 and kernel.ran == ["a = 1", "sleep 60"]
    assert run.timed_out == TimedOut(1, 0.3, traceback="in sleep")
    assert (run.cell, run.cells) == (2, 3)
    assert run.error == FirstError(
        1,
        "TimeoutError",
        "its cells ran past the time limit of 0.3 s; the cell was interrupted",
        traceback="in sleep",
    )
    outputs = written["cells"][1]["outputs"]
    assert [o["output_type"] for o in outputs] == ["stream", "error"]
    assert written["cells"][1]["execution_count"] == 2
    assert written["cells"][2] == original["cells"][2]  # the time is up: not run


def test_the_timed_out_cell_is_numbered_as_the_notebook_shows_it() -> None:
    # With a markdown cell first, code cell 1 is the notebook's cell 2 (as a first error's).
    run = NotebookRun("nb.ipynb")
    asyncio.run(
        run_notebook(
            notebook("sleep 60", markdown_first=True),
            SleepingKernel(),
            run,
            stop_on_error=True,
            timeout=0.2,
        )
    )
    assert run.timed_out is not None and run.timed_out.cell == 2
    assert run.error is not None and run.error.cell == 2


def test_a_cell_deaf_to_the_interrupt_is_left_after_the_grace(monkeypatch) -> None:
    import inkrider_lite.execution.notebook_run as notebook_run

    monkeypatch.setattr(notebook_run, "INTERRUPT_GRACE", 0.2)
    kernel = SleepingKernel(deaf=True)
    run = NotebookRun("nb.ipynb")
    written = asyncio.run(
        run_notebook(notebook("sleep 60"), kernel, run, stop_on_error=True, timeout=0.2)
    )
    assert kernel.interrupted == 1 and run.timed_out == TimedOut(0, 0.2)
    assert run.error is not None and run.error.ename == "TimeoutError"
    # What it printed before is kept.
    assert "".join(written["cells"][0]["outputs"][0]["text"]) == "going to sleep\n"


def test_a_cell_that_ends_without_error_after_the_interrupt_ended_by_itself() -> None:
    # The last cell: the notebook did all its work, as nbclient's interrupt_on_timeout says.
    kernel = SleepingKernel(catches=True)
    run = NotebookRun("nb.ipynb")
    written = asyncio.run(
        run_notebook(notebook("a = 1", "sleep 60"), kernel, run, stop_on_error=True, timeout=0.2)
    )
    assert kernel.interrupted == 1 and run.timed_out is None and run.error is None
    texts = ["".join(o["text"]) for o in written["cells"][1]["outputs"]]
    assert texts == ["going to sleep\nstopped early\n"]


def test_past_the_limit_the_next_cell_is_left_as_it_is() -> None:
    # The time is up when the cell after it would start: it is not sent, only to be cut.
    original = notebook("sleep 60", "b = 2")
    kernel = SleepingKernel(catches=True)
    run = NotebookRun("nb.ipynb")
    written = asyncio.run(run_notebook(original, kernel, run, stop_on_error=False, timeout=0.2))
    validate(written)
    assert kernel.ran == ["sleep 60"] and kernel.interrupted == 1
    assert run.timed_out == TimedOut(1, 0.2)
    assert run.error == FirstError(
        1, "TimeoutError", "its cells ran past the time limit of 0.2 s before this cell started"
    )
    assert written["cells"][1] == original["cells"][1]
    run.fail(run.error)
    assert run.state_text == "timed out at cell 2"


def test_a_timeout_after_an_earlier_error_keeps_that_error_and_says_both() -> None:
    run = NotebookRun("nb.ipynb")
    asyncio.run(
        run_notebook(
            notebook("raise A", "sleep 60"), SleepingKernel(), run, stop_on_error=False, timeout=0.3
        )
    )
    assert run.error is not None and run.error.ename == "ValueError"
    run.fail(run.error)
    assert run.state_text == "timed out at cell 2"
    assert run.detail_text == (
        "cell 1: ValueError: in raise A; then its cells ran past the time limit of 0.3 s, at cell 2"
    )


def test_no_time_limit_leaves_a_long_cell_alone() -> None:
    kernel = SleepingKernel()
    run = NotebookRun("nb.ipynb")
    asyncio.run(run_notebook(notebook("sleep 0.3"), kernel, run, stop_on_error=True))
    assert kernel.interrupted == 0 and run.error is None and run.timed_out is None


# -- the batch ---------------------------------------------------------------------------------


class Files:
    """A contents store: the notebooks by path, and every write."""

    def __init__(self, notebooks: dict[str, dict[str, Any]]) -> None:
        self.text = {path: dumps(nb) for path, nb in notebooks.items()}
        self.writes: list[str] = []

    async def write(self, run: NotebookRun, nb: dict[str, Any]) -> None:
        self.writes.append(run.path)
        self.text[run.path] = dumps(nb)


def make_execute(
    files: Files, kernels: dict[str, ScriptedKernel], live: list[int], stop_on_error: bool = True
):
    async def execute(run: NotebookRun) -> dict[str, Any] | None:
        nb = json.loads(files.text[run.path])
        if "skip" in run.path:
            raise Skip("it has unsaved edits in an open editor")
        live[0] += 1
        live[1] = max(live[1], live[0])
        try:
            return await run_notebook(nb, kernels[run.path], run, stop_on_error=stop_on_error)
        finally:
            live[0] -= 1

    return execute


def test_a_batch_runs_at_most_its_parallelism_and_ends_each_in_the_right_state() -> None:
    paths = [f"n{i}.ipynb" for i in range(6)] + ["skip.ipynb"]
    sources = {p: notebook("x = 1", "y = 2") for p in paths}
    sources["n2.ipynb"] = notebook("x = 1", "y = 2", "raise ValueError", "z")
    files = Files(sources)
    kernels = {p: ScriptedKernel() for p in paths}
    kernels["n4.ipynb"] = ScriptedKernel(fail_start=True)
    live = [0, 0]
    changes: list[str] = []

    async def main() -> Batch:
        batch = Batch(
            paths,
            BatchOptions(parallelism=3),
            make_execute(files, kernels, live),
            files.write,
            on_change=lambda b: changes.append(b.progress_text),
        )
        await batch.run()
        return batch

    batch = asyncio.run(main())
    states = {run.path: run.state for run in batch.runs}
    assert states == {
        "n0.ipynb": RunState.DONE,
        "n1.ipynb": RunState.DONE,
        "n2.ipynb": RunState.FAILED,
        "n3.ipynb": RunState.DONE,
        "n4.ipynb": RunState.FAILED,
        "n5.ipynb": RunState.DONE,
        "skip.ipynb": RunState.SKIPPED,
    }
    assert live[1] == 3
    failed = batch.run_of("n2.ipynb")
    assert failed is not None and failed.detail_text == "cell 3: ValueError: in raise ValueError"
    assert failed.written
    assert batch.run_of("n4.ipynb").detail_text == "no worker"  # type: ignore[union-attr]
    assert sorted(files.writes) == ["n0.ipynb", "n1.ipynb", "n2.ipynb", "n3.ipynb", "n5.ipynb"]
    for path in files.writes:
        nbformat.validate(nbformat.reads(files.text[path], as_version=4))
    summary = batch.summary
    assert summary is not None and not summary.passed
    assert summary.notice_kind == "error"
    assert summary.headline.startswith("7 notebooks: 4 done, 2 failed, 1 skipped in ")
    assert "skip.ipynb · skipped · it has unsaved edits in an open editor" in summary.text
    assert changes[-1] == "7 of 7 notebooks ended: 4 done, 2 failed, 1 skipped"


def test_cancel_one_and_all_leave_their_files_byte_identical() -> None:
    paths = [f"n{i}.ipynb" for i in range(5)]
    files = Files({p: notebook("x = 1", "y = 2") for p in paths})
    before = dict(files.text)
    hold = asyncio.Event()
    kernels = {p: ScriptedKernel(hold=hold) for p in paths}
    kernels["n0.ipynb"] = ScriptedKernel()  # finishes
    live = [0, 0]

    async def main() -> Batch:
        batch = Batch(
            paths, BatchOptions(parallelism=2), make_execute(files, kernels, live), files.write
        )
        task = asyncio.ensure_future(batch.run())
        while batch.run_of("n1.ipynb").state is not RunState.RUNNING:  # type: ignore[union-attr]
            await asyncio.sleep(0)
        assert batch.cancel("n1.ipynb")
        while batch.run_of("n2.ipynb").state is not RunState.RUNNING:  # type: ignore[union-attr]
            await asyncio.sleep(0)
        assert batch.cancel_all() == 3  # n2 running, n3 and n4 queued
        assert not batch.cancel("n0.ipynb")  # ended already
        await task
        return batch

    batch = asyncio.run(main())
    assert [r.state for r in batch.runs] == [RunState.DONE] + [RunState.CANCELLED] * 4
    assert batch.summary is not None and batch.summary.notice_kind == "warning"
    assert files.writes == ["n0.ipynb"]
    for path in paths[1:]:
        assert files.text[path] == before[path]
    assert not kernels["n3.ipynb"].started  # never started


def test_a_refused_write_skips_the_notebook_with_its_reason() -> None:
    files = Files({"a.ipynb": notebook("x")})

    async def refuse(run: NotebookRun, nb: dict[str, Any]) -> None:
        raise NotWritten("it was edited in an open editor during the run")

    async def main() -> Batch:
        batch = Batch(
            ["a.ipynb"],
            BatchOptions(parallelism=1),
            make_execute(files, {"a.ipynb": ScriptedKernel()}, [0, 0]),
            refuse,
        )
        await batch.run()
        return batch

    run = asyncio.run(main()).runs[0]
    assert run.state is RunState.SKIPPED and not run.written
    assert run.reason == "it was edited in an open editor during the run"


def test_options_and_transitions_are_checked() -> None:
    for wrong in (0, 4):
        with pytest.raises(ValueError):
            BatchOptions(parallelism=wrong)
    for wrong_limit in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError):
            BatchOptions(timeout=wrong_limit)
    run = NotebookRun("a")
    run.advance(RunState.CANCELLED)
    with pytest.raises(InvalidRunTransition):
        run.advance(RunState.RUNNING)
    times = iter([10.0, 12.5, 13.0, 20.0])
    timed = NotebookRun("b", clock=lambda: next(times))
    timed.advance(RunState.STARTING)
    timed.advance(RunState.RUNNING, cell=1, cells=2)
    timed.advance(RunState.RUNNING, cell=2, cells=2)
    timed.advance(RunState.DONE)
    assert timed.duration() == 10.0
    assert timed.cells_duration() == 7.5  # from its first cell


def test_a_run_waiting_for_a_slot_shows_no_time_until_it_has_one() -> None:
    # A run that waited after its start showed a growing time; one queued in the batch none.
    times = iter([10.0, 11.0, 30.0, 31.0, 33.0])
    run = NotebookRun("a", clock=lambda: next(times))
    run.advance(RunState.STARTING)  # 10
    run.advance(RunState.QUEUED)  # 11: every slot is taken
    assert run.duration() is None
    run.advance(RunState.STARTING)  # 30: it got one
    run.advance(RunState.RUNNING, cell=1, cells=1)  # 31
    run.advance(RunState.DONE)  # 33
    assert run.duration() == 3.0


def _stored() -> dict[str, Any]:
    return {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": 1,
                "id": "a",
                "metadata": {},
                "outputs": [
                    {"name": "stdout", "output_type": "stream", "text": ["one\n", "two\n"]}
                ],
                "source": ["x = 1\n", "print(x)"],
            }
        ],
        "metadata": {"kernelspec": {"name": "python", "display_name": "Python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def test_what_jupyterlab_fills_in_by_itself_is_no_edit() -> None:
    stored = _stored()
    editor = json.loads(json.dumps(stored))
    # As JupyterLab's model gives it: strings whole, language_info from the kernel.
    editor["cells"][0]["source"] = "x = 1\nprint(x)"
    editor["cells"][0]["outputs"][0]["text"] = "one\ntwo\n"
    editor["metadata"]["language_info"] = {"name": "python", "version": "3.14"}
    assert only_kernel_filled(editor, stored)
    # A kernelspec counts only where the file had none.
    bare = _stored()
    del bare["metadata"]["kernelspec"]
    assert only_kernel_filled(editor, bare)
    changed = json.loads(json.dumps(editor))
    changed["metadata"]["kernelspec"]["name"] = "other"
    assert not only_kernel_filled(changed, stored)


@pytest.mark.parametrize(
    "edit",
    [
        lambda nb: nb["cells"][0].update(source="x = 2\nprint(x)"),
        lambda nb: nb["cells"][0].update(execution_count=2),
        lambda nb: nb["cells"][0]["outputs"].clear(),
        lambda nb: nb["cells"][0]["metadata"].update(tags=["slow"]),
        lambda nb: nb["cells"].append({"cell_type": "markdown", "metadata": {}, "source": "new"}),
        lambda nb: nb["metadata"].update(title="mine"),
    ],
)
def test_any_other_difference_is_an_edit(edit: Callable[[dict[str, Any]], None]) -> None:
    stored = _stored()
    editor = json.loads(json.dumps(stored))
    editor["metadata"]["language_info"] = {"name": "python"}
    edit(editor)
    assert not only_kernel_filled(editor, stored)


def test_a_runs_notes_show_where_there_is_no_error_and_go_into_its_first_cell() -> None:
    class NotingKernel(ScriptedKernel):
        async def start(self, run: NotebookRun) -> None:
            run.notes = "requirements.txt: 1 line(s) not installed:"

    run = NotebookRun("n.ipynb")
    written = asyncio.run(
        run_notebook(notebook("a = 1", "b"), NotingKernel(), run, stop_on_error=True)
    )
    validate(written)
    first, second = (cell["outputs"] for cell in written["cells"])
    assert first[0] == {
        "output_type": "stream",
        "name": "stderr",
        "text": ["requirements.txt: 1 line(s) not installed:\n"],
    }
    assert all(output.get("name") != "stderr" for output in second)
    assert run.detail_text == run.notes
    run.error = FirstError(1, "ValueError", "x")
    assert run.detail_text == "cell 2: ValueError: x"
