"""inkrider_lite.kernel.quiet_runs on a real IPython shell, run as pyodide-kernel runs every
request: with store_history=True."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

from inkrider_lite.kernel.quiet_runs import MARK


@pytest.fixture
def shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path))
    shell = InteractiveShell.instance()
    # As in Pyodide, where no thread writes the history out as it goes.
    shell.history_manager.db_cache_size = 10_000
    yield shell
    InteractiveShell.clear_instance()


def test_internal_runs_take_no_number_and_leave_no_history(shell: InteractiveShell) -> None:
    install = "import inkrider_lite.kernel.quiet_runs as q\nq.install(get_ipython())"
    shell.run_cell(MARK + install, store_history=True)  # the setup code: stored, then taken back
    shell.run_cell(MARK + "hidden = 41", store_history=True)  # a later internal run
    assert shell.execution_count == 1
    assert shell.history_manager.input_hist_raw == [""]
    assert "_i1" not in shell.user_ns

    result = shell.run_cell("hidden + 1", store_history=True)  # the user's first cell
    assert result.result == 42 and result.execution_count == 1
    assert shell.history_manager.input_hist_raw == ["", "hidden + 1"]
    assert shell.user_ns["_i1"] == "hidden + 1"
    assert shell.execution_count == 2
    failed = shell.run_cell("1 / 0", store_history=True)
    assert failed.execution_count == 2  # `Cell In[2]` in its traceback, as its prompt says


def test_installing_twice_wraps_once(shell: InteractiveShell) -> None:
    install = "import inkrider_lite.kernel.quiet_runs as q\nq.install(get_ipython())"
    shell.run_cell(MARK + install, store_history=True)
    wrapped = shell.run_cell
    shell.run_cell(MARK + install, store_history=True)
    assert shell.run_cell is wrapped
    assert shell.execution_count == 1
