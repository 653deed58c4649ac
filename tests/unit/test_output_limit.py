"""inkrider_lite.sessions.output_limit: when a cell's printed output is cut, and what it is told."""

from __future__ import annotations

import re

from inkrider_lite.sessions.output_limit import Limits, OutputLimiter, Verdict

LIMITS = Limits(msg_rate=100.0, data_rate=1_000.0, window=1.0, resume_ratio=0.8)
CUT = re.compile(r"\[([\d,]+) lines? \(([\d,]+) characters?\) of output not shown")


def cut_figures(notice: str | None) -> tuple[int, int]:
    assert notice is not None
    match = CUT.search(notice)
    assert match, notice
    return int(match[1].replace(",", "")), int(match[2].replace(",", ""))


def test_output_below_both_rates_is_shown_and_the_cell_is_told_nothing() -> None:
    limiter = OutputLimiter(LIMITS)
    for step in range(50):  # 10 messages and 100 characters every 0.1 s: 100/s, 1,000/s
        verdict = limiter.admit("a", step * 0.1, 9, 90, 9)
        assert verdict.show and verdict.notice is None
    assert limiter.finish("a") is None


def test_ten_thousand_printed_lines_at_any_speed_stay_below_the_default_limits() -> None:
    """The issue's 10,000 lines: 20,000 messages (print writes the text, then the newline)."""
    limiter = OutputLimiter()
    chars = sum(len(f"{i}\n") for i in range(10_000))
    assert limiter.admit("cell", 0.0, 20_000, chars, 10_000).show
    assert limiter.finish("cell") is None


def test_a_message_flood_is_cut_with_a_notice_then_told_how_much_at_the_end() -> None:
    limiter = OutputLimiter(LIMITS)
    first = limiter.admit("a", 0.0, 100, 100, 50)
    assert first.show
    stopped = limiter.admit("a", 0.05, 20, 20, 10)  # 120 messages in the 1 s window
    assert not stopped.show
    assert stopped.notice is not None and "Output rate exceeded" in stopped.notice
    assert "100 writes a second" in stopped.notice
    # While stopped: cut, and told nothing more until the end.
    assert limiter.admit("a", 0.1, 30, 40, 15) == Verdict(False)
    assert cut_figures(limiter.finish("a")) == (25, 60)
    assert limiter.finish("a") is None  # told once


def test_a_data_flood_is_cut_on_the_data_rate() -> None:
    limiter = OutputLimiter(LIMITS)
    verdict = limiter.admit("a", 0.0, 1, 5_000, 1)
    assert not verdict.show
    assert verdict.notice is not None and "1,000 characters a second" in verdict.notice
    assert cut_figures(limiter.finish("a")) == (1, 5_000)


def test_output_comes_back_below_80_percent_of_the_limit_with_the_figure_of_the_gap() -> None:
    limiter = OutputLimiter(LIMITS)
    assert not limiter.admit("a", 0.0, 150, 150, 75).show  # 150 messages/s: stopped
    assert not limiter.admit("a", 0.5, 10, 10, 5).show  # still 160 in the window
    # At 1.2 s the first chunk has left the window: 10 + 70 = 80 messages, not below 80 %.
    assert not limiter.admit("a", 1.2, 70, 70, 35).show
    # At 1.6 s only the last two remain: 70 + 5 = 75 messages/s < 80: shown again, with the
    # figure of everything cut since the output stopped.
    resumed = limiter.admit("a", 1.6, 5, 5, 2)
    assert resumed.show
    assert cut_figures(resumed.notice) == (75 + 5 + 35, 150 + 10 + 70)
    assert resumed.notice is not None and "output resumes below" in resumed.notice
    # A second stop: the end notice gives that part and the whole cell's total.
    assert not limiter.admit("a", 1.7, 200, 200, 100).show
    end = limiter.finish("a")
    assert cut_figures(end) == (100, 200)
    assert end is not None and "215 lines in all for this cell" in end


def test_each_cell_has_its_own_window_so_the_next_cell_after_a_stopped_flood_is_shown() -> None:
    limiter = OutputLimiter(LIMITS)
    assert not limiter.admit("flood", 0.0, 1_000, 1_000, 500).show
    assert limiter.admit("next", 0.1, 1, 6, 1).show
    assert limiter.finish("next") is None
    assert cut_figures(limiter.finish("flood")) == (500, 1_000)


def test_forget_drops_every_cell() -> None:
    limiter = OutputLimiter(LIMITS)
    limiter.admit("a", 0.0, 1_000, 1_000, 500)
    limiter.forget()
    assert limiter.finish("a") is None
    assert limiter.admit("a", 0.1, 1, 1, 1).show


def test_writes_close_together_are_one_entry_of_the_window() -> None:
    limiter = OutputLimiter(LIMITS)
    for i in range(100_000):  # a million writes a second for 0.1 s
        limiter.admit("a", i * 1e-6, 1, 1, 0)
    state = limiter._cells["a"]
    assert len(state.chunks) <= 3 and state.messages == 100_000
