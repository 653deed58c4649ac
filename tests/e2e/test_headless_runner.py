"""`inkrider-lite run` on notebooks in a temporary folder outside content/: the built site in
headless Chromium, through the page's Execution Tool."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat

from tests.notebook_files import write_notebook

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).parent / "inkrider-lite"


def run(*args: str, script: bool = True) -> subprocess.CompletedProcess[str]:
    command = [str(SCRIPT)] if script else [sys.executable, "-m", "inkrider_lite"]
    return subprocess.run(
        [*command, "run", *args], capture_output=True, text=True, timeout=600, cwd=ROOT
    )


def outputs_text(cell: dict) -> str:
    parts = []
    for output in cell["outputs"]:
        if output["output_type"] == "stream":
            parts.append("".join(output["text"]))
        elif output["output_type"] == "error":
            parts.append(output["evalue"])
    return "".join(parts)


def test_a_batch_with_a_failure_writes_outputs_junit_and_exits_1(tmp_path: Path) -> None:
    ok = write_notebook(tmp_path / "proj" / "a" / "ok.ipynb", "x = 2", "print(x * 21)")
    bad = write_notebook(
        tmp_path / "proj" / "a" / "bad.ipynb",
        "a = 1",
        "print('before')",
        "raise KeyError('k')",
        "2",
    )
    pkg = write_notebook(
        tmp_path / "proj" / "b" / "pkg.ipynb", "import attrs; print('attrs', attrs.__version__)"
    )
    (pkg.parent / "requirements.txt").write_text("attrs==25.3.0\n")
    # %pip install of a package the site lacks: the kernel's advice is the page's (its
    # settings); the runner's user is told what works for them instead.
    pip = write_notebook(
        tmp_path / "proj" / "b" / "pip.ipynb", "%pip install nosuchpkg-inkrider-xyz"
    )
    originals = {p: p.read_bytes() for p in (ok, bad, pkg, pip)}
    out, report = tmp_path / "out", tmp_path / "report" / "junit.xml"

    done = run(str(tmp_path / "proj"), "--junit", str(report), "--output-dir", str(out))
    assert done.returncode == 1, done.stderr
    # Not a terminal: one plain line per notebook's end, then the tally.
    lines = done.stdout.splitlines()
    assert "failed a/bad.ipynb" in done.stdout and "cell 3: KeyError: 'k'" in done.stdout
    assert lines[-1] == "2 of 4 notebooks passed"
    assert lines[-2].startswith("the batch took ") and lines[-2].endswith(" s in the page")
    assert sum(line.startswith("[") for line in lines) == 4
    assert "failed b/pip.ipynb" in done.stdout and "PackageNotInSite" in done.stdout
    assert "Fall back to PyPI" not in done.stdout

    for path, data in originals.items():
        assert path.read_bytes() == data  # --output-dir leaves the originals alone
    written = {}
    for name in ("a/ok.ipynb", "a/bad.ipynb", "b/pkg.ipynb", "b/pip.ipynb"):
        nb = nbformat.read(out / name, as_version=4)
        nbformat.validate(nb)
        written[name] = json.loads(nbformat.writes(nb))
    assert outputs_text(written["a/ok.ipynb"]["cells"][1]) == "42\n"
    assert outputs_text(written["b/pkg.ipynb"]["cells"][0]) == "attrs 25.3.0\n"
    bad_cells = written["a/bad.ipynb"]["cells"]
    assert [c["execution_count"] for c in bad_cells] == [1, 2, 3, None]
    assert outputs_text(bad_cells[1]) == "before\n" and outputs_text(bad_cells[2]) == "'k'"
    assert bad_cells[3]["outputs"] == []  # after the failure: untouched

    (told,) = written["b/pip.ipynb"]["cells"][0]["outputs"]
    assert "nosuchpkg-inkrider-xyz is not in this site's package index" in told["evalue"]
    assert "requirements.txt instead" in told["evalue"]
    assert "Settings" not in told["evalue"] + "".join(told["traceback"])

    suite = ET.parse(report).getroot()
    assert (suite.attrib["tests"], suite.attrib["failures"]) == ("4", "2")
    cases = {c.attrib["file"]: c for c in suite.findall("testcase")}
    assert sorted(cases) == ["a/bad.ipynb", "a/ok.ipynb", "b/pip.ipynb", "b/pkg.ipynb"]
    pip_failure = cases["b/pip.ipynb"].find("failure")
    assert pip_failure is not None and "requirements.txt instead" in pip_failure.attrib["message"]
    assert "Settings" not in pip_failure.attrib["message"] + str(pip_failure.text)
    failure = cases["a/bad.ipynb"].find("failure")
    assert failure is not None
    assert failure.attrib == {"type": "KeyError", "message": "cell 3: KeyError: 'k'"}
    # Its body is the traceback, as plain text: a CI page shows it under the failing case.
    assert "raise KeyError('k')" in str(failure.text) and "\x1b" not in str(failure.text)
    assert "__ a/bad.ipynb, cell 3 __" in done.stdout and "raise KeyError('k')" in done.stdout
    assert cases["a/ok.ipynb"].find("failure") is None


def test_inplace_through_python_m_exits_0_and_usage_errors_exit_2(tmp_path: Path) -> None:
    solo = write_notebook(tmp_path / "solo" / "only.ipynb", "print('in place')")
    done = run(str(solo), "--inplace", "--parallel", "1", script=False)
    assert done.returncode == 0, done.stderr
    nb = nbformat.read(solo, as_version=4)
    nbformat.validate(nb)
    assert nb.cells[0].execution_count == 1
    assert "".join(nb.cells[0].outputs[0]["text"]) == "in place\n"

    missing = run(str(tmp_path / "nowhere.ipynb"))
    assert missing.returncode == 2
    assert (
        missing.stderr
        == f"inkrider-lite: error: no such file or folder: {tmp_path}/nowhere.ipynb\n"
    )


def test_timeout_interrupts_and_writes_a_notebook_and_no_stop_on_error_runs_every_cell(
    tmp_path: Path,
) -> None:
    slow = write_notebook(
        tmp_path / "t" / "slow.ipynb",
        "print('going to sleep')\nimport time\ntime.sleep(600)",
        "print('never')",
    )
    write_notebook(tmp_path / "t" / "both.ipynb", "raise ValueError('first')", "print(2)")
    # An error first, then the time runs out (the report still says where).
    write_notebook(
        tmp_path / "t" / "late.ipynb", "raise ValueError('early')", "import time; time.sleep(600)"
    )
    original = slow.read_bytes()
    report = tmp_path / "junit.xml"
    done = run(
        str(tmp_path / "t"),
        "--timeout",
        "20",
        "--no-stop-on-error",
        "--junit",
        str(report),
        "--output-dir",
        str(tmp_path / "out"),
    )
    assert done.returncode == 1, done.stderr
    assert "timed out slow.ipynb" in done.stdout
    assert "ran past --timeout 20.0 s, in cell 1" in done.stdout
    cases = {c.attrib["name"]: c for c in ET.parse(report).getroot().findall("testcase")}
    timeout = cases["slow.ipynb"].find("failure")
    assert timeout is not None and timeout.attrib["type"] == "Timeout"
    assert timeout.attrib["message"] == "timed out after 20.0 s, in cell 1"
    # Its body says where the cell was when it was interrupted.
    assert "time.sleep(600)" in str(timeout.text) and "KeyboardInterrupt" in str(timeout.text)
    late = cases["late.ipynb"].find("failure")
    assert late is not None and late.attrib["type"] == "Timeout"
    assert late.attrib["message"] == "timed out after 20.0 s, in cell 2"
    assert "time.sleep(600)" in str(late.text) and "KeyboardInterrupt" in str(late.text)
    assert "__ late.ipynb, cell 1 __" in done.stdout  # its first error's traceback
    assert "__ late.ipynb, cell 2, timed out __" in done.stdout
    failure = cases["both.ipynb"].find("failure")
    assert failure is not None and failure.attrib["message"] == "cell 1: ValueError: first"
    # Every cell ran despite the error.
    cells = nbformat.read(tmp_path / "out" / "both.ipynb", as_version=4).cells
    assert [c.execution_count for c in cells] == [1, 2]
    assert outputs_text(cells[1]) == "2\n"
    # The timed-out notebook is written as a failure is (papermill does the same): its outputs
    # up to the interrupt, the cells after it untouched; the original is left as it was.
    written = nbformat.read(tmp_path / "out" / "slow.ipynb", as_version=4)
    nbformat.validate(written)
    first, after = written.cells
    assert first.execution_count == 1
    assert [o["output_type"] for o in first.outputs] == ["stream", "error"]
    assert first.outputs[0]["text"] == "going to sleep\n"
    assert first.outputs[1]["ename"] == "KeyboardInterrupt"
    assert after.execution_count is None and after.outputs == []
    assert slow.read_bytes() == original


def test_a_requirement_the_site_lacks_is_fetched_from_pypi_for_the_run(tmp_path: Path) -> None:
    """toolz is not in the site's index: the runner fetches its wheel on the host and serves
    it beside the site's for this run; a name PyPI lacks is reported, line by line."""
    site_index = ROOT / "build" / "site" / "pypi" / "simple"
    assert not (site_index / "toolz").exists()
    nb = write_notebook(
        tmp_path / "elsewhere" / "uses.ipynb", "import toolz; print('toolz', toolz.__version__)"
    )
    (nb.parent / "requirements.txt").write_text("toolz==1.0.0\nno-such-project-inkrider-xyz\n")
    out = tmp_path / "out"

    report = tmp_path / "junit.xml"
    done = run(str(nb), "--output-dir", str(out), "--junit", str(report))
    # Every cell ran: it passes, and the line not installed is said, in the log and the report.
    assert done.returncode == 0, done.stdout + done.stderr
    case = ET.parse(report).getroot().find("testcase")
    assert case is not None and case.find("failure") is None
    assert "line 2: no-such-project-inkrider-xyz" in str(case.findtext("system-err"))
    assert "from PyPI for this run: toolz 1.0.0" in done.stderr
    # Named as on disk: with two folders, two "requirements.txt:2" could not be told apart.
    assert f"{nb.parent}/requirements.txt:2 no-such-project-inkrider-xyz" in done.stderr
    written = json.loads((out / "uses.ipynb").read_text(encoding="utf-8"))
    note, printed = written["cells"][0]["outputs"]
    # The line not installed is in the cell whose run started the session, as in the page.
    note_text = "".join(note["text"])
    assert note["name"] == "stderr" and "no-such-project-inkrider-xyz" in note_text
    # Told as on disk, with the runner's next step (the page's points to its settings).
    assert f"{nb.parent}/requirements.txt: 1 line not installed" in note_text
    assert "inkrider-run-" not in note_text and "Settings" not in note_text
    assert "pure-Python wheels that it fetches from PyPI" in note_text
    assert "".join(printed["text"]) == "toolz 1.0.0\n"
    # Named as on disk (not as the page held it, in inkrider-run-…/), every line of it.
    assert f"{nb.parent}/requirements.txt: 1 line not installed" in done.stdout
    assert "line 2: no-such-project-inkrider-xyz" in done.stdout
    assert "inkrider-run-" not in done.stdout
    assert not (site_index / "toolz").exists()  # the built site is left as it was
