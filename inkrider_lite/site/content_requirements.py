"""The packages that the content's `requirements.txt` files ask for, as the site build sees them.

Sessions install a folder's `requirements.txt` from the site's own index, which has no PyPI
behind it, so the build must ship a browser wheel for every requirement it can. This is a small
reading of pip's format, made for that one job: each line is a requirement to resolve, an
include to follow, or something left to run time with a note (an editable install, a URL, a
local wheel that the site ships as content anyway, a marker that is false in the browser). The
full parser that sessions use lives elsewhere; this one only has to agree with it on what a
plain requirement is.

One bad requirement must not cost the others their wheels, so each file is resolved as a whole
first, and one requirement at a time only when that fails. The outcome is a `Report`.
"""

from __future__ import annotations

import hashlib
import re
import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from .downloads import Failure, NoBrowserWheel
from .wheel_files import BROWSER_ENVIRONMENT

FILE_NAME = "requirements.txt"
#: Markers are evaluated as in the browser. Extras of a top-level requirement are never set.
MARKER_ENVIRONMENT = {**BROWSER_ENVIRONMENT, "extra": ""}

#: pip's own rule: a comment starts at a "#" at the start of a line or after whitespace.
_COMMENT = re.compile(r"(^|\s+)#.*$")
_OPTION = re.compile(r"^(--[A-Za-z][\w-]*|-[A-Za-z])(?:\s*=\s*|\s*)(.*)$")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_INCLUDE = {"-r", "--requirement"}
_SKIPPED_OPTIONS = {
    "-e": "an editable install needs a source tree, which the browser does not have",
    "--editable": "an editable install needs a source tree, which the browser does not have",
    "-c": "constraints are not applied by the build",
    "--constraint": "constraints are not applied by the build",
}
_INDEX_OPTIONS = {
    "-i",
    "--index-url",
    "--extra-index-url",
    "--no-index",
    "-f",
    "--find-links",
    "--trusted-host",
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
    """A plain requirement whose marker holds in the browser."""

    line: Line
    requirement: Requirement

    @property
    def spec(self) -> str:
        """What pip is asked for: the marker is already settled, and pip would judge it on
        the host rather than in the browser."""
        extras = f"[{','.join(sorted(self.requirement.extras))}]" if self.requirement.extras else ""
        return f"{self.requirement.name}{extras}{self.requirement.specifier}"


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
    #: Lines that are neither a valid requirement nor anything else pip knows.
    invalid: list[Note] = field(default_factory=list)

    @property
    def specs(self) -> list[str]:
        return list(dict.fromkeys(w.spec for w in self.wanted))


def collect(root: Path, content_dirs: Iterable[Path]) -> list[RequirementsFile]:
    """Every `requirements.txt` under `content_dirs`, read with its includes."""
    found: set[Path] = set()
    for directory in content_dirs:
        if directory.is_file() and directory.name == FILE_NAME:
            found.add(directory.resolve())
            continue
        for path in directory.rglob(FILE_NAME):
            # Hidden folders (checkpoints and the like) are not shipped as content either.
            if path.is_file() and not any(
                part.startswith(".") for part in path.relative_to(directory).parts
            ):
                found.add(path.resolve())
    return [read(path, root) for path in sorted(found)]


def read(path: Path, root: Path) -> RequirementsFile:
    """Read one requirements file and, recursively, the files it includes with `-r`."""
    digest = hashlib.sha256()
    result = RequirementsFile(path=_relative(path, root), digest="")
    _read_into(result, path.resolve(), root, digest, seen=set())
    result.digest = digest.hexdigest()[:16]
    return result


def _read_into(
    result: RequirementsFile, path: Path, root: Path, digest: Any, seen: set[Path]
) -> None:
    seen.add(path)
    data = path.read_bytes()
    digest.update(_relative(path, root).encode() + b"\0" + data + b"\0")
    for line in logical_lines(data.decode("utf-8", errors="replace"), _relative(path, root)):
        option = _OPTION.match(line.text)
        if option and option.group(1) in _INCLUDE:
            _include(result, line, path, option.group(2), root, digest, seen)
        elif option:
            result.notes.append(Note(line, _option_note(option.group(1))))
        else:
            _requirement(result, line)


def logical_lines(text: str, file: str) -> list[Line]:
    """Non-empty lines without comments, with backslash continuations joined.

    A joined line keeps the number of its first physical line.
    """
    lines: list[Line] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        # pip drops comments before it joins lines, so a "\" inside a comment continues nothing.
        stripped = _COMMENT.sub("", raw).rstrip()
        if stripped.endswith("\\"):
            pending.append(stripped[:-1])
            continue
        pending.append(stripped)
        joined = " ".join(part.strip() for part in pending if part.strip())
        pending = []
        if joined:
            lines.append(Line(file, start, joined))
    if joined := " ".join(part.strip() for part in pending if part.strip()):
        lines.append(Line(file, start, joined))
    return lines


def _include(
    result: RequirementsFile,
    line: Line,
    path: Path,
    value: str,
    root: Path,
    digest: Any,
    seen: set[Path],
) -> None:
    target = _unquote(value)
    if not target:
        result.invalid.append(Note(line, "-r needs a file name"))
    elif _URL.match(target):
        result.notes.append(Note(line, "an included URL is fetched when the session starts"))
    elif not (included := (path.parent / target).resolve()).is_file():
        result.invalid.append(Note(line, f"included file not found: {target}"))
    elif included not in seen:
        _read_into(result, included, root, digest, seen)


def _option_note(option: str) -> str:
    if option in _SKIPPED_OPTIONS:
        return _SKIPPED_OPTIONS[option]
    if option in _INDEX_OPTIONS:
        return "sessions install from the site's own index, so index options do not apply"
    return f"the pip option {option} is ignored by the build"


def _requirement(result: RequirementsFile, line: Line) -> None:
    # As pip does: the requirement runs up to the first token that is an option.
    tokens = line.text.split(" ")
    count = next((i for i, token in enumerate(tokens) if token.startswith("-")), len(tokens))
    text, options = " ".join(tokens[:count]), tokens[count:]
    if "://" in text:  # a bare URL, or a direct reference such as "name @ https://…"
        result.notes.append(Note(line, "a URL is fetched when the session starts"))
        return
    if text.endswith(".whl"):
        result.notes.append(Note(line, "a local wheel is shipped as content, not in the index"))
        return
    if text.startswith(".") or "/" in text or "\\" in text or text.endswith((".zip", ".tar.gz")):
        result.notes.append(Note(line, "a local project cannot be built in the browser"))
        return
    try:
        requirement = Requirement(text)
    except InvalidRequirement as error:
        message = str(error).splitlines()[0]
        result.invalid.append(Note(line, f"not a valid requirement: {message}"))
        return
    if requirement.url:  # "name @ where" with neither a scheme nor a slash: a local name
        result.notes.append(Note(line, "a local project cannot be built in the browser"))
        return
    if requirement.marker and not requirement.marker.evaluate(MARKER_ENVIRONMENT):
        result.notes.append(
            Note(line, "its marker is false in the browser (Python 3.14, Emscripten)")
        )
        return
    result.wanted.append(Wanted(line, requirement))
    if names := sorted({o.split("=", 1)[0] for o in options if o}):
        # The wheel still comes from PyPI, checked by pip over HTTPS; hashes are for run time.
        result.notes.append(Note(line, f"{', '.join(names)} not applied by the build"))


def _unquote(value: str) -> str:
    try:
        parts = shlex.split(value)
    except ValueError:
        return value.strip()
    return parts[0] if parts else ""


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


# --------------------------------------------------------------------------- resolving


#: `download(specs, failure_tag)`: wheels for `specs`, or `NoBrowserWheel`.
Download = Callable[[list[str], str], list[Path]]


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
        report.wheels += download(file.specs, file.digest)
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
                report.wheels += download([spec], file.digest)
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
    if error.project and error.project != canonicalize_name(wanted.requirement.name):
        return f"needs {error.project}: {error.message}"
    return error.message
