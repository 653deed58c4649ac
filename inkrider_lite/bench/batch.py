"""The Execution Tool's batch (issue 11): six CPU-bound notebooks through the headless runner at
parallelism 1 and 3, and the same notebooks through `jupyter nbconvert --execute` on a local
CPython ipykernel, the tool a CI user would otherwise pick.

The runner drives the page's Execution Tool, so its wall time is the batch's plus one page load.
Each notebook prints how long its own work took, which tells how much of a batch is work and how
much is session start-up.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

NOTEBOOKS = 6
#: Pure-Python work of about 2 s in the browser's Pyodide on this 2-core machine.
WORK = """import time
_started = time.perf_counter()
total = 0
for i in range(9_000_000):
    total += i * i % 7
print(f"work {time.perf_counter() - _started:.3f} s")"""
ARMS = ("parallel 1", "parallel 3", "nbconvert")


@dataclass
class BatchRun:
    n: int
    wall_s: dict[str, float] = field(default_factory=dict)
    #: The runner's batch alone, as the page timed it: no browser start, no page load.
    batch_s: dict[str, float] = field(default_factory=dict)
    #: The notebooks' own work, summed, per arm.
    work_s: dict[str, float] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def write_notebooks(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(1, NOTEBOOKS + 1):
        notebook = {
            "cells": [
                {
                    "cell_type": "code",
                    "execution_count": None,
                    "id": "work",
                    "metadata": {},
                    "outputs": [],
                    "source": WORK,
                }
            ],
            "metadata": {
                "kernelspec": {"display_name": "Python", "language": "python", "name": "python"},
                "language_info": {"name": "python"},
            },
            "nbformat": 4,
            "nbformat_minor": 5,
        }
        path = folder / f"cpu-{number}.ipynb"
        path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
        paths.append(path)
    return paths


def _work_seconds(folder: Path) -> float:
    total = 0.0
    for path in sorted(folder.glob("*.ipynb")):
        cell = json.loads(path.read_text(encoding="utf-8"))["cells"][0]
        for output in cell.get("outputs", []):
            text = "".join(output.get("text", []))
            if text.startswith("work "):
                total += float(text.split()[1])
    return total


def _command(arm: str, notebooks: Path, out: Path) -> list[str]:
    if arm == "nbconvert":
        return [
            sys.executable,
            "-m",
            "jupyter",
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
            "--ExecutePreprocessor.kernel_name=python3",
            "--output-dir",
            str(out),
            *map(str, sorted(notebooks.glob("*.ipynb"))),
        ]
    parallel = arm.split()[-1]
    return [sys.executable, "-m", "inkrider_lite", "run", str(notebooks), "--parallel", parallel]


def run_batch(root: Path, n: int) -> BatchRun:
    result = BatchRun(n)
    with tempfile.TemporaryDirectory(prefix="inkrider-batch-") as temporary:
        notebooks = Path(temporary) / "cpu"
        write_notebooks(notebooks)
        # Alternate the order between runs, so that a drift in load hits every arm alike.
        for arm in ARMS if n % 2 else ARMS[::-1]:
            out = Path(temporary) / arm.replace(" ", "-")
            command = _command(arm, notebooks, out)
            if arm != "nbconvert":
                command += ["--output-dir", str(out)]
            started = time.monotonic()
            done = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=1800)
            result.wall_s[arm] = time.monotonic() - started
            for line in done.stdout.splitlines():
                if line.startswith("the batch took "):
                    result.batch_s[arm] = float(line.split()[3])
            if done.returncode != 0:
                result.errors[arm] = (done.stderr.strip().splitlines() or ["failed"])[-1]
            result.work_s[arm] = _work_seconds(out)
    return result


def markdown(runs: list[BatchRun]) -> str:
    def median(arm: str) -> float | None:
        values = [r.wall_s[arm] for r in runs if arm in r.wall_s and arm not in r.errors]
        return statistics.median(values) if values else None

    def work(arm: str) -> float | None:
        values = [r.work_s[arm] for r in runs if r.work_s.get(arm)]
        return statistics.median(values) if values else None

    speedups = [
        r.batch_s["parallel 1"] / r.batch_s["parallel 3"]
        for r in runs
        if not r.errors and {"parallel 1", "parallel 3"} <= r.batch_s.keys()
    ]
    wall_speedups = [
        r.wall_s["parallel 1"] / r.wall_s["parallel 3"]
        for r in runs
        if not r.errors and "parallel 3" in r.wall_s
    ]
    versus = [
        r.wall_s["parallel 3"] / r.wall_s["nbconvert"]
        for r in runs
        if not r.errors and "nbconvert" in r.wall_s
    ]
    lines = [
        f"| arm ({NOTEBOOKS} CPU-bound notebooks) | wall time (median) | the batch in the page "
        "(median) | the notebooks' own work (sum, median) | work's share of the batch |",
        "|---|---|---|---|---|",
    ]
    for arm in ARMS:
        wall, own = median(arm), work(arm)
        values = [r.batch_s[arm] for r in runs if arm in r.batch_s]
        inside = statistics.median(values) if values else None
        share = f"{own / (inside or wall):.0%}" if (inside or wall) and own else "–"
        name = "nbconvert --execute, local CPython ipykernel" if arm == "nbconvert" else arm
        lines.append(f"| {name} | {_s(wall)} | {_s(inside)} | {_s(own)} | {share} |")
    if speedups:
        lines.append(
            f"\nSpeed-up of the batch, parallelism 3 against 1 (per run, then median): "
            f"{statistics.median(speedups):.2f}× (target ≥ 1.8×); runs: "
            + ", ".join(f"{s:.2f}" for s in speedups)
        )
    if wall_speedups:
        lines.append(
            "The same with the runner's whole wall time (Chromium's start and the page load "
            f"included): {statistics.median(wall_speedups):.2f}×; runs: "
            + ", ".join(f"{s:.2f}" for s in wall_speedups)
        )
    if versus:
        lines.append(
            f"Headless runner at parallelism 3 ÷ nbconvert: {statistics.median(versus):.1f}×; "
            "runs: " + ", ".join(f"{v:.1f}" for v in versus)
        )
    for r in runs:
        for arm, error in r.errors.items():
            lines.append(f"- run {r.n}, {arm}: FAILED ({error})")
    lines.append(
        "\nThe runner's wall time includes starting headless Chromium and loading the site once; "
        "sessions start one after another, each a Pyodide boot. The work share is the notebooks' "
        "own timed loops over the wall time (at parallelism 3 it may pass 100% when they overlap)."
    )
    return "\n".join(lines)


def _s(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds:.1f} s"


def raw(runs: list[BatchRun]) -> list[dict[str, object]]:
    return [
        {"n": r.n, "wall_s": r.wall_s, "batch_s": r.batch_s, "work_s": r.work_s, "errors": r.errors}
        for r in runs
    ]
