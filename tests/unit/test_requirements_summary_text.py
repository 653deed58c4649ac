"""inkrider_lite.requirements.summary_text: what an install of requirements.txt tells."""

from __future__ import annotations

from inkrider_lite.requirements.summary_text import cell_note, summary_message

FILE = "proj/requirements.txt"


def summary(*problems: dict[str, object]) -> dict[str, object]:
    return {
        "file": FILE,
        "installed": [{"name": "attrs"}],
        "problems": list(problems),
        "seconds": 0.52,
    }


def problem(line: int, text: str, reason: str, file: str = FILE) -> dict[str, object]:
    return {"file": file, "line": line, "text": text, "reason": reason}


def test_a_clean_install_has_no_cell_note() -> None:
    assert cell_note(FILE, summary()) is None
    assert summary_message(FILE, summary()) == "Installed 1 package in 0.5 s"


def test_failed_lines_are_listed_with_what_to_do() -> None:
    done = summary(
        problem(2, "nosuch-xyz", "not found in any index"),
        problem(3, "numpy>=999", "no version matches", "proj/more.txt"),
    )
    note = cell_note(FILE, done)
    assert note is not None
    assert note.splitlines()[:4] == [
        "proj/requirements.txt: 2 lines not installed:",
        "line 2: nosuch-xyz — not found in any index",
        "line 3: numpy>=999 — no version matches (proj/more.txt)",
        "Installed 1 package in 0.5 s.",
    ]
    assert "Fall back to PyPI" in note
    assert summary_message(FILE, done).startswith("proj/requirements.txt: 2 lines not installed\n")


def test_the_advice_is_given_only_for_packages_not_found() -> None:
    note = cell_note(FILE, summary(problem(3, "foo==", "not a valid requirement")))
    assert note is not None and "Fall back to PyPI" not in note


def test_a_package_that_needs_native_code_gets_its_own_next_step() -> None:
    # Found by a new user: "needs native code; no Pyodide build available" said what, not
    # what to do.
    from inkrider_lite.requirements.diagnose import NATIVE_ONLY
    from inkrider_lite.requirements.summary_text import NATIVE_ADVICE
    from inkrider_lite.runner.disk_names import RUNNER_NATIVE_ADVICE, with_runner_advice

    note = cell_note(FILE, summary(problem(5, "psycopg2==2.9.10", NATIVE_ONLY)))
    assert note is not None and note.rstrip().endswith(NATIVE_ADVICE)
    assert "Settings → Runtime…" in note and "Fall back to PyPI" not in note
    # The runner has no Settings: its note gives its own next step.
    told = with_runner_advice(note)
    assert RUNNER_NATIVE_ADVICE in told and "Settings → Runtime…" not in told
