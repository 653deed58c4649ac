"""inkrider_lite.site.content_requirements: what the build reads from content requirements.txt
files, and how it reports them. Files are written to tmp_path; pip is replaced by a fake."""

from __future__ import annotations

from pathlib import Path

import pytest

from inkrider_lite.requirements import parse_requirements
from inkrider_lite.site.content_requirements import (
    RequirementsFile,
    collect,
    read,
    resolve,
)
from inkrider_lite.site.downloads import (
    Failure,
    NoBrowserWheel,
    classify_pip_failure,
    project_page_exists,
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def notes(file: RequirementsFile) -> dict[int, str]:
    return {n.line.number: n.message for n in file.notes}


# --------------------------------------------------------------------------- requirements


def test_plain_requirements_become_specs_without_markers(tmp_path: Path) -> None:
    path = write(
        tmp_path / "content/requirements.txt",
        "attrs==25.3.0\n"
        "markdown-it-py[linkify,plugins]>=3\n"
        'humanize; sys_platform == "emscripten"\n'
        "Six>=1.16,<2; python_version >= '3.14'\n",
    )
    file = read(path, tmp_path)
    assert file.path == "content/requirements.txt"
    assert file.specs == [
        "attrs==25.3.0",
        "markdown-it-py[linkify,plugins]>=3",
        "humanize",
        "Six<2,>=1.16",
    ]
    assert [w.line.number for w in file.wanted] == [1, 2, 3, 4]
    assert file.notes == [] and file.invalid == []


@pytest.mark.parametrize(
    "marker",
    [
        'python_version < "3.11"',
        'sys_platform == "win32"',
        'platform_system == "Linux"',
        'platform_machine == "x86_64"',
        'extra == "test"',
    ],
)
def test_markers_false_in_the_browser_are_skipped_with_a_note(tmp_path: Path, marker: str) -> None:
    file = read(write(tmp_path / "requirements.txt", f"tomli; {marker}\n"), tmp_path)
    assert file.wanted == []
    assert "marker is false in the browser" in notes(file)[1]


def test_lines_left_to_run_time_are_noted(tmp_path: Path) -> None:
    path = write(
        tmp_path / "requirements.txt",
        "--index-url https://example.org/simple\n"
        "--extra-index-url https://example.org/extra\n"
        "--pre\n"
        "https://example.org/pkg-1.0-py3-none-any.whl\n"
        "other @ https://example.org/other-1.0-py3-none-any.whl\n"
        "./wheels/local-1.0-py3-none-any.whl\n"
        "solo-1.0-py3-none-any.whl\n"
        "--only-binary :all:\n"
        "--no-deps\n"
        "--no-index\n",
    )
    file = read(path, tmp_path)
    assert file.wanted == [] and file.invalid == []
    found = notes(file)
    assert sorted(found) == list(range(1, 11))
    assert found[1] == (
        "sessions look packages up in https://example.org/simple instead of the site's index; "
        "the build does not download from it"
    )
    assert "also look packages up in https://example.org/extra" in found[2]
    assert "pre-releases" in found[3]
    assert all("fetched when the session starts" in found[n] for n in (4, 5))
    assert all("shipped as content" in found[n] for n in (6, 7))
    assert found[8] == "--only-binary has no effect: the browser installs only wheels anyway"
    assert "without dependencies" in found[9]
    assert "no package index" in found[10]


def test_lines_a_session_refuses_are_problems_with_the_same_reason(tmp_path: Path) -> None:
    text = (
        "-e .\n"
        "--editable ./pkg\n"
        "git+https://example.org/repo.git#egg=pkg\n"
        "./project\n"
        "dist/pkg-1.0.tar.gz\n"
        "pkg @ file:///tmp/pkg-1.0-py3-none-any.whl\n"
        "attrs==25.3.0 --hash=sha256:aaaa\n"
        "-r https://example.org/more.txt\n"
        "tiny-1.0-cp314-cp314-win_amd64.whl\n"
        "six\n"
    )
    file = read(write(tmp_path / "requirements.txt", text), tmp_path)
    assert file.specs == ["six"] and file.notes == []
    # What a session reports for the same file, line by line.
    session = parse_requirements("requirements.txt", {"requirements.txt": text}.__getitem__)
    assert {n.line.number: n.message for n in file.invalid} == {
        p.line: p.reason for p in session.problems
    }
    assert [n.line.number for n in file.invalid] == list(range(1, 10))
    assert file.invalid[0].message.startswith("editable installs need a local source tree")
    assert file.invalid[6].message.startswith("hash-checking mode is not supported")


def test_a_hash_makes_the_line_a_problem_as_in_sessions(tmp_path: Path) -> None:
    """micropip cannot check hashes, so a session refuses the line; shipping it is no use."""
    path = write(
        tmp_path / "requirements.txt",
        "attrs==25.3.0 \\\n    --hash=sha256:aaaa \\\n    --hash=sha256:bbbb\n",
    )
    file = read(path, tmp_path)
    assert file.specs == []
    assert [str(n.line) for n in file.invalid] == ["requirements.txt:1"]
    assert "hash-checking mode is not supported by micropip" in file.invalid[0].message


def test_lines_for_one_package_are_merged_as_in_sessions(tmp_path: Path) -> None:
    path = write(tmp_path / "requirements.txt", "six>=1.16\nattrs\nSix<2\n")
    file = read(path, tmp_path)
    assert file.specs == ["six<2,>=1.16", "attrs"]
    assert [(w.line.number, w.spec) for w in file.wanted] == [
        (1, "six<2,>=1.16"),
        (3, "six<2,>=1.16"),
        (2, "attrs"),
    ]


def test_constraints_reach_pip_as_they_reach_micropip(tmp_path: Path) -> None:
    write(tmp_path / "content/constraints.txt", "attrs<26\nsix==1.17.0\n")
    write(tmp_path / "content/requirements.txt", "-c constraints.txt\nattrs\n")
    files = collect(tmp_path, [tmp_path / "content"])
    assert files[0].constraints == ["attrs<26", "six==1.17.0"]
    assert files[0].specs == ["attrs"]
    pip = FakePip()
    resolve(files, pip)
    assert pip.constraints == [["attrs<26", "six==1.17.0"]]


def test_includes_may_not_leave_the_content(tmp_path: Path) -> None:
    write(tmp_path / "outside.txt", "six\n")
    write(tmp_path / "content/requirements.txt", "-r ../outside.txt\nattrs\n")
    (file,) = collect(tmp_path, [tmp_path / "content"])
    assert file.specs == ["attrs"]
    assert [str(n.line) for n in file.invalid] == ["content/requirements.txt:1"]
    assert "outside the folder content" in file.invalid[0].message


@pytest.mark.parametrize("text", ["foo==", "foo bar", "[extra]", "foo>=1;;"])
def test_invalid_lines_are_problems_not_notes(tmp_path: Path, text: str) -> None:
    file = read(write(tmp_path / "requirements.txt", f"ok\n{text}\n"), tmp_path)
    assert file.specs == ["ok"]
    assert [(n.line.number, n.line.text) for n in file.invalid] == [(2, text)]
    assert file.invalid[0].message.startswith("not a valid requirement: ")


# --------------------------------------------------------------------------- includes


def test_includes_are_relative_to_the_including_file(tmp_path: Path) -> None:
    write(tmp_path / "content/shared/base.txt", "idna\n-r more/extra.txt\n")
    write(tmp_path / "content/shared/more/extra.txt", "# nested\nsix\n")
    write(tmp_path / "content/nb/other.txt", "tabulate\n")
    path = write(
        tmp_path / "content/nb/requirements.txt",
        "attrs\n-r ../shared/base.txt\n--requirement=other.txt\nhumanize\n",
    )
    file = read(path, tmp_path)
    assert file.specs == ["attrs", "idna", "six", "tabulate", "humanize"]
    assert [str(w.line) for w in file.wanted] == [
        "content/nb/requirements.txt:1",
        "content/shared/base.txt:1",
        "content/shared/more/extra.txt:2",
        "content/nb/other.txt:1",
        "content/nb/requirements.txt:4",
    ]


def test_include_forms_and_cycles(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "alpha\n-r requirements.txt\n")
    write(tmp_path / "b c.txt", "beta\n")
    write(tmp_path / "d.txt", "delta\n")
    path = write(tmp_path / "requirements.txt", "-ra.txt\n-r 'b c.txt'\n--requirement d.txt\n")
    file = read(path, tmp_path)
    assert file.specs == ["alpha", "beta", "delta"]
    assert [str(n.line) for n in file.invalid] == ["a.txt:2"]
    assert file.invalid[0].message.startswith("include cycle: requirements.txt → a.txt")


def test_missing_include_is_a_problem(tmp_path: Path) -> None:
    file = read(write(tmp_path / "requirements.txt", "six\n-r nowhere.txt\n"), tmp_path)
    assert file.specs == ["six"]
    assert [(str(n.line), n.message) for n in file.invalid] == [
        (
            "requirements.txt:2",
            "cannot read nowhere.txt (FileNotFoundError: nowhere.txt); check the name, which "
            "is relative to this file's folder",
        )
    ]


def test_digest_covers_included_files(tmp_path: Path) -> None:
    common = write(tmp_path / "common.txt", "idna\n")
    path = write(tmp_path / "requirements.txt", "-r common.txt\n")
    before = read(path, tmp_path).digest
    assert read(path, tmp_path).digest == before
    common.write_text("idna\nsix\n")
    assert read(path, tmp_path).digest != before


# --------------------------------------------------------------------------- collecting


def test_collect_finds_every_requirements_txt_in_the_content(tmp_path: Path) -> None:
    content = tmp_path / "content"
    write(content / "requirements.txt", "a\n")
    write(content / "x/y/requirements.txt", "b\n")
    write(content / "x/common.txt", "not collected on its own\n")
    write(content / ".ipynb_checkpoints/requirements.txt", "hidden\n")
    write(content / "x/.hidden/requirements.txt", "hidden\n")
    write(tmp_path / "elsewhere/requirements.txt", "outside the content\n")
    files = collect(tmp_path, [content, tmp_path / "missing"])
    assert [(f.path, f.specs) for f in files] == [
        ("content/requirements.txt", ["a"]),
        ("content/x/y/requirements.txt", ["b"]),
    ]


# --------------------------------------------------------------------------- resolving


class FakePip:
    """Answers like downloads.browser_wheels: `failures` maps a spec to its failure."""

    def __init__(self, failures: dict[str, NoBrowserWheel] | None = None) -> None:
        self.failures = failures or {}
        self.calls: list[tuple[list[str], str]] = []
        self.constraints: list[list[str]] = []
        self.conflicting: set[frozenset[str]] = set()

    def __call__(self, specs: list[str], tag: str, constraints: list[str]) -> list[Path]:
        self.calls.append((specs, tag))
        self.constraints.append(constraints)
        for spec in specs:
            if spec in self.failures:
                raise self.failures[spec]
        if any(pair <= set(specs) for pair in self.conflicting):
            raise NoBrowserWheel(Failure.CONFLICT, "", "Cannot install a and b")
        return [Path(f"/wheels/{spec.split('=')[0]}-1.0-py3-none-any.whl") for spec in specs]


def test_a_file_that_resolves_is_asked_for_once(tmp_path: Path) -> None:
    content = tmp_path / "content"
    write(content / "requirements.txt", "attrs==25.3.0\nsix\n")
    pip = FakePip()
    files = collect(tmp_path, [content])
    report = resolve(files, pip)
    assert pip.calls == [(["attrs==25.3.0", "six"], files[0].digest)]
    assert [w.spec for w in report.resolved] == ["attrs==25.3.0", "six"]
    assert report.unresolved == [] and report.conflicts == []
    assert report.lines() == ["requirements: 1 file, 2 resolved, all with a usable wheel"]


def test_one_bad_requirement_does_not_cost_the_others_their_wheels(tmp_path: Path) -> None:
    content = tmp_path / "content"
    write(
        content / "broken/requirements.txt",
        "nosuchpkg-xyz==1.0\nfoo==\n-e .\npsycopg2==2.9.10\ntabulate\nneeds-native\n",
    )
    pip = FakePip(
        {
            "nosuchpkg-xyz==1.0": NoBrowserWheel(
                Failure.NOT_FOUND, "nosuchpkg-xyz", "not found on PyPI"
            ),
            "psycopg2==2.9.10": NoBrowserWheel(
                Failure.NO_WHEEL, "psycopg2", "no pure-Python or Pyodide wheel"
            ),
            "needs-native": NoBrowserWheel(
                Failure.NO_WHEEL, "psycopg2", "no pure-Python or Pyodide wheel"
            ),
        }
    )
    report = resolve(collect(tmp_path, [content]), pip)
    assert [specs for specs, _ in pip.calls] == [
        ["nosuchpkg-xyz==1.0", "psycopg2==2.9.10", "tabulate", "needs-native"],
        ["nosuchpkg-xyz==1.0"],
        ["psycopg2==2.9.10"],
        ["tabulate"],
        ["needs-native"],
    ]
    assert [w.spec for w in report.resolved] == ["tabulate"]
    assert [p.name for p in report.wheels] == ["tabulate-1.0-py3-none-any.whl"]
    assert report.unresolved[1].message.startswith("not a valid requirement: ")
    assert report.lines() == [
        "requirements: 1 file, 1 resolved, 5 without a usable wheel:",
        "  content/broken/requirements.txt:1 nosuchpkg-xyz==1.0 — not found on PyPI",
        "  content/broken/requirements.txt:2 foo== — " + report.unresolved[1].message,
        # What a session says about the line, too.
        "  content/broken/requirements.txt:3 -e . — editable installs need a local source tree "
        "and a build step; build a wheel and list its .whl file instead",
        "  content/broken/requirements.txt:4 psycopg2==2.9.10 — no pure-Python or Pyodide wheel",
        "  content/broken/requirements.txt:6 needs-native — needs psycopg2: "
        "no pure-Python or Pyodide wheel",
    ]
    data = report.to_json()
    assert [(p["line"], p["reason"]) for p in data["unresolved"]] == [
        (1, "not-found"),
        (2, "invalid"),
        (3, "invalid"),
        (4, "no-wheel"),
        (6, "no-wheel"),
    ]
    assert data["unresolved"][0] == {
        "file": "content/broken/requirements.txt",
        "line": 1,
        "text": "nosuchpkg-xyz==1.0",
        "via": "content/broken/requirements.txt",
        "reason": "not-found",
        "message": "not found on PyPI",
    }
    assert data["wheels"] == ["tabulate-1.0-py3-none-any.whl"]


def test_network_trouble_is_not_blamed_on_each_requirement(tmp_path: Path) -> None:
    content = tmp_path / "content"
    write(content / "requirements.txt", "a\nb\n")
    trouble = NoBrowserWheel(Failure.ERROR, "a", "could not reach the package index")
    pip = FakePip({"a": trouble, "b": trouble})
    report = resolve(collect(tmp_path, [content]), pip)
    assert len(pip.calls) == 1  # not retried one by one
    assert [(p.line.number, p.message) for p in report.unresolved if p.line] == [
        (1, "could not reach the package index; the next build tries again"),
        (2, "could not reach the package index; the next build tries again"),
    ]


def test_requirements_that_only_conflict_together_are_reported_per_file(tmp_path: Path) -> None:
    content = tmp_path / "content"
    write(content / "requirements.txt", "a==1\nb==1\n")
    pip = FakePip()
    pip.conflicting.add(frozenset({"a==1", "b==1"}))
    report = resolve(collect(tmp_path, [content]), pip)
    assert [w.spec for w in report.resolved] == ["a==1", "b==1"]
    assert [(c.file, c.reason) for c in report.conflicts] == [
        ("content/requirements.txt", "conflict")
    ]
    assert report.lines()[1:] == [
        "requirements: 1 file whose requirements conflict with each other:",
        "  content/requirements.txt — Cannot install a and b",
    ]


def test_a_shared_include_is_reported_once(tmp_path: Path) -> None:
    content = tmp_path / "content"
    write(content / "common.txt", "six\nnope\n--pre\n")
    write(content / "one/requirements.txt", "-r ../common.txt\n")
    write(content / "two/requirements.txt", "-r ../common.txt\nattrs\n")
    missing = NoBrowserWheel(Failure.NOT_FOUND, "nope", "not found on PyPI")
    report = resolve(collect(tmp_path, [content]), FakePip({"nope": missing}))
    assert [str(w.line) for w in report.resolved] == [
        "content/common.txt:1",
        "content/two/requirements.txt:2",
    ]
    assert [str(p.line) for p in report.unresolved] == ["content/common.txt:2"]
    assert [str(n.line) for n in report.notes] == ["content/common.txt:3"]


# --------------------------------------------------------------------------- pip's output


def test_classify_unknown_and_native_only_projects() -> None:
    output = (
        "ERROR: Could not find a version that satisfies the requirement Foo_Bar==1.0 "
        "(from versions: none)\n"
        "ERROR: No matching distribution found for Foo_Bar==1.0\n"
    )
    asked: list[str] = []

    def exists(answer: bool | None):
        def check(name: str) -> bool | None:
            asked.append(name)
            return answer

        return check

    unknown = classify_pip_failure(output, exists(False))
    assert (unknown.kind, unknown.project, str(unknown)) == (
        Failure.NOT_FOUND,
        "foo-bar",
        "foo-bar: not found on PyPI",
    )
    native = classify_pip_failure(output, exists(True))
    assert (native.kind, native.message) == (Failure.NO_WHEEL, "no pure-Python or Pyodide wheel")
    assert classify_pip_failure(output, exists(None)).kind is Failure.ERROR
    assert asked == ["foo-bar"] * 3


def test_classify_versions_conflicts_and_network_trouble() -> None:
    def never(name: str) -> bool | None:
        raise AssertionError("no index check needed")

    versions = classify_pip_failure(
        "ERROR: Could not find a version that satisfies the requirement attrs==99.0 "
        "(from versions: 1.0, 2.0, 3.0, 4.0, 5.0, 6.0)\n"
        "ERROR: No matching distribution found for attrs==99.0\n",
        never,
    )
    assert versions.kind is Failure.NO_MATCHING_VERSION
    assert versions.message == (
        "no usable wheel matches attrs==99.0 (usable versions: 2.0, 3.0, 4.0, 5.0, 6.0 …)"
    )
    conflict = classify_pip_failure(
        "ERROR: Cannot install a==1 and b==1 because these package versions have conflicting "
        "dependencies.\nERROR: ResolutionImpossible: for help visit https://pip.pypa.io\n",
        never,
    )
    assert conflict.kind is Failure.CONFLICT
    assert conflict.message.startswith("Cannot install a==1 and b==1")
    offline = classify_pip_failure(
        "WARNING: Retrying (Retry(total=4, connect=None)) after connection broken by "
        "'NewConnectionError(...)': /simple/six/\n"
        "ERROR: No matching distribution found for six\n",
        never,
    )
    assert offline.kind is Failure.ERROR


def test_project_page_exists_needs_a_404_to_say_no() -> None:
    not_found = (
        "Could not fetch URL https://pypi.org/simple/nope/: 404 Client Error: Not Found for url:"
        " https://pypi.org/simple/nope/ - skipping\n"
    )
    assert project_page_exists(not_found) is False
    unreachable = (
        "Could not fetch URL https://pypi.org/simple/nope/: proxy connection error: "
        "('Unable to connect to proxy', ...) - skipping\n"
    )
    assert project_page_exists(unreachable) is None
    assert project_page_exists(not_found + unreachable) is None
    # A page was served, with files for other platforms only.
    assert project_page_exists("  Skipping link: none of the wheel's tags ...\n") is True
