"""The bench's fresh-session table: medians per site, failed runs listed, not counted."""

from __future__ import annotations

from inkrider_lite.bench.fresh import FreshRun, report_lines


def test_the_table_shows_medians_and_leaves_failed_runs_out() -> None:
    runs = [
        FreshRun("vanilla", 1, restart_ms=6000.0),
        FreshRun("vanilla", 2, restart_ms=4000.0),
        FreshRun("inkrider", 1, bind_ms=1200.0, restart_ms=1400.0),
        FreshRun("inkrider", 2, bind_ms=900.0, restart_ms=1000.0),
        FreshRun("inkrider", 3, bind_ms=100.0, error="TimeoutError: no output"),
    ]
    lines = report_lines(runs, "vanilla", "inkrider")
    assert "| bind → first output | – | 1.05 | s |" in lines
    assert "| restart → first output | 5.00 | 1.20 | s |" in lines
    assert "- inkrider run 3 failed: TimeoutError: no output" in lines


def test_a_site_without_runs_shows_a_dash() -> None:
    lines = report_lines([FreshRun("inkrider", 1, bind_ms=800.0)], "vanilla", "inkrider")
    assert "| restart → first output | – | – | s |" in lines
