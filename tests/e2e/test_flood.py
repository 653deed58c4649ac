"""A printing cell never freezes the page (issue 13 §6): a local worker's messages go to the
notebook in the loader, joined and limited there (sessions/output_limit.py decides), so the page
answers through a flood, Stop ends an endless printing loop, and nothing is cut silently."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect

from inkrider_lite.sessions.output_limit import DEFAULT_LIMITS

from .notebook import cells, open_notebook, run_in_new_cell, submit_in_new_cell

RUNNING = re.compile(r"\[\*\]")
DONE = re.compile(r"\[\d+\]")
CUT = re.compile(r"\[([\d,]+) lines? \(([\d,]+) characters?\) of output not shown")


def stdout_text(cell) -> str:
    """The text of the cell's stdout outputs (stderr, where notices go, left out)."""
    return "".join(
        cell.locator(
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stdout']"
        ).all_text_contents()
    )


def stderr_text(cell) -> str:
    return "".join(
        cell.locator(
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
        ).all_text_contents()
    )


def test_ten_thousand_printed_lines_are_all_shown(page: Page, site_url: str) -> None:
    open_notebook(page, site_url, "examples/scratch.ipynb")
    assert run_in_new_cell(page, "1 + 1").strip().endswith("2")  # the session is up
    started = time.monotonic()
    cell = submit_in_new_cell(page, "for i in range(10000): print(i)")
    expect(cell.locator(".jp-InputPrompt")).to_have_text(DONE, timeout=120_000)
    elapsed = time.monotonic() - started
    lines = stdout_text(cell).splitlines()
    assert lines == [str(i) for i in range(10000)]
    assert stderr_text(cell) == ""  # no notice: nothing was cut
    print(f"10,000 lines shown in {elapsed:.2f} s (as seen by the test, polling included)")


def test_an_endless_printing_loop_stops_with_stop_and_the_page_answers_meanwhile(
    page: Page, site_url: str
) -> None:
    open_notebook(page, site_url, "examples/scratch.ipynb")
    assert run_in_new_cell(page, "kept = 1\nkept").strip().endswith("1")
    cell = submit_in_new_cell(page, "i = 0\nwhile True:\n    print(i)\n    i += 1")
    expect(cell.locator(".jp-InputPrompt")).to_have_text(RUNNING)
    expect(cell.locator(".jp-OutputArea-output").first).to_contain_text("0")
    # The page keeps answering while the worker prints: a script round trip, and the status
    # item opening the Session Explorer, which lists the session as busy.
    answers = []
    for _ in range(5):
        began = time.monotonic()
        assert page.evaluate("1 + 1") == 2
        answers.append(time.monotonic() - began)
        time.sleep(0.3)
    page.locator(".inkrider-status-sessions").click()
    explorer = page.locator(".inkrider-session-explorer")
    expect(explorer).to_be_visible()
    expect(explorer).to_contain_text("busy")
    # The cut is told in the cell while the loop still runs, not only once it is stopped.
    notice = cell.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    expect(notice.first).to_contain_text("Output rate exceeded", timeout=30_000)
    expect(cell.locator(".jp-InputPrompt")).to_have_text(RUNNING)
    printed_before_stop = len(stdout_text(cell))
    assert printed_before_stop > 0
    page.locator(".jp-NotebookPanel-notebook").first.click(position={"x": 5, "y": 5})
    began = time.monotonic()
    page.locator(".jp-NotebookPanel:visible [data-command='notebook:interrupt-kernel']").click()
    expect(cell.locator(".jp-InputPrompt")).to_have_text(DONE, timeout=60_000)
    stopped_after = time.monotonic() - began
    expect(cell.locator(".jp-OutputArea")).to_contain_text("KeyboardInterrupt")
    # The following cell runs normally: its output whole, no notice, the variables kept.
    after = cells(page).nth(cells(page).count() - 1)
    assert run_in_new_cell(page, "print('after', kept, i > 0)").strip() == "after 1 True"
    assert stderr_text(after) == ""
    print(
        f"evaluate answered in {', '.join(f'{a * 1000:.0f} ms' for a in answers)}; "
        f"Stop ended the loop in {stopped_after:.2f} s"
    )


def test_a_flood_is_cut_with_a_notice_that_says_how_much(page: Page, site_url: str) -> None:
    open_notebook(page, site_url, "examples/scratch.ipynb")
    # 2,000 lines of 8,006 characters, one write each: 16 MB, far above the data rate limit
    # however slow the machine.
    code = "import sys\nfor i in range(2000): sys.stdout.write(f'{i:05d}' + 'x' * 8000 + '\\n')"
    cell = submit_in_new_cell(page, code)
    expect(cell.locator(".jp-InputPrompt")).to_have_text(DONE, timeout=120_000)
    notices = stderr_text(cell)
    assert "Output rate exceeded" in notices
    assert f"{DEFAULT_LIMITS.data_rate:,.0f} characters a second" in notices
    shown = [line for line in stdout_text(cell).splitlines() if line]
    assert all(re.fullmatch(r"\d{5}x{8000}", line) for line in shown)
    cut = [(int(n.replace(",", "")), int(c.replace(",", ""))) for n, c in CUT.findall(notices)]
    assert cut, notices
    assert len(shown) + sum(n for n, _ in cut) == 2000
    assert sum(c for _, c in cut) == 8006 * sum(n for n, _ in cut)
    # The lines shown are the first ones, and those after any resumption, in order.
    numbers = [int(line[:5]) for line in shown]
    assert numbers == sorted(numbers) and numbers[0] == 0


def test_input_still_prompts_after_what_the_cell_printed(page: Page, site_url: str) -> None:
    """stdin's request goes the same way as the output: what was printed comes first."""
    open_notebook(page, site_url, "examples/scratch.ipynb")
    cell = submit_in_new_cell(
        page, "for i in range(500): print(i)\nname = input('who? ')\nprint('hello', name)"
    )
    box = cell.locator(".jp-Stdin-input")
    box.wait_for(timeout=120_000)
    assert stdout_text(cell).splitlines()[:500] == [str(i) for i in range(500)]
    box.fill("ada")
    box.press("Enter")
    expect(cell.locator(".jp-InputPrompt")).to_have_text(DONE)
    expect(cell.locator(".jp-OutputArea")).to_contain_text("hello ada")
