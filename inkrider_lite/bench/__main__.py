"""`python -m inkrider_lite.bench [--runs N] [--json PATH]`: see `scripts/bench`."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from ..site.chromium import CHROMIUM
from . import batch, flood, memory, remote, remote_report, report
from .fresh import FreshRun, run_fresh
from .fresh import report_lines as fresh_report
from .measures import FloorRun, PackagesRun, SiteRun, run_floor, run_packages, run_site
from .sessions import SessionsRun, run_sessions, run_vanilla_close
from .sessions import report_lines as sessions_report
from .sites import Site, served, write_floor_site


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m inkrider_lite.bench")
    parser.add_argument("--runs", type=int, default=3, help="runs per site (default 3)")
    parser.add_argument("--json", type=Path, help="write the raw numbers to this file")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the repository")
    parser.add_argument("--trips", type=int, default=10, help="warm round trips per run")
    parser.add_argument(
        "--settle",
        type=float,
        default=3.0,
        help="seconds after the first output before the memory reading",
    )
    parser.add_argument(
        "--steady-min",
        type=float,
        default=8.0,
        help="earliest second after the first output for the idle reading; "
        "later than the controller's 4 s re-warm delay",
    )
    parser.add_argument(
        "--steady-max",
        type=float,
        default=40.0,
        help="latest second after the first output for the idle reading",
    )
    parser.add_argument(
        "--only",
        choices=["startup", "packages", "sessions", "fresh", "remote", "batch", "flood"],
        help="measure only rows 1–6 (startup, memory, floor), only rows 7 (the packages "
        "folder: auto-install against %%pip install -r), only the session figures (Close, "
        "memory released, interrupt latency), only a fresh local session with no warm "
        "worker (bind and restart → first output), only the remote runtime against JupyterLab "
        "on one `jupyter lab` server (rows R1–R3), only the Execution Tool's batch (six "
        "CPU-bound notebooks at parallelism 1 and 3, and nbconvert), or only a printing cell "
        "(10,000 lines, an endless loop and its Stop; see bench/flood.py); all by default",
    )
    args = parser.parse_args()
    if args.runs < 1 or args.trips < 1:
        parser.error("--runs and --trips must be at least 1")
    return args


def _environment(root: Path, sites: list[Site]) -> dict[str, Any]:
    version = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout
    commit = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout
    # Other browsers on the same 2 cores (other people's tests) slow every number down.
    others = [p for p in memory.processes().values() if memory.is_chromium(p)]
    return {
        "chromium": version.strip(),
        "cpus": os.cpu_count(),
        "loadavg_at_start": os.getloadavg(),
        "other_chromium_processes_at_start": len(others),
        "git_head": commit.strip(),
        "sites": {
            s.name: {
                "dir": str(s.directory),
                "built": time.ctime((s.directory / "jupyter-lite.json").stat().st_mtime),
            }
            for s in sites
        },
    }


def main() -> None:
    args = _arguments()
    root = args.root.resolve()
    vanilla = Site(report.VANILLA, root / "build" / "vanilla-site", inkrider=False)
    inkrider = Site(report.INKRIDER, root / "build" / "site", inkrider=True)
    for site in (vanilla, inkrider):
        if not (site.directory / "jupyter-lite.json").exists():
            sys.exit(f"bench: {site.directory} is not built (scripts/bench builds both sites)")
    pyodide_dir = inkrider.directory / "static" / "pyodide"
    if not (pyodide_dir / "pyodide.mjs").exists():
        sys.exit(f"bench: {pyodide_dir} has no pyodide.mjs; is the site being rebuilt?")

    environment = _environment(root, [vanilla, inkrider])
    runs: list[SiteRun] = []
    floor: list[FloorRun] = []
    packages: list[PackagesRun] = []
    session_runs: list[SessionsRun] = []
    vanilla_closes: list[SessionsRun] = []
    fresh_runs: list[FreshRun] = []
    remote_runs: list[remote.RemoteRun] = []
    batch_runs: list[batch.BatchRun] = []
    flood_runs: list[flood.FloodRun] = []
    started = time.monotonic()
    with ExitStack() as stack:
        floor_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="inkrider-floor-")))
        urls = {
            vanilla.name: stack.enter_context(
                served(vanilla.directory, expose_app=True, isolated=False)
            ),
            inkrider.name: stack.enter_context(served(inkrider.directory, expose_app=True)),
            "floor": stack.enter_context(served(write_floor_site(floor_dir, pyodide_dir))),
        }
        playwright = stack.enter_context(sync_playwright())
        servers: dict[str, remote.JupyterLabServer] = {}
        if args.only in (None, "remote"):
            for variant in remote.VARIANTS:
                # The first one makes JupyterLab's venv (a pip install, once).
                server = remote.JupyterLabServer(variant)
                stack.callback(server.stop)
                servers[variant] = server.start()
        for n in range(1, args.runs + 1):
            # Alternate which site goes first, so a drift in machine load hits both alike.
            order = (vanilla, inkrider) if n % 2 else (inkrider, vanilla)
            for site in order if args.only in (None, "startup") else ():
                result = run_site(
                    playwright,
                    site,
                    urls[site.name],
                    n,
                    settle_s=args.settle,
                    steady_min_s=args.steady_min,
                    steady_max_s=args.steady_max,
                    trips=args.trips,
                )
                runs.append(result)
                if result.error:
                    outcome = f"FAILED ({result.error})"
                else:
                    outcome = (
                        f"first output {(result.first_output_ms or 0) / 1000:.2f} s, "
                        f"PSS {result.mib('first', 'pss') or 0:.0f} MiB"
                    )
                elapsed = time.monotonic() - started
                print(f"bench: {site.name} run {n}: {outcome} ({elapsed:.0f} s)", file=sys.stderr)
            if args.only in (None, "startup"):
                floor.append(run_floor(playwright, urls["floor"], n))
                print(f"bench: floor run {n}: {floor[-1].done_ms} ms", file=sys.stderr)
            for site in order if args.only in (None, "packages") else ():
                packaged = run_packages(
                    playwright,
                    site,
                    urls[site.name],
                    n,
                    quiet_max_s=args.steady_max,
                    rewarm_s=args.steady_min,
                )
                packages.append(packaged)
                if packaged.error:
                    outcome = f"FAILED ({packaged.error})"
                else:
                    outcome = (
                        f"first {(packaged.first_ms or 0) / 1000:.2f} s, "
                        f"repeat {(packaged.repeat_ms or 0) / 1000:.2f} s"
                    )
                elapsed = time.monotonic() - started
                print(
                    f"bench: packages {site.name} run {n}: {outcome} ({elapsed:.0f} s)",
                    file=sys.stderr,
                )
            for site in order if args.only in (None, "fresh") else ():
                fresh_runs.append(run_fresh(playwright, site, urls[site.name], n))
                print(f"bench: fresh {site.name} run {n}: {fresh_runs[-1]}", file=sys.stderr)
            for site in order if args.only in (None, "flood") else ():
                flood_runs.append(flood.run_flood(playwright, site, urls[site.name], n))
                elapsed = time.monotonic() - started
                print(
                    f"bench: flood {site.name} run {n}: {flood_runs[-1]} ({elapsed:.0f} s)",
                    file=sys.stderr,
                )
            if args.only in (None, "sessions"):
                session_runs.append(run_sessions(playwright, urls[inkrider.name], n))
                print(f"bench: sessions run {n}: {session_runs[-1]}", file=sys.stderr)
                vanilla_closes.append(run_vanilla_close(playwright, urls[vanilla.name], n))
                print(f"bench: vanilla close run {n}: {vanilla_closes[-1]}", file=sys.stderr)
            variants = remote.VARIANTS if n % 2 else remote.VARIANTS[::-1]
            for variant in variants if servers else ():
                remote_runs.append(
                    remote.run_remote(
                        playwright,
                        servers[variant],
                        urls[inkrider.name],
                        inkrider.directory,
                        n,
                        trips=args.trips,
                    )
                )
                elapsed = time.monotonic() - started
                print(
                    f"bench: remote {variant} run {n}: "
                    f"{remote_runs[-1].error or 'done'} ({elapsed:.0f} s)",
                    file=sys.stderr,
                )
            if args.only in (None, "batch"):
                batch_runs.append(batch.run_batch(root, n))
                elapsed = time.monotonic() - started
                walls = ", ".join(f"{k} {v:.1f} s" for k, v in batch_runs[-1].wall_s.items())
                print(f"bench: batch run {n}: {walls} ({elapsed:.0f} s)", file=sys.stderr)
        # Read before the servers stop: their folders go with them.
        lean_log = servers["lean"].log.read_text() if "lean" in servers else None

    environment["duration_s"] = round(time.monotonic() - started, 1)
    print(
        f"\nInkRider Lite vs vanilla JupyterLite: {args.runs} run(s) each, headless "
        f"{environment['chromium']}, {environment['cpus']} CPUs, "
        f"load average at start {environment['loadavg_at_start'][0]:.2f}\n"
    )
    if args.only in (None, "startup"):
        print(report.markdown(runs, floor))
        print("\nInkRider controller state at the two memory readings:")
        print("\n".join(report.inkrider_states(runs)))
    if args.only in (None, "packages"):
        print("\nThe packages folder (issue 4):\n")
        print(report.packages_markdown(packages))
    if args.only in (None, "sessions"):
        print("\n".join(sessions_report(session_runs, vanilla_closes)))
    if args.only in (None, "fresh"):
        print("\n".join(fresh_report(fresh_runs, vanilla.name, inkrider.name)))
    if args.only in (None, "flood"):
        print("\n".join(flood.report_lines(flood_runs)))
    remote_warnings = remote_report.warnings(remote_runs, lean_log) if remote_runs else []
    if args.only in (None, "remote"):
        print("\nThe remote runtime against JupyterLab, one `jupyter lab` server (issue 10):\n")
        print(remote_report.markdown(remote_runs))
    if args.only in (None, "batch"):
        print("\nThe Execution Tool's batch, through the headless runner (issue 11):\n")
        print(batch.markdown(batch_runs))
    problems = report.warnings(runs, floor) + report.packages_warnings(packages) + remote_warnings
    if problems:
        print("\nWarnings:")
        print("\n".join(f"- {p}" for p in problems))
    if environment["other_chromium_processes_at_start"]:
        print(
            f"\nNote: {environment['other_chromium_processes_at_start']} other Chromium "
            "processes were running when the bench started."
        )
    if args.json:
        numbers = report.raw(runs, floor, environment, packages)
        numbers["remote"] = remote_report.raw(remote_runs, remote_warnings)
        numbers["batch"] = batch.raw(batch_runs)
        numbers["fresh"] = [vars(r) for r in fresh_runs]
        numbers["sessions"] = [vars(r) for r in session_runs]
        numbers["vanilla_close"] = [vars(r) for r in vanilla_closes]
        args.json.write_text(json.dumps(numbers, indent=2))
        print(f"\nraw numbers: {args.json}")


if __name__ == "__main__":
    main()
