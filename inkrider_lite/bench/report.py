"""Medians, ratios and the Markdown table; the raw numbers as JSON."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from .measures import FloorRun, PackagesRun, SiteRun

VANILLA, INKRIDER = "vanilla", "inkrider"

#: Issue 4's targets for the packages folder, as InkRider ÷ vanilla.
FIRST_INSTALL_TARGET = 0.7
REPEAT_TARGET = 0.3
#: What the packages folder's cell prints, one line each, when every import worked.
PACKAGE_NAMES = (
    "attrs",
    "markdown-it-py",
    "linkify-it-py",
    "humanize",
    "python-dateutil",
    "more-itertools",
)


@dataclass(frozen=True)
class Measure:
    label: str
    unit: str  # "s", "ms" or "MiB": how the table prints it
    pick: Callable[[SiteRun], float | None]
    inkrider_only: bool = False


MEASURES = [
    Measure("1. page load → UI ready (first cell visible)", "s", lambda r: r.ui_ready_ms),
    Measure("2. page load → first output of the first cell", "s", lambda r: r.first_output_ms),
    Measure("2b. accepted Run press → first output", "s", lambda r: r.press_to_output_ms),
    Measure("3. warm round trip of `1`, kernel API", "ms", lambda r: r.kernel_trip_ms),
    Measure("3b. warm round trip of `1`, UI Ctrl+Enter", "ms", lambda r: r.ui_trip_ms),
    Measure(
        "3c. of 3, the worker's own busy → idle (the kernel's stamps)",
        "ms",
        lambda r: r.kernel_trip_worker_ms,
    ),
    Measure("3d. of 3b, the worker's own busy → idle", "ms", lambda r: r.ui_trip_worker_ms),
    Measure(
        "4. browser PSS, one session, first output + settle", "MiB", lambda r: r.mib("first", "pss")
    ),
    Measure("4b. browser USS (private pages), same moment", "MiB", lambda r: r.mib("first", "uss")),
    Measure(
        "4c. browser PSS once idle (after any re-warm)", "MiB", lambda r: r.mib("steady", "pss")
    ),
    Measure(
        "4d. browser USS once idle (after any re-warm)", "MiB", lambda r: r.mib("steady", "uss")
    ),
    Measure(
        "4e. browser PSS once idle, after a full GC in the page and its workers",
        "MiB",
        lambda r: r.mib("collected", "pss"),
    ),
    Measure("4f. browser USS, same moment", "MiB", lambda r: r.mib("collected", "uss")),
    Measure(
        "5. controller boot (activate → Python ready)",
        "s",
        lambda r: r.controller_boot_ms,
        inkrider_only=True,
    ),
    Measure(
        "5b. longest main-thread task, navigation → first output", "ms", lambda r: r.longest_task_ms
    ),
    Measure(
        "5c. longest main-thread task begun during the controller's boot (0: none over 50 ms)",
        "ms",
        lambda r: r.controller_longest_task_ms,
        inkrider_only=True,
    ),
]


def median(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "s":
        return f"{value / 1000:.2f} s"  # measured in ms, printed in s
    if unit == "ms":
        return f"{value:.1f} ms"
    return f"{value:.0f} MiB"


def _runs_of(runs: list[SiteRun], site: str) -> list[SiteRun]:
    return [r for r in runs if r.site == site]


def summary(runs: list[SiteRun], floor: list[FloorRun]) -> list[dict[str, Any]]:
    rows = []
    for m in MEASURES:
        van = [m.pick(r) for r in _runs_of(runs, VANILLA)]
        ink = [m.pick(r) for r in _runs_of(runs, INKRIDER)]
        v, i = (None if m.inkrider_only else median(van)), median(ink)
        rows.append(
            {
                "measure": m.label,
                "unit": m.unit,
                "vanilla": van,
                "inkrider": ink,
                "vanilla_median": v,
                "inkrider_median": i,
                "ratio": i / v if v and i is not None else None,
            }
        )
    rows.append(
        {
            "measure": "6. floor: bare page, navigation → runPython('1')",
            "unit": "s",
            "floor": [f.done_ms for f in floor],
            "floor_median": median([f.done_ms for f in floor]),
        }
    )
    return rows


def markdown(runs: list[SiteRun], floor: list[FloorRun]) -> str:
    lines = [
        "| measure | vanilla (median) | InkRider (median) | ratio |",
        "|---|---|---|---|",
    ]
    for m in MEASURES:
        van = None if m.inkrider_only else median([m.pick(r) for r in _runs_of(runs, VANILLA)])
        ink = median([m.pick(r) for r in _runs_of(runs, INKRIDER)])
        ratio = f"{ink / van:.2f}" if van and ink is not None else "–"
        lines.append(f"| {m.label} | {_fmt(van, m.unit)} | {_fmt(ink, m.unit)} | {ratio} |")

    lines += [
        "",
        "Each cell is the median over runs. Within a run, 3 and 3b are the median of the round "
        "trips after the first; 1, 2 and 5b count from the navigation start.",
    ]
    floor_rows = [
        ("6. navigation → `runPython('1')` done", "s", [f.done_ms for f in floor]),
        ("6b. `import()` → `runPython('1')` done", "s", [f.boot_ms for f in floor]),
        ("6c. longest main-thread task", "ms", [f.longest_task_ms for f in floor]),
    ]
    lines += ["", "| physical floor (bare page, same Pyodide files) | median |", "|---|---|"]
    lines += [f"| {label} | {_fmt(median(values), unit)} |" for label, unit, values in floor_rows]

    lines += ["", "Per run (in run order):", ""]
    for m in MEASURES:
        for site in (VANILLA, INKRIDER):
            if m.inkrider_only and site == VANILLA:
                continue
            values = ", ".join(_fmt(m.pick(r), m.unit) for r in _runs_of(runs, site))
            lines.append(f"- {m.label.split(' ', 1)[0]} {site}: {values}")
    floor_values = ", ".join(_fmt(f.done_ms, "s") for f in floor)
    lines.append(f"- 6. floor: {floor_values}")
    for site in (VANILLA, INKRIDER):
        loads = ", ".join(f"{r.loadavg_1m:.2f}" for r in _runs_of(runs, site))
        lines.append(f"- load average (1 min) at run start, {site}: {loads}")
    for site in (VANILLA, INKRIDER):
        others = ", ".join(
            str(r.reading.other_chromium_processes) if r.reading else "–"
            for r in _runs_of(runs, site)
        )
        lines.append(f"- other people's Chromium processes at reading 4, {site}: {others}")
    return "\n".join(lines)


def warnings(runs: list[SiteRun], floor: list[FloorRun]) -> list[str]:
    """What makes a number suspect; printed under the table rather than silently averaged."""
    found = []
    for r in runs:
        tag = f"{r.site} run {r.run}"
        if r.error:
            found.append(f"{tag} FAILED, its later numbers are missing: {r.error}")
        if r.run_press_events:
            found.append(
                f"{tag}: the first run needed {r.run_press_attempts} Shift+Enter press(es): "
                + "; ".join(r.run_press_events)
            )
        if r.first_output_ms is not None and "emscripten" not in r.first_output_text:
            found.append(f"{tag}: unexpected first output {r.first_output_text[:80]!r}")
        if r.long_task_error:
            found.append(f"{tag}: no long-task data ({r.long_task_error})")
        if r.kernel_trips_error:
            found.append(f"{tag}: kernel API round trip unavailable ({r.kernel_trips_error})")
        if r.ui_trips_error:
            found.append(f"{tag}: UI round trip failed ({r.ui_trips_error})")
        if r.mib("steady", "pss") is not None and not r.steady_was_quiet:
            found.append(f"{tag}: browser never went quiet; 4c/4d taken at {r.steady_at_s:.0f} s")
        if r.site == INKRIDER and r.controller_from_snapshot is False:
            found.append(f"{tag}: the controller booted without its memory snapshot")
        # The browser asks every origin for /favicon.ico; neither site has one, alike.
        errors = [e for e in r.console_errors if not e.endswith("/favicon.ico]")]
        if errors:
            found.append(f"{tag}: {len(errors)} console error(s), first: {errors[0][:200]!r}")
    for f in floor:
        if f.error:
            found.append(f"floor run {f.run}: {f.error}")
    return found


def inkrider_states(runs: list[SiteRun]) -> list[str]:
    lines = []
    for r in _runs_of(runs, INKRIDER):
        lines.append(
            f"- run {r.run}: at {r.pss_at_s:.1f} s {r.status}; "
            f"at {r.steady_at_s:.1f} s {r.steady_status}"
        )
    return lines


def raw(
    runs: list[SiteRun],
    floor: list[FloorRun],
    environment: dict[str, Any],
    packages: list[PackagesRun] | None = None,
) -> dict[str, Any]:
    return {
        "environment": environment,
        "summary": summary(runs, floor),
        "packages_summary": packages_summary(packages or []),
        "packages": [asdict(p) for p in packages or []],
        "runs": [
            asdict(r)
            | {
                "press_to_output_ms": r.press_to_output_ms,
                **{
                    f"{'' if moment == 'first' else moment + '_'}{kind}_mib": r.mib(moment, kind)
                    for moment in ("first", "steady", "collected")
                    for kind in ("pss", "uss")
                },
                "kernel_trip_ms": r.kernel_trip_ms,
                "ui_trip_ms": r.ui_trip_ms,
            }
            for r in runs
        ],
        "floor": [asdict(f) for f in floor],
        "warnings": warnings(runs, floor) + packages_warnings(packages or []),
    }


# --------------------------------------------------------------------------- packages


def _packages_of(runs: list[PackagesRun], site: str) -> list[PackagesRun]:
    return [r for r in runs if r.site == site]


def packages_summary(runs: list[PackagesRun]) -> list[dict[str, Any]]:
    """Rows 7, 7b and 7c: medians over runs, the ratio, the target and whether it is met."""
    van_first = median([r.first_ms for r in _packages_of(runs, VANILLA)])
    van_repeat = median([r.repeat_ms for r in _packages_of(runs, VANILLA)])
    ink_first = median([r.first_ms for r in _packages_of(runs, INKRIDER)])
    ink_repeat = median([r.repeat_ms for r in _packages_of(runs, INKRIDER)])
    rows = [
        ("7. first session: Run → every package imported", van_first, ink_first),
        ("7b. repeat session, warm cache (each against its own repeat)", van_repeat, ink_repeat),
        ("7c. InkRider's repeat against vanilla's first install", van_first, ink_repeat),
    ]
    targets = [FIRST_INSTALL_TARGET, None, REPEAT_TARGET]
    out = []
    for (label, van, ink), target in zip(rows, targets, strict=True):
        ratio = ink / van if van and ink is not None else None
        out.append(
            {
                "measure": label,
                "vanilla_median": van,
                "inkrider_median": ink,
                "ratio": ratio,
                "target": target,
                "met": None if target is None or ratio is None else ratio <= target,
            }
        )
    return out


def packages_markdown(runs: list[PackagesRun]) -> str:
    lines = [
        "| packages/ (5 packages, their dependencies and a -r include) | vanilla (median) "
        "| InkRider (median) | ratio | target |",
        "|---|---|---|---|---|",
    ]
    for row in packages_summary(runs):
        ratio = "–" if row["ratio"] is None else f"{row['ratio']:.2f}"
        if row["target"] is None:
            target = "–"
        else:
            target = (
                f"≤ {row['target']:.1f}" + {True: " met", False: " MISSED", None: ""}[row["met"]]
            )
        lines.append(
            f"| {row['measure']} | {_fmt(row['vanilla_median'], 's')} "
            f"| {_fmt(row['inkrider_median'], 's')} | {ratio} | {target} |"
        )
    lines += [
        "",
        "Vanilla runs a notebook in the same folder whose cell is `%pip install -r "
        "requirements.txt` and then the same imports; InkRider runs the folder's own notebook, "
        "which has no `%pip` (requirements.txt is installed when its session starts). Each time "
        "counts from the accepted Run press to the output line of the last package, with the "
        "page loaded and the browser quiet (vanilla's kernel and InkRider's warm worker booted). "
        "The repeat closes the session (vanilla: restarts the kernel) and runs the cell again "
        "in the same page. Both sites are served by the same server, which lets the browser "
        "keep wheels linked by digest.",
        "",
    ]
    for site in (VANILLA, INKRIDER):
        mine = _packages_of(runs, site)
        lines.append(f"- 7 {site}: " + ", ".join(_fmt(r.first_ms, "s") for r in mine))
        lines.append(f"- 7b {site}: " + ", ".join(_fmt(r.repeat_ms, "s") for r in mine))
    return "\n".join(lines)


def packages_warnings(runs: list[PackagesRun]) -> list[str]:
    found = []
    for r in runs:
        tag = f"packages {r.site} run {r.run}"
        if r.error:
            found.append(f"{tag} FAILED, its later numbers are missing: {r.error}")
        if r.press_events:
            found.append(f"{tag}: Run needed more presses: " + "; ".join(r.press_events))
        for which, text in (("first", r.first_text), ("repeat", r.repeat_text)):
            if text and not all(f"{name} " in text for name in PACKAGE_NAMES):
                found.append(f"{tag}: unexpected {which} output {text[:120]!r}")
    return found
