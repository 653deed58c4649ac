"""Session figures of the InkRider site (the vanilla site has no limit, Close or interrupt):

- Close → first output of the run that waited for that slot;
- the browser's memory before and after one Close, as read and after a full GC in the page and
  its workers (garbage V8 frees later is not what a session keeps); the same for vanilla, whose
  kernel is shut down instead (what one vanilla kernel keeps);
- interrupt latency: from the interrupt request (JupyterLab's own path, as the ⏹ button) to the
  reply of the interrupted cell, for a busy loop, a long `time.sleep` and a long `await`.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from playwright.sync_api import Page, Playwright

from . import memory
from .measures import _collect_garbage, _open

NOTEBOOKS = [f"batch/notebook-{n:02d}.ipynb" for n in range(1, 5)]
INTERRUPTS = 5

_FIND = "[...window.inkrider.app.shell.widgets('main')].find((w) => w.context?.path === path)"


@dataclass
class SessionsRun:
    run: int
    close_to_output_ms: float | None = None
    pss_before_close_mib: float | None = None
    pss_after_close_mib: float | None = None
    uss_before_close_mib: float | None = None
    uss_after_close_mib: float | None = None
    #: The same two readings, each after a full GC in the page and its workers.
    pss_before_close_collected_mib: float | None = None
    pss_after_close_collected_mib: float | None = None
    interrupt_loop_ms: list[float] = field(default_factory=list)
    interrupt_sleep_ms: list[float] = field(default_factory=list)
    interrupt_await_ms: list[float] = field(default_factory=list)
    error: str | None = None

    @property
    def released_pss_mib(self) -> float | None:
        if self.pss_before_close_mib is None or self.pss_after_close_mib is None:
            return None
        return self.pss_before_close_mib - self.pss_after_close_mib

    @property
    def released_collected_pss_mib(self) -> float | None:
        before, after = self.pss_before_close_collected_mib, self.pss_after_close_collected_mib
        return None if before is None or after is None else before - after

    @property
    def interrupt_loop_median_ms(self) -> float | None:
        return statistics.median(self.interrupt_loop_ms) if self.interrupt_loop_ms else None

    @property
    def interrupt_sleep_median_ms(self) -> float | None:
        return statistics.median(self.interrupt_sleep_ms) if self.interrupt_sleep_ms else None

    @property
    def interrupt_await_median_ms(self) -> float | None:
        return statistics.median(self.interrupt_await_ms) if self.interrupt_await_ms else None


def _run_all(page: Page, path: str) -> None:
    page.evaluate(
        f"""async (path) => {{
            const {{ NotebookActions }} =
                await window.inkrider._handles.requireShared('@jupyterlab/notebook');
            const widget = {_FIND};
            NotebookActions.runAll(widget.content, widget.sessionContext);
        }}""",
        path,
    )


def _wait_done(page: Page, path: str) -> None:
    page.wait_for_function(
        f"(path) => {{ const w = {_FIND};"
        " return JSON.stringify(w.content.widgets[2].model.outputs.toJSON()).includes('done'); }",
        arg=path,
        timeout=180_000,
    )


def _kernel_id(page: Page, path: str) -> str:
    return page.evaluate(f"(path) => {_FIND}.sessionContext.session.kernel.id", path)


def _interrupt_ms(page: Page, path: str, code: str) -> float:
    return page.evaluate(
        f"""async ([path, code]) => {{
            const kernel = {_FIND}.sessionContext.session.kernel;
            const future = kernel.requestExecute({{ code }});
            await new Promise((r) => setTimeout(r, 700));  // really running by now
            const pressed = performance.now();
            await kernel.interrupt();
            const late = new Promise((_, fail) =>
                setTimeout(() => fail(new Error('no reply 20 s after the interrupt')), 20000));
            const reply = await Promise.race([future.done, late]);
            // pyodide-kernel names it "<class 'KeyboardInterrupt'>".
            if (!String(reply.content.ename).includes('KeyboardInterrupt')) {{
                throw new Error('not interrupted: ' + JSON.stringify(reply.content).slice(0, 200));
            }}
            return performance.now() - pressed;
        }}""",
        [path, code],
    )


def _note(n: int, text: str) -> None:
    print(f"bench: sessions run {n}: {text}", file=sys.stderr, flush=True)


def _read_around_close(
    page: Page, profile: str, result: SessionsRun, close: Callable[[], object]
) -> None:
    since = time.monotonic()
    memory.wait_until_quiet(profile, since=since, at_least=3, at_most=30)
    before = memory.read_memory(profile)
    _collect_garbage(page)
    result.pss_before_close_collected_mib = memory.read_memory(profile).pss_mib
    close()
    since = time.monotonic()
    memory.wait_until_quiet(profile, since=since, at_least=5, at_most=30)
    after = memory.read_memory(profile)
    _collect_garbage(page)
    result.pss_after_close_collected_mib = memory.read_memory(profile).pss_mib
    result.pss_before_close_mib, result.pss_after_close_mib = before.pss_mib, after.pss_mib
    result.uss_before_close_mib, result.uss_after_close_mib = before.uss_mib, after.uss_mib


_VANILLA_FIND = _FIND.replace("window.inkrider.app", "window.jupyterapp")


def run_vanilla_close(playwright: Playwright, url: str, n: int) -> SessionsRun:
    """Vanilla JupyterLite with the same three notebooks run, then one kernel shut down: what a
    vanilla kernel keeps, for the InkRider Close beside it. (Only the memory fields are set.)"""
    result = SessionsRun(run=n)
    with tempfile.TemporaryDirectory(prefix="inkrider-bench-vanilla-close-") as profile:
        context, page = _open(playwright, profile)
        try:
            page.set_default_timeout(180_000)
            page.goto(f"{url}lab/index.html?path={NOTEBOOKS[0]}")
            page.wait_for_function("window.jupyterapp !== undefined")
            page.evaluate("() => window.jupyterapp.restored")
            for path in NOTEBOOKS[1:3]:
                page.evaluate(
                    "(path) => window.jupyterapp.commands.execute('docmanager:open', { path })",
                    path,
                )
            for path in NOTEBOOKS[:3]:
                page.wait_for_function(
                    f"(path) => {{ const w = {_VANILLA_FIND};"
                    " return !!w && w.sessionContext.session?.kernel?.status === 'idle'; }",
                    arg=path,
                )
                page.evaluate(
                    f"""async (path) => {{
                        const widget = {_VANILLA_FIND};
                        window.jupyterapp.shell.activateById(widget.id);
                        // The command runs the current notebook, which follows focus.
                        while (window.jupyterapp.shell.currentWidget !== widget) {{
                            await new Promise((resolve) => setTimeout(resolve, 20));
                        }}
                        await window.jupyterapp.commands.execute('notebook:run-all-cells');
                    }}""",
                    path,
                )
            for path in NOTEBOOKS[:3]:
                page.wait_for_function(
                    f"(path) => JSON.stringify({_VANILLA_FIND}.content.widgets[2]"
                    ".model.outputs.toJSON()).includes('done')",
                    arg=path,
                )
            _note(n, "vanilla: three kernels ran their notebooks")
            _read_around_close(
                page,
                profile,
                result,
                lambda: page.evaluate(
                    f"(path) => {_VANILLA_FIND}.sessionContext.session.kernel.shutdown()",
                    NOTEBOOKS[1],
                ),
            )
        except Exception as error:  # a failed run is reported, not fatal to the bench
            result.error = f"{type(error).__name__}: {str(error).splitlines()[0]}"
        finally:
            context.close()
    return result


def run_sessions(playwright: Playwright, url: str, n: int) -> SessionsRun:
    result = SessionsRun(run=n)
    with tempfile.TemporaryDirectory(prefix="inkrider-bench-sessions-") as profile:
        context, page = _open(playwright, profile)
        try:
            page.set_default_timeout(120_000)
            page.goto(f"{url}lab/index.html?path={NOTEBOOKS[0]}")
            page.wait_for_function("window.inkrider !== undefined")
            for path in NOTEBOOKS[1:]:
                page.evaluate(
                    "(path) => window.inkrider.app.commands.execute('docmanager:open', { path })",
                    path,
                )
            page.wait_for_function(
                "JSON.parse(window.inkrider.sessions_json()).filter(s => s.connected).length"
                f" === {len(NOTEBOOKS)}"
            )
            for path in NOTEBOOKS[:3]:
                _run_all(page, path)
            for path in NOTEBOOKS[:3]:
                _wait_done(page, path)
            _run_all(page, NOTEBOOKS[3])
            page.wait_for_function(
                "JSON.parse(window.inkrider.sessions_json()).some(s => s.state === 'waiting')"
            )
            result.close_to_output_ms = page.evaluate(
                f"""async ([closing, path]) => {{
                    const outputs = {_FIND}.content.widgets[0].model.outputs;
                    const closed = performance.now();
                    window.inkrider.close_session(closing);
                    await new Promise((resolve) => {{
                        const look = () => JSON.stringify(outputs.toJSON()).includes('ran in')
                            ? resolve() : setTimeout(look, 5);
                        look();
                    }});
                    return performance.now() - closed;
                }}""",
                [_kernel_id(page, NOTEBOOKS[0]), NOTEBOOKS[3]],
            )
            _wait_done(page, NOTEBOOKS[3])

            _note(n, "close → first output measured")
            for _ in range(INTERRUPTS):
                for kind, code in (
                    (result.interrupt_loop_ms, "while True: pass"),
                    (result.interrupt_sleep_ms, "import time\ntime.sleep(100)"),
                    (result.interrupt_await_ms, "import asyncio\nawait asyncio.sleep(100)"),
                ):
                    kind.append(_interrupt_ms(page, NOTEBOOKS[2], code))

            _note(n, "interrupts measured")
            # No warm worker may boot into the freed slot: it would hide what Close released.
            page.evaluate(
                "window.inkrider._handles.settings.set('inkrider-lite:plugin', 'warmWorker', false)"
            )
            page.wait_for_function(
                "JSON.parse(window.inkrider.status_json()).warm_worker_setting === false"
            )
            _read_around_close(
                page,
                profile,
                result,
                lambda: page.evaluate(
                    "(id) => window.inkrider.close_session(id)", _kernel_id(page, NOTEBOOKS[1])
                ),
            )
        except Exception as error:  # a failed run is reported, not fatal to the bench
            result.error = f"{type(error).__name__}: {str(error).splitlines()[0]}"
        finally:
            context.close()
    return result


def report_lines(runs: list[SessionsRun], vanilla: list[SessionsRun] | None = None) -> list[str]:
    def median(values: list[float | None]) -> str:
        present = [v for v in values if v is not None]
        return f"{statistics.median(present):.0f}" if present else "–"

    ok = [r for r in runs if r.error is None]
    vanilla_ok = [r for r in vanilla or [] if r.error is None]
    lines = [
        "",
        f"Sessions (InkRider only; median of {len(ok)} run(s), "
        f"{INTERRUPTS} interrupts of each kind per run)",
        "| measure | median | unit |",
        "|---|---|---|",
        f"| Close → first output of the run waiting for that slot | "
        f"{median([r.close_to_output_ms for r in ok])} | ms |",
        f"| browser PSS before one Close (3 sessions) | "
        f"{median([r.pss_before_close_mib for r in ok])} | MiB |",
        f"| browser PSS after it | {median([r.pss_after_close_mib for r in ok])} | MiB |",
        f"| memory released by Close (PSS) | {median([r.released_pss_mib for r in ok])} | MiB |",
        f"| memory released by Close (USS) | "
        f"{median([(r.uss_before_close_mib or 0) - (r.uss_after_close_mib or 0) for r in ok])}"
        " | MiB |",
        f"| memory released by Close, each reading after a full GC (PSS) | "
        f"{median([r.released_collected_pss_mib for r in ok])} | MiB |",
        f"| the same for a vanilla kernel shut down (3 open, same notebooks) | "
        f"{median([r.released_collected_pss_mib for r in vanilla_ok])} | MiB |",
        f"| vanilla, as read (no GC) | {median([r.released_pss_mib for r in vanilla_ok])} | MiB |",
        f"| interrupt latency, `while True: pass` | "
        f"{median([r.interrupt_loop_median_ms for r in ok])} | ms |",
        f"| interrupt latency, `time.sleep(100)` | "
        f"{median([r.interrupt_sleep_median_ms for r in ok])} | ms |",
        f"| interrupt latency, `await asyncio.sleep(100)` | "
        f"{median([r.interrupt_await_median_ms for r in ok])} | ms |",
    ]
    lines += [f"  run {r.run} FAILED: {r.error}" for r in runs if r.error]
    lines += [f"  vanilla run {r.run} FAILED: {r.error}" for r in vanilla or [] if r.error]
    return lines
