"""inkrider_lite.bench.remote_report: the remote group's statistics, ratios and tables, on
made-up runs (the browser part is inkrider_lite/bench/remote.py, run by scripts/bench)."""

from __future__ import annotations

import pytest

from inkrider_lite.bench.remote import INKRIDER, LAB, NODELAY_LOG, RemoteRun
from inkrider_lite.bench.remote_report import (
    SPLIT_MEASURES,
    TRIP_MEASURES,
    markdown,
    percentile,
    split_row,
    summary,
    trip_row,
    warm,
    warnings,
)

KERNEL_API = TRIP_MEASURES[0]


def run(n: int, server: str, lab: list[list[float]], ink: list[list[float]]) -> RemoteRun:
    return RemoteRun(
        run=n,
        server=server,
        loadavg_1m=1.0,
        kernel_trips={LAB: lab, INKRIDER: ink},
        ui_trips={LAB: lab, INKRIDER: ink},
        inkrider_press_to_output_ms=500.0 + n,
        inkrider_output_text="linux 3.11.7",
        lab_open_to_output_ms=1500.0,
        lab_output_text="linux 3.11.7",
        test_first_ms=80.0,
        test_repeat_ms=[40.0, 60.0],
    )


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([float(v) for v in range(1, 11)], 90) == pytest.approx(9.1)
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([7.0], 90) == 7.0
    assert percentile([], 90) is None


def test_each_blocks_first_trip_is_dropped() -> None:
    assert warm([[100.0, 1.0, 2.0], [90.0, 3.0]]) == [1.0, 2.0, 3.0]
    assert warm([[100.0]]) == []


def test_a_share_that_could_not_be_taken_is_left_out() -> None:
    assert warm([[5.0, None, 2.0], [None, 3.0]]) == [2.0, 3.0]


def test_the_split_names_inkriders_extra_share() -> None:
    r = run(1, "lean", lab=[], ink=[])
    r.kernel_out = {LAB: [[9.0, 0.1, 0.1, 0.2]], INKRIDER: [[9.0, 5.0, None, 4.0]]}
    row = split_row("out", SPLIT_MEASURES[0][1], [r])
    assert row["jupyterlab_median"] == 0.1
    assert row["inkrider_median"] == 4.5
    assert row["extra"] == pytest.approx(4.4)


def test_the_ratio_is_taken_within_each_run_then_the_median_over_runs() -> None:
    # Run 2 is twice as slow on both sides (machine load): its ratio is still 1.2.
    runs = [
        run(1, "lean", lab=[[0, 10, 10]], ink=[[0, 12, 12]]),
        run(2, "lean", lab=[[0, 20, 20]], ink=[[0, 24, 24]]),
        run(3, "lean", lab=[[0, 10, 10]], ink=[[0, 10, 10]]),
    ]
    row = trip_row("trip", KERNEL_API[1], runs)
    assert [p["median"] for p in row["per_run"]] == pytest.approx([1.2, 1.2, 1.0])
    assert row["ratio_median"] == pytest.approx(1.2)
    assert row["met"] is False
    assert row["jupyterlab_median"] == 10
    assert row["trips"] == {LAB: 6, INKRIDER: 6}


def test_a_run_without_trips_of_one_side_gives_no_ratio() -> None:
    failed = run(1, "lean", lab=[[0, 10, 10]], ink=[])
    row = trip_row("trip", KERNEL_API[1], [failed])
    assert row["per_run"] == [] and row["ratio_median"] is None and row["met"] is None


def test_the_tables_name_the_target_and_whether_it_is_met() -> None:
    runs = [
        run(1, "as-installed", lab=[[0, 50, 50]], ink=[[0, 52, 52]]),
        run(1, "lean", lab=[[0, 10, 10]], ink=[[0, 13, 13]]),
    ]
    text = markdown(runs)
    assert "| R1. warm round trip of `1`, kernel API | 50.0 ms |" in text
    assert "| 1.040 | 1.040 | ≤ 1.1 met |" in text
    assert "| 1.300 | 1.300 | ≤ 1.1 MISSED |" in text
    assert "| R2. InkRider: Run pressed → first output, fresh remote session | 0.50 s |" in text
    numbers = summary(runs)
    assert numbers["lean"]["first"][4]["median"] == 50.0  # the repeats' median, then over runs


def test_warnings_name_what_makes_a_number_suspect() -> None:
    broken = run(2, "lean", lab=[], ink=[])
    broken.error = "RuntimeError: Test connection said 'no'"
    broken.inkrider_output_text = "emscripten 3.14.2"
    broken.console_errors = [
        "Failed to load resource: 404 [http://127.0.0.1:1/favicon.ico]",
        "boom [http://127.0.0.1:1/x.js]",
    ]
    found = warnings([broken], lean_server_log="no such line")
    assert any("FAILED" in f for f in found)
    assert any("not the server's" in f for f in found)
    assert any("1 console error(s), first: 'boom" in f for f in found)
    assert any("never set TCP_NODELAY" in f for f in found)
    assert warnings([run(1, "lean", [[0, 1]], [[0, 1]])], NODELAY_LOG) == []
