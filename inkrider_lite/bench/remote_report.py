"""The remote group's figures: trip statistics, ratios against JupyterLab, the Markdown tables.

Pure logic over `RemoteRun` records, so that it is tested without a browser or a server.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

from .remote import INKRIDER, LAB, NODELAY_LOG, VARIANTS, RemoteRun

#: Issue 10: a remote round trip through InkRider may take at most this much of JupyterLab's.
TRIP_TARGET = 1.1


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0–100), interpolated between the closest ranks (as numpy's
    default), so that it is defined for a handful of trips too."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def warm(blocks: Sequence[Sequence[float | None]]) -> list[float]:
    """The trips of all blocks, without each block's first: the page was doing something else
    just before it (the other page's block, or the first run's output). A share that could not
    be taken (None) is left out."""
    return [t for block in blocks for t in block[1:] if t is not None]


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    return numerator / denominator if numerator is not None and denominator else None


TripKind = Callable[[RemoteRun], dict[str, list[list[float]]]]
TRIP_MEASURES: list[tuple[str, TripKind]] = [
    ("R1. warm round trip of `1`, kernel API", lambda r: r.kernel_trips),
    ("R1b. warm round trip of `1`, UI Ctrl+Enter", lambda r: r.ui_trips),
]


def trip_row(label: str, pick: TripKind, runs: list[RemoteRun]) -> dict[str, Any]:
    """Median and p90 of each side's warm trips over all runs, and the ratios, taken run by
    run (both sides alternated within a run, so load drift between runs cancels) and then
    the median over runs."""
    pooled = {
        side: [t for r in runs for t in warm(pick(r).get(side, []))] for side in (LAB, INKRIDER)
    }
    per_run = []
    for r in runs:
        lab, ink = warm(pick(r).get(LAB, [])), warm(pick(r).get(INKRIDER, []))
        if lab and ink:
            per_run.append(
                {
                    "run": r.run,
                    "median": _ratio(statistics.median(ink), statistics.median(lab)),
                    "p90": _ratio(percentile(ink, 90), percentile(lab, 90)),
                }
            )
    ratio = median([p["median"] for p in per_run])
    return {
        "measure": label,
        "trips": {side: len(values) for side, values in pooled.items()},
        "jupyterlab_median": median(pooled[LAB]),
        "jupyterlab_p90": percentile(pooled[LAB], 90),
        "inkrider_median": median(pooled[INKRIDER]),
        "inkrider_p90": percentile(pooled[INKRIDER], 90),
        "ratio_median": ratio,
        "ratio_p90": median([p["p90"] for p in per_run]),
        "per_run": per_run,
        "target": TRIP_TARGET,
        "met": None if ratio is None else ratio <= TRIP_TARGET,
    }


SplitKind = Callable[[RemoteRun], dict[str, list[list[float | None]]]]
SPLIT_MEASURES: list[tuple[str, SplitKind]] = [
    ("R1c. kernel API, client out: request → its WebSocket send", lambda r: r.kernel_out),
    (
        "R1d. kernel API, client back: last WebSocket message → reply and idle delivered",
        lambda r: r.kernel_back,
    ),
    ("R1e. UI, client out: Enter → its WebSocket send", lambda r: r.ui_out),
    ("R1f. UI, client back: last WebSocket message → new execution count", lambda r: r.ui_back),
]


def split_row(label: str, pick: SplitKind, runs: list[RemoteRun]) -> dict[str, Any]:
    """A client's own share of the R1 trips: medians over all runs, and InkRider's extra."""
    values = {
        side: median([t for r in runs for t in warm(pick(r).get(side, []))])
        for side in (LAB, INKRIDER)
    }
    lab, ink = values[LAB], values[INKRIDER]
    return {
        "measure": label,
        "jupyterlab_median": lab,
        "inkrider_median": ink,
        "extra": ink - lab if lab is not None and ink is not None else None,
    }


FirstKind = Callable[[RemoteRun], float | None]
FIRST_MEASURES: list[tuple[str, FirstKind]] = [
    (
        "R2. InkRider: Run pressed → first output, fresh remote session",
        lambda r: r.inkrider_press_to_output_ms,
    ),
    (
        "R2 reference. JupyterLab: notebook opened (new kernel) → first output",
        lambda r: r.lab_open_to_output_ms,
    ),
    (
        "R2 reference b. JupyterLab: its Run press (kernel starting) → first output",
        lambda r: r.lab_press_to_output_ms,
    ),
    ("R3. Test connection, click → verdict shown (first)", lambda r: r.test_first_ms),
    (
        "R3b. Test connection again, same page (median of repeats)",
        lambda r: median(r.test_repeat_ms),
    ),
]


def _of(runs: list[RemoteRun], variant: str) -> list[RemoteRun]:
    return [r for r in runs if r.server == variant]


def summary(runs: list[RemoteRun]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for variant in VARIANTS:
        mine = _of(runs, variant)
        out[variant] = {
            "trips": [trip_row(label, pick, mine) for label, pick in TRIP_MEASURES],
            "split": [split_row(label, pick, mine) for label, pick in SPLIT_MEASURES],
            "first": [
                {
                    "measure": label,
                    "values": [pick(r) for r in mine],
                    "median": median([pick(r) for r in mine]),
                }
                for label, pick in FIRST_MEASURES
            ],
        }
    return out


def _ms(value: float | None) -> str:
    # `or 0.0`: a difference of -0.04 ms prints as 0.0, not -0.0.
    return "–" if value is None else f"{round(value, 1) or 0.0:.1f} ms"


def _s(value: float | None) -> str:
    return "–" if value is None else f"{value / 1000:.2f} s"


def _x(value: float | None) -> str:
    # Three decimals: the verdict is on the exact ratio, and 1.104 must not read as 1.10.
    return "–" if value is None else f"{value:.3f}"


def markdown(runs: list[RemoteRun]) -> str:
    numbers = summary(runs)
    lines: list[str] = []
    for variant in VARIANTS:
        lines += [
            f"Server: {variant}",
            "",
            "| measure | JupyterLab median | JupyterLab p90 | InkRider median | InkRider p90 "
            "| ratio (median) | ratio (p90) | target |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for row in numbers[variant]["trips"]:
            verdict = {True: " met", False: " MISSED", None: ""}[row["met"]]
            lines.append(
                f"| {row['measure']} | {_ms(row['jupyterlab_median'])} "
                f"| {_ms(row['jupyterlab_p90'])} | {_ms(row['inkrider_median'])} "
                f"| {_ms(row['inkrider_p90'])} | {_x(row['ratio_median'])} "
                f"| {_x(row['ratio_p90'])} | ≤ {row['target']:.1f}{verdict} |"
            )
        lines += [
            "",
            "| where R1's time goes (medians) | JupyterLab | InkRider | InkRider's extra |",
            "|---|---|---|---|",
        ]
        for row in numbers[variant]["split"]:
            lines.append(
                f"| {row['measure']} | {_ms(row['jupyterlab_median'])} "
                f"| {_ms(row['inkrider_median'])} | {_ms(row['extra'])} |"
            )
        lines.append("")
    lines += [
        "Trips: each side's blocks alternate within a run, each block's first trip is dropped; "
        "median and p90 pool the remaining trips of every run. A ratio is InkRider ÷ JupyterLab "
        "within one run, then the median over runs. as-installed: `jupyter lab` as users run "
        "it. lean: the same server with TCP_NODELAY on the kernel WebSocket and JupyterLab's "
        "debugger off, so both clients exchange the same messages without the server's "
        "Nagle delay. R1c–R1f time the kernel's real WebSocket in each page (InkRider: the "
        "relay's); the rest of a trip is the network, the server and the kernel.",
        "",
        "| first run and connection (median over runs) | " + " | ".join(VARIANTS) + " |",
        "|---|" + "---|" * len(VARIANTS),
    ]
    for index, (label, _) in enumerate(FIRST_MEASURES):
        cells = [_s(numbers[v]["first"][index]["median"]) for v in VARIANTS]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "R2 counts from the press the notebook acted on; InkRider creates the kernel on the "
        "server at that press. JupyterLab starts its kernel when the notebook opens, so its "
        "reference counts from the open (docmanager:open) with Run pressed as soon as the "
        "notebook has a kernel object; R2 reference b is that press's share.",
        "",
        "Per run (in run order):",
        "",
    ]
    for variant in VARIANTS:
        for label, pick in TRIP_MEASURES:
            tag = label.split(" ", 1)[0]
            for side in (LAB, INKRIDER):
                values = ", ".join(
                    _ms(median(warm(pick(r).get(side, [])))) for r in _of(runs, variant)
                )
                lines.append(f"- {variant} {tag} {side} medians: {values}")
            ratios = ", ".join(
                _x(p["median"]) for p in trip_row(label, pick, _of(runs, variant))["per_run"]
            )
            lines.append(f"- {variant} {tag} ratios: {ratios}")
        for label, pick in FIRST_MEASURES:
            values = ", ".join(_s(pick(r)) for r in _of(runs, variant))
            lines.append(f"- {variant} {label.split(':')[0].split('.')[0]}: {values}")
        loads = ", ".join(f"{r.loadavg_1m:.2f}" for r in _of(runs, variant))
        lines.append(f"- {variant} load average (1 min) at run start: {loads}")
    return "\n".join(lines)


def warnings(runs: list[RemoteRun], lean_server_log: str | None = None) -> list[str]:
    """What makes a number suspect; printed under the tables rather than averaged away."""
    found = []
    for r in runs:
        tag = f"remote {r.server} run {r.run}"
        if r.error:
            found.append(f"{tag} FAILED, its later numbers are missing: {r.error}")
        for side, text in ((INKRIDER, r.inkrider_output_text), (LAB, r.lab_output_text)):
            if text and "linux" not in text:
                found.append(f"{tag}: {side}'s first output is {text[:80]!r}, not the server's")
        if r.press_events:
            found.append(f"{tag}: Run needed more presses: " + "; ".join(r.press_events))
        if r.foreign_requests:
            found.append(
                f"{tag}: {len(r.foreign_requests)} request(s) off 127.0.0.1, first: "
                f"{r.foreign_requests[0][:120]}"
            )
        errors = [e for e in r.console_errors if not e.endswith("/favicon.ico]")]
        if errors:
            found.append(f"{tag}: {len(errors)} console error(s), first: {errors[0][:200]!r}")
    if lean_server_log is not None and NODELAY_LOG not in lean_server_log:
        found.append("the lean server never set TCP_NODELAY: its figures are as-installed ones")
    return found


def raw(runs: list[RemoteRun], warned: list[str]) -> dict[str, Any]:
    return {"summary": summary(runs), "runs": [asdict(r) for r in runs], "warnings": warned}
