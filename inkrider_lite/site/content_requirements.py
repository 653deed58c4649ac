"""The packages that the content's `requirements.txt` files ask for, as the site build sees them.

Sessions install a folder's `requirements.txt` from the site's own index, which has no PyPI
behind it unless a setting allows it, so the build must ship a browser wheel for every
requirement it can. The build reads each file with the parser and the install plan that
sessions use (`inkrider_lite.requirements`), so the two agree on every line: what a session
asks its index for by name is what the build downloads, with the same markers, merged lines and
`-c` constraints; wheel links, lines whose marker is false in the browser and file-wide options
are left to run time with a note; and a line that a session refuses (an editable install, a
hash, an sdist, a bad specifier, an include that cannot be read) is reported by the build with
the same reason.

One bad requirement must not cost the others their wheels, so each file is resolved as a whole
first, and one requirement at a time only when that fails. The outcome is a `Report`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from ..requirements.parser import Option, Requirement, parse_requirements
from ..requirements.parser import Problem as LineProblem
from ..requirements.plan import install_plan
from .downloads import Failure, NoBrowserWheel

FILE_NAME = "requirements.txt"

_OPTION_NOTES = {
    "--index-url": "sessions look packages up in {value} instead of the site's index; the "
    "build does not download from it",
    "--extra-index-url": "sessions also look packages up in {value}, after the site's index; "
    "the build does not download from it",
    "--no-index": "sessions use no package index: only wheel links and Pyodide's own "
    "packages install",
    "--pre": "sessions accept pre-releases; the build ships the versions pip picks without --pre",
    "--no-deps": "sessions install without dependencies; the build ships them anyway",
}


@dataclass(frozen=True)
class Line:
    """One logical line of a requirements file; `file` is relative to the site's root."""

    file: str
    number: int
    text: str

    def __str__(self) -> str:
        return f"{self.file}:{self.number}"

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.number, "text": self.text}


@dataclass(frozen=True)
class Wanted:
    """A line that a session installs by name, from the site's index."""

    line: Line
    name: str
    #: What pip is asked for: the session's entry for this package (lines that name the same
    #: package merged), without the marker, which is settled already and which pip would
    #: judge on the host rather than in the browser.
    spec: str


@dataclass(frozen=True)
class Note:
    """A line the build leaves to run time, or part of a line it does not act on."""

    line: Line
    message: str


@dataclass
class RequirementsFile:
    """A content `requirements.txt` together with everything it includes."""

    path: str
    #: Of the file and of every file it includes, so that any edit shows.
    digest: str
    wanted: list[Wanted] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    #: Lines that a session cannot apply in the browser, with the session's reason.
    invalid: list[Note] = field(default_factory=list)
    #: Version constraints from `-c` files: sessions give them to micropip, the build to pip.
    constraints: list[str] = field(default_factory=list)

    @property
    def specs(self) -> list[str]:
        return list(dict.fromkeys(w.spec for w in self.wanted))


def collect(root: Path, content_dirs: Iterable[Path]) -> list[RequirementsFile]:
    """Every `requirements.txt` under `content_dirs`, read with its includes."""
    found: dict[Path, Path] = {}
    for directory in content_dirs:
        if directory.is_file() and directory.name == FILE_NAME:
            found.setdefault(directory.resolve(), directory.parent)
            continue
        for path in directory.rglob(FILE_NAME):
            # Hidden folders (checkpoints and the like) are not shipped as content either.
            if path.is_file() and not any(
                part.startswith(".") for part in path.relative_to(directory).parts
            ):
                found.setdefault(path.resolve(), directory)
    return [read(path, root, content) for path, content in sorted(found.items())]


def read(path: Path, root: Path, content: Path | None = None) -> RequirementsFile:
    """Read one requirements file and the files it includes, as a session reads it.

    Paths in the result are relative to `root`, the site's source folder. Includes may not
    leave `content` (by default `root`): a session can read nothing but the site's contents.
    """
    data: dict[str, bytes] = {}

    def read_text(name: str) -> str:
        try:
            data[name] = (root / name).read_bytes()
        except OSError:
            # The name as the file gives it, as in a session, rather than a path of this host.
            raise FileNotFoundError(name) from None
        return data[name].decode("utf-8", errors="replace")

    parsed = parse_requirements(
        _relative(path, root), read_text, root=_relative(content or root, root)
    )
    digest = hashlib.sha256()
    for name in dict.fromkeys(parsed.files):
        digest.update(name.encode() + b"\0" + data[name] + b"\0")
    result = RequirementsFile(path=parsed.file, digest=digest.hexdigest()[:16])

    plan = install_plan(parsed, {})
    for item in plan.items:
        wheel_link = next((s for s in item.sources if s.kind != "name"), None)
        for source in item.sources:
            if wheel_link is None:
                result.wanted.append(Wanted(_line(source), item.name, item.requirement))
            elif source.kind == "url":
                result.notes.append(Note(_line(source), "a URL is fetched when the session starts"))
            elif source.kind == "path":
                result.notes.append(
                    Note(_line(source), "a local wheel is shipped as content, not in the index")
                )
            else:
                result.notes.append(
                    Note(_line(source), f"installed from the wheel on line {wheel_link.line}")
                )
    result.invalid += [Note(_line(p), p.reason) for p in plan.problems]
    result.notes += [
        Note(_line(r), "its marker is false in the browser (Python 3.14, Emscripten)")
        for r in parsed.skipped
    ]
    result.notes += [Note(_line(p), p.reason) for p in parsed.ignored]
    result.notes += [Note(_line(o), _option_note(o)) for o in parsed.options]
    for constraint in parsed.constraints:
        if constraint.kind == "name":
            result.constraints.append(f"{constraint.name}{constraint.specifier}")
        else:
            result.notes.append(
                Note(_line(constraint), "a wheel link as a constraint applies at run time only")
            )
    result.notes.sort(key=lambda n: (n.line.file, n.line.number))
    result.invalid.sort(key=lambda n: (n.line.file, n.line.number))
    return result


def _line(where: Requirement | LineProblem | Option) -> Line:
    return Line(where.file, where.line, where.text)


def _option_note(option: Option) -> str:
    return _OPTION_NOTES[option.name].format(value=option.value)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix() or "."
    except ValueError:
        return path.resolve().as_posix()


# --------------------------------------------------------------------------- resolving


#: `download(specs, failure_tag, constraints)`: wheels for `specs`, or `NoBrowserWheel`.
Download = Callable[[list[str], str, list[str]], list[Path]]


@dataclass(frozen=True)
class Problem:
    """A requirement (or, with `line` None, a whole file) the index cannot serve."""

    file: str
    line: Line | None
    reason: str
    message: str

    def describe(self) -> str:
        where = f"{self.line} {self.line.text}" if self.line else self.file
        return f"{where} — {self.message}"

    def to_json(self) -> dict[str, Any]:
        where = self.line.to_json() if self.line else {"file": self.file, "line": None}
        return {**where, "via": self.file, "reason": self.reason, "message": self.message}


@dataclass
class Report:
    files: list[str] = field(default_factory=list)
    resolved: list[Wanted] = field(default_factory=list)
    unresolved: list[Problem] = field(default_factory=list)
    conflicts: list[Problem] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    wheels: list[Path] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report as printed at the end of a build."""
        resolved = len({w.line for w in self.resolved})
        head = f"requirements: {_count(len(self.files), 'file')}, {resolved} resolved"
        if not self.unresolved:
            out = [f"{head}, all with a usable wheel"]
        else:
            out = [f"{head}, {len(self.unresolved)} without a usable wheel:"]
            out += [f"  {p.describe()}" for p in self.unresolved]
        if self.conflicts:
            files = _count(len(self.conflicts), "file")
            out.append(f"requirements: {files} whose requirements conflict with each other:")
            out += [f"  {p.describe()}" for p in self.conflicts]
        if self.notes:
            out.append(f"requirements: {_count(len(self.notes), 'line')} left to run time:")
            out += [f"  {n.line} {n.line.text} — {n.message}" for n in self.notes]
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "resolved": [{**w.line.to_json(), "spec": w.spec} for w in self.resolved],
            "unresolved": [p.to_json() for p in self.unresolved],
            "conflicts": [p.to_json() for p in self.conflicts],
            "notes": [{**n.line.to_json(), "message": n.message} for n in self.notes],
            "wheels": sorted({p.name for p in self.wheels}),
        }


def resolve(files: list[RequirementsFile], download: Download) -> Report:
    """Fetch wheels for every file's requirements, and say which could not be had."""
    report = Report(files=[f.path for f in files])
    for file in files:
        report.notes += file.notes
        report.unresolved += [
            Problem(file.path, n.line, "invalid", n.message) for n in file.invalid
        ]
        if file.specs:
            _resolve_file(file, download, report)
    # A file included by two requirements.txt files is reported once, by its own lines.
    report.resolved = sorted(
        {w.line: w for w in report.resolved}.values(), key=lambda w: _order(w.line)
    )
    report.unresolved = sorted(
        {p.line: p for p in report.unresolved}.values(), key=lambda p: _order(p.line)
    )
    report.notes = sorted(set(report.notes), key=lambda n: (_order(n.line), n.message))
    return report


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _order(line: Line | None) -> tuple[str, int]:
    return (line.file, line.number) if line else ("", 0)


def _resolve_file(file: RequirementsFile, download: Download, report: Report) -> None:
    try:
        report.wheels += download(file.specs, file.digest, file.constraints)
        report.resolved += file.wanted
        return
    except NoBrowserWheel as error:
        whole = error
    if whole.kind is Failure.ERROR or len(file.specs) == 1:
        # Asking again, one at a time, would only meet the same trouble.
        failed = {spec: whole for spec in file.specs}
    else:
        failed = {}
        for spec in file.specs:
            try:
                report.wheels += download([spec], file.digest, file.constraints)
            except NoBrowserWheel as error:
                failed[spec] = error
        if not failed:
            report.conflicts.append(Problem(file.path, None, whole.kind.value, whole.message))
    for wanted in file.wanted:
        if (error := failed.get(wanted.spec)) is None:
            report.resolved.append(wanted)
        else:
            report.unresolved.append(
                Problem(file.path, wanted.line, error.kind.value, _message(wanted, error))
            )


def _message(wanted: Wanted, error: NoBrowserWheel) -> str:
    if error.kind is Failure.ERROR:
        # Not this requirement's fault, and not remembered: the next build asks again.
        return f"{error.message}; the next build tries again"
    if error.project and error.project != canonicalize_name(wanted.name):
        return f"needs {error.project}: {error.message}"
    return error.message
