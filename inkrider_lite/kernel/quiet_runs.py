"""The controller's own runs in a worker (its setup code, a folder's installs) leave no trace in
the notebook's numbering or history.

pyodide-kernel runs every request with `store_history=True`, silent ones included, so each of
those runs took a number of IPython's: the user's first cell showed `[1]` (the page counts only
the notebook's requests) while its traceback said `Cell In[3]` and its result `Out[2]`. Runs
whose code starts with MARK (runtimes/local/workers.py adds it) are run without history.
"""

from __future__ import annotations

from typing import Any

#: The first line of every internal run's code.
MARK = "# inkrider: internal run\n"


def install(shell: Any) -> None:
    """Run marked code without history from now on, and take back the run now going (the
    setup code that installs this), which was already stored."""
    if not getattr(shell, "_inkrider_quiet_runs", False):
        for name in ("run_cell", "run_cell_async"):
            setattr(shell, name, _quiet(getattr(shell, name)))
        shell._inkrider_quiet_runs = True
    _forget_current(shell)


def _quiet(run: Any) -> Any:
    def quiet(*args: Any, **kwargs: Any) -> Any:
        raw = kwargs.get("raw_cell", args[0] if args else None)
        if isinstance(raw, str) and raw.startswith(MARK):
            kwargs["store_history"] = False
        return run(*args, **kwargs)

    return quiet


def _forget_current(shell: Any) -> None:
    history = shell.history_manager
    raw = history.input_hist_raw[-1] if history.input_hist_raw else ""
    if not raw.startswith(MARK.rstrip()):
        return
    # The run's number: IPython counts a run up as it starts it (older versions as it ends).
    number = next(
        (
            n
            for n in (shell.execution_count - 1, shell.execution_count)
            if shell.user_ns.get(f"_i{n}") == raw
        ),
        None,
    )
    if number is None:
        return
    with history.db_input_cache_lock:
        cached = bool(history.db_input_cache) and history.db_input_cache[-1][0] == number
        if not cached:
            # Already written to the history database (a history thread, not in Pyodide): the
            # next cell must not take the same number there.
            return
        history.db_input_cache.pop()
    history.input_hist_raw.pop()
    history.input_hist_parsed.pop()
    shell.user_ns.pop(f"_i{number}", None)
    # One less, whether IPython has already counted this run up or does so as it ends: the
    # next cell takes this run's number.
    shell.execution_count -= 1
