"""The headless runner's host side without a browser: what it accepts on the command line, where
notebooks and their folders' files go in the page, and its JUnit report."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from inkrider_lite.runner.cli import _line, main
from inkrider_lite.runner.inputs import UsageError, find_notebooks, site_layout
from inkrider_lite.runner.junit import junit_xml
from tests.notebook_files import write_notebook


@pytest.fixture
def site(tmp_path: Path) -> Path:
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "jupyter-lite.json").write_text("{}")
    return folder


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.ipynb", "no such file or folder: "),
        (lambda d: (d / "notes.txt", (d / "notes.txt").write_text("x"))[0], "not a notebook"),
        (
            lambda d: (d / "broken.ipynb", (d / "broken.ipynb").write_text("{nope"))[0],
            "not JSON",
        ),
        (
            lambda d: (d / "v3.ipynb", (d / "v3.ipynb").write_text('{"cells": [], "nbformat": 3}'))[
                0
            ],
            "nbformat 3 is not supported",
        ),
        (
            lambda d: (
                d / "bad.ipynb",
                (d / "bad.ipynb").write_text(
                    json.dumps({"cells": [{"cell_type": "code"}], "nbformat": 4, "metadata": {}})
                ),
            )[0],
            "invalid notebook",
        ),
        (lambda d: (d / "empty", (d / "empty").mkdir())[0], "no notebook in folder"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    tmp_path: Path, site: Path, capsys: pytest.CaptureFixture[str], make, message: str
) -> None:
    path = make(tmp_path)
    assert main(["run", str(path), "--site", str(site)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("inkrider-lite: error: ") and message in err
    assert err.count("\n") == 1


def test_bad_options_exit_2(tmp_path: Path, site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nb = str(write_notebook(tmp_path / "a.ipynb", "1"))
    for argv in (
        ["run", nb, "--parallel", "4"],
        ["run", nb, "--parallel", "0"],
        ["run", nb, "--timeout", "0"],
        ["run", nb, "--timeout", "nan"],
        ["run", nb, "--timeout", "inf"],
        ["run", nb, "--inplace", "--output-dir", "x"],
        ["run"],
        ["run", nb, "--site", str(tmp_path / "nosite")],
    ):
        extra = [] if "--site" in argv or argv == ["run"] else ["--site", str(site)]
        assert main(argv + extra) == 2, argv
        assert capsys.readouterr().err.startswith("inkrider-lite: error: ")


def test_folders_are_searched_and_each_folder_goes_to_the_page_with_its_files(
    tmp_path: Path,
) -> None:
    a = write_notebook(tmp_path / "proj" / "one" / "a.ipynb", "1")
    b = write_notebook(tmp_path / "proj" / "two" / "b.ipynb", "2")
    hidden = write_notebook(tmp_path / "proj" / "two" / ".ipynb_checkpoints" / "b.ipynb", "2")
    (tmp_path / "proj" / "two" / "requirements.txt").write_text("attrs\n")
    (tmp_path / "proj" / "two" / "wheels").mkdir()
    (tmp_path / "proj" / "two" / "wheels" / "x-1-py3-none-any.whl").write_bytes(b"PK")
    (tmp_path / "proj" / "two" / "big.bin").write_bytes(b"0")
    found = find_notebooks([str(tmp_path / "proj"), str(a)])
    assert found == [a.resolve(), b.resolve()]  # once each; checkpoints left out
    assert hidden.resolve() not in found
    placed, files = site_layout(found, "run-1")
    assert [(n.site_path, n.output_name) for n in placed] == [
        ("run-1/one/a.ipynb", "one/a.ipynb"),
        ("run-1/two/b.ipynb", "two/b.ipynb"),
    ]
    assert sorted(files) == [
        "run-1/one/a.ipynb",
        "run-1/two/b.ipynb",
        "run-1/two/requirements.txt",
        "run-1/two/wheels/x-1-py3-none-any.whl",
    ]


def test_two_folders_of_one_name_get_two_site_folders(tmp_path: Path) -> None:
    a = write_notebook(tmp_path / "x" / "nb" / "a.ipynb", "1")
    b = write_notebook(tmp_path / "y" / "nb" / "b.ipynb", "1")
    placed, _files = site_layout([a, b], "r")
    assert [n.site_path for n in placed] == ["r/nb/a.ipynb", "r/nb-2/b.ipynb"]
    assert [n.output_name for n in placed] == ["x/nb/a.ipynb", "y/nb/b.ipynb"]


def test_junit_names_the_cell_the_exception_and_its_message() -> None:
    runs = [
        {
            "name": "a/ok.ipynb",
            "state": "done",
            "seconds": 1.5,
            "error": None,
            "reason": "",
            "notes": "a/requirements.txt: 1 line not installed",
        },
        {
            "name": "a/bad.ipynb",
            "state": "failed",
            "seconds": 2.0,
            "error": {
                "cell": 3,
                "ename": "ValueError",
                "evalue": "boom",
                "text": "cell 3: ...",
                "traceback": "Traceback ...\nValueError: boom",
            },
            "reason": "",
        },
        {
            "name": "slow.ipynb",
            "state": "failed",
            "seconds": 9.0,
            "timed_out": {
                "seconds": 5.0,
                "cell": 3,
                "traceback": "Traceback ...\nKeyboardInterrupt",
            },
            "cell": 2,
            "cells": 4,
            "error": {
                "cell": 3,
                "ename": "TimeoutError",
                "evalue": "its cells ran past the time limit of 5 s; the cell was interrupted",
                "text": "cell 3: ...",
                "traceback": "Traceback ...\nKeyboardInterrupt",
            },
        },
        {"name": "b/c.ipynb", "state": "failed", "seconds": None, "reason": "no session"},
    ]
    suite = ET.fromstring(junit_xml(runs, 12.0, "inkrider-lite run"))
    assert suite.attrib["tests"] == "4" and suite.attrib["failures"] == "3"
    cases = suite.findall("testcase")
    assert [(c.attrib["classname"], c.attrib["name"]) for c in cases] == [
        ("a", "ok.ipynb"),
        ("a", "bad.ipynb"),
        ("inkrider-lite run", "slow.ipynb"),
        ("b", "c.ipynb"),
    ]
    assert cases[0].find("failure") is None
    assert cases[0].findtext("system-err") == "a/requirements.txt: 1 line not installed"
    assert cases[1].find("system-err") is None
    failure = cases[1].find("failure")
    assert failure is not None
    assert failure.attrib == {"type": "ValueError", "message": "cell 3: ValueError: boom"}
    assert failure.text == "Traceback ...\nValueError: boom"
    timeout = cases[2].find("failure")
    assert timeout is not None and timeout.attrib["type"] == "Timeout"
    assert timeout.attrib["message"] == "timed out after 5.0 s, in cell 3"
    # Where the cell was when it was interrupted.
    assert timeout.text == timeout.attrib["message"] + "\n\nTraceback ...\nKeyboardInterrupt"
    assert cases[3].find("failure").attrib["message"] == "no session"  # type: ignore[union-attr]


def test_usage_error_is_an_exception_of_its_own() -> None:
    with pytest.raises(UsageError):
        find_notebooks(["/no/such/place.ipynb"])


def test_a_folders_walk_leaves_out_the_output_folder(tmp_path: Path) -> None:
    # A second `run .` ran the first run's executed/ copies and wrote executed/executed/.
    notebook = write_notebook(tmp_path / "a.ipynb", "1")
    write_notebook(tmp_path / "executed" / "a.ipynb", "1")
    assert find_notebooks([str(tmp_path)], tmp_path / "executed") == [notebook.resolve()]
    assert len(find_notebooks([str(tmp_path)])) == 2
    # An output folder that holds the input folder leaves nothing out.
    inner = write_notebook(tmp_path / "nbs" / "b.ipynb", "1")
    assert find_notebooks([str(tmp_path / "nbs")], tmp_path) == [inner.resolve()]


def test_an_output_folder_that_would_overwrite_the_originals_is_refused(
    tmp_path: Path, site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "nbs"
    before = write_notebook(folder / "a.ipynb", "1").read_bytes()
    assert main(["run", str(folder), "--output-dir", str(folder), "--site", str(site)]) == 2
    err = capsys.readouterr().err
    assert "would write over" in err and "--inplace" in err
    assert (folder / "a.ipynb").read_bytes() == before


def test_a_timed_out_notebook_says_so_first() -> None:
    timed_out = {"seconds": 5.0, "cell": 4, "traceback": ""}
    line = _line({"state": "failed", "path": "s.ipynb", "seconds": 7.2, "timed_out": timed_out})
    assert line == "timed out s.ipynb (7.2 s) its cells ran past --timeout 5.0 s, in cell 4"


def test_what_a_run_says_names_its_folder_as_on_disk(tmp_path: Path, monkeypatch) -> None:
    # The runner printed "inkrider-run-70953b2d/proj/requirements.txt: 1 line(s) not installed".
    from inkrider_lite.runner.disk_names import on_disk
    from inkrider_lite.runner.inputs import Notebook

    source = write_notebook(tmp_path / "proj" / "nb.ipynb", "1")
    notebook = Notebook(source, "inkrider-run-1a2b/proj/nb.ipynb", "nb.ipynb")
    run = {"path": notebook.site_path, "notes": "inkrider-run-1a2b/proj/requirements.txt: 1 line"}
    monkeypatch.chdir(tmp_path)
    assert on_disk(run, notebook)["notes"] == "proj/requirements.txt: 1 line"
    assert on_disk(run, notebook)["name"] == "nb.ipynb"
    monkeypatch.chdir(tmp_path / "proj")
    assert on_disk(run, notebook)["notes"] == "requirements.txt: 1 line"


def test_the_note_in_the_first_cell_is_told_as_on_disk_with_the_runners_advice(
    tmp_path: Path, monkeypatch
) -> None:
    """The runner wrote "inkrider-run-…/proj/requirements.txt" and the page's advice (its
    settings, a kernel restart) into the notebook; the notebook's own outputs stay as they are."""
    from inkrider_lite.requirements.summary_text import NOT_FOUND_ADVICE
    from inkrider_lite.runner.disk_names import RUNNER_NOT_FOUND_ADVICE, with_note_on_disk
    from inkrider_lite.runner.inputs import Notebook

    source = write_notebook(tmp_path / "proj" / "nb.ipynb", "1")
    notebook = Notebook(source, "inkrider-run-1a2b/proj/nb.ipynb", "nb.ipynb")
    note = f"inkrider-run-1a2b/proj/requirements.txt: 1 line not installed:\n{NOT_FOUND_ADVICE}\n"
    own = "inkrider-run-1a2b/proj/requirements.txt\n"  # what the cell printed itself

    def written(first_output: dict) -> dict:
        return {
            "cells": [
                {"cell_type": "markdown", "source": "# t"},
                {
                    "cell_type": "code",
                    "outputs": [
                        first_output,
                        {"output_type": "stream", "name": "stdout", "text": [own]},
                    ],
                },
            ]
        }

    monkeypatch.chdir(tmp_path)
    stderr = {"output_type": "stream", "name": "stderr", "text": note.splitlines(keepends=True)}
    told = with_note_on_disk(written(stderr), note.rstrip(), notebook)["cells"][1]["outputs"]
    assert "".join(told[0]["text"]) == (
        f"proj/requirements.txt: 1 line not installed:\n{RUNNER_NOT_FOUND_ADVICE}\n"
    )
    assert told[1]["text"] == [own]
    # The cell's own stderr is joined to the note in one output: only the note is told anew.
    joined = {"output_type": "stream", "name": "stderr", "text": [*stderr["text"], own]}
    told = with_note_on_disk(written(joined), note.rstrip(), notebook)["cells"][1]["outputs"]
    assert "".join(told[0]["text"]) == (
        f"proj/requirements.txt: 1 line not installed:\n{RUNNER_NOT_FOUND_ADVICE}\n{own}"
    )
    # A first output that is not the run's note is the notebook's own: left alone.
    other = {"output_type": "stream", "name": "stderr", "text": [own]}
    kept = with_note_on_disk(written(other), note, notebook)["cells"][1]["outputs"]
    assert kept[0]["text"] == [own]


def test_ctrl_c_says_nothing_was_written_and_exits_130(
    tmp_path: Path, site: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    import inkrider_lite.runner.cli as cli

    def interrupted(*_args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "run", interrupted)
    nb = str(write_notebook(tmp_path / "a.ipynb", "1"))
    assert main(["run", nb, "--site", str(site)]) == 130
    assert capsys.readouterr().err == "\ninkrider-lite: interrupted; no notebook was written\n"


def test_pip_errors_get_the_runners_advice_and_nothing_else_changes() -> None:
    from inkrider_lite.kernel.pip_errors import not_in_site_text
    from inkrider_lite.runner.disk_names import RUNNER_NOT_IN_SITE_ADVICE, with_errors_told

    page_text = not_in_site_text("nosuch")
    mine = {"output_type": "error", "ename": "ValueError", "evalue": "mine", "traceback": ["x"]}
    written = {
        "cells": [
            {
                "cell_type": "code",
                "outputs": [
                    {
                        "output_type": "error",
                        "ename": "PackageNotInSite",
                        "evalue": page_text,
                        "traceback": [f"\x1b[31mPackageNotInSite\x1b[39m: {page_text}"],
                    },
                    dict(mine),
                ],
            }
        ]
    }
    told, kept = with_errors_told(written)["cells"][0]["outputs"]
    assert RUNNER_NOT_IN_SITE_ADVICE in told["evalue"] and "Settings" not in told["evalue"]
    assert told["evalue"].startswith("nosuch is not in this site's package index")
    assert RUNNER_NOT_IN_SITE_ADVICE in told["traceback"][0]
    assert kept == mine
