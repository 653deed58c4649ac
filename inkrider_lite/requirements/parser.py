"""A folder's requirements.txt, read the way pip reads it, judged for what the browser can install.

The syntax follows pip's requirements-file format
(https://pip.pypa.io/en/stable/reference/requirements-file-format/): comments, trailing-backslash
continuations, ``-r``/``-c`` includes, index options, per-requirement options, PEP 508 lines, URLs
and paths. What the browser cannot do (editables, hash checking, sdists, VCS checkouts, wheels for
other platforms) becomes a :class:`Problem` for that line, and the rest of the file still applies.

Where this parser departs from pip, on purpose:

- Relative wheel paths are resolved against the folder of the file that names them (pip uses the
  working directory). In the kernel the working directory is the notebook's folder, so for the
  common case both agree, and nested ``-r`` files in other folders keep working.
- Paths, includes and constraint files must stay inside the content root; there is nothing else to
  read in the browser, and it keeps a shared file from probing the rest of the file system.
- ``-c`` constraint files are applied, because micropip accepts constraints too.
- ``--no-deps`` is accepted as a flag although pip rejects it in a requirements file, because
  micropip can honour it (``deps=False``); a file that uses it no longer works with pip.
- ``${VAR}`` references are a problem instead of being expanded: a browser has no environment.

Nothing here does I/O except through the injected ``read_text``.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal
from urllib.parse import unquote, urlsplit, urlunsplit

from packaging.markers import InvalidMarker, Marker, UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as Pep508
from packaging.utils import (
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion

#: The wheel platform tag of the browser's interpreter (PEP 783), Pyodide 314.
BROWSER_PLATFORM_TAG = "pyemscripten_2026_0_wasm32"

#: Marker values of the browser's interpreter: Pyodide 314, Python 3.14.2. Every key is spelled
#: out so that nothing of the host that runs the tests leaks into the evaluation.
BROWSER_ENVIRONMENT: dict[str, str] = {
    "implementation_name": "cpython",
    "implementation_version": "3.14.2",
    "os_name": "posix",
    "platform_machine": "wasm32",
    "platform_python_implementation": "CPython",
    "platform_release": "5.0.3",
    "platform_system": "Emscripten",
    "platform_version": "#1",
    "python_full_version": "3.14.2",
    "python_version": "3.14",
    "sys_platform": "emscripten",
    # A requirements file never selects extras of the project being installed.
    "extra": "",
}

Kind = Literal["name", "url", "path"]

_COMMENT_RE = re.compile(r"(^|\s+)#.*$")
_ENV_VAR_RE = re.compile(r"\$\{([A-Z0-9_]+)\}")
_NAME_AT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*@")
_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_EXTRAS_RE = re.compile(r"^(.+?)\s*\[([^\]]*)\]$")
# A semicolon with whitespace on either side cannot be part of a URL, so it starts the marker.
_URL_MARKER_RE = re.compile(r"\s+;\s*|;\s+")
_PATH_MARKER_RE = re.compile(r"\s*;\s*")
_OPTION_START_RE = re.compile(r"(?:^|(?<=\s))-")

_VCS = frozenset({"git", "hg", "svn", "bzr"})
_HASH_NAMES = frozenset({"md5", "sha1", "sha224", "sha256", "sha384", "sha512"})
_SDIST_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar", ".zip")
_BROWSER_PLATFORM_PREFIXES = ("pyemscripten_", "emscripten_", "pyodide_")

_HOW_TO_WRITE = "Write NAME, NAME==VERSION or NAME>=VERSION, with optional [extras] and ; markers."
_HASH_REASON = (
    "hash-checking mode is not supported by micropip; remove the hash or install from the "
    "site's index"
)


@dataclass(frozen=True)
class Requirement:
    """One line that asks for a package and applies in the browser."""

    file: str
    line: int  # the first physical line of a continued line
    text: str  # the logical line, continuations joined and the comment removed
    kind: Kind
    name: str  # as written, or the project name of the wheel file
    specifier: str = ""
    extras: tuple[str, ...] = ()
    marker: str | None = None
    url: str | None = None  # kind "url": the wheel's URL without its fragment
    path: str | None = None  # kind "path": the wheel's normalised POSIX path
    version: str | None = None  # kinds "url" and "path": the version in the wheel's file name
    constraint: bool = False  # from a -c file: limits versions, installs nothing by itself

    @property
    def key(self) -> NormalizedName:
        return canonicalize_name(self.name)

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Problem:
    """A line that does not apply, or an option that has no effect, and what to do about it."""

    file: str
    line: int
    text: str
    reason: str

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}"

    def __str__(self) -> str:
        return f"{self.file}, line {self.line}: {self.text}\n    {self.reason}"


@dataclass(frozen=True)
class Option:
    """A file-wide option that applies (an index option or a flag), and the line that set it."""

    file: str
    line: int
    text: str
    name: str  # the long spelling, e.g. "--index-url"
    value: str | None = None

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class ParsedRequirements:
    file: str  # the top-level file, normalised
    root: str  # nothing outside this folder may be read or installed
    requirements: tuple[Requirement, ...] = ()
    constraints: tuple[Requirement, ...] = ()
    skipped: tuple[Requirement, ...] = ()  # their environment marker is false in the browser
    problems: tuple[Problem, ...] = ()  # lines that were not applied
    ignored: tuple[Problem, ...] = ()  # options accepted but without effect in the browser
    index_urls: tuple[str, ...] = ()  # every --index-url, in order; pip lets the last one win
    extra_index_urls: tuple[str, ...] = ()
    flags: frozenset[str] = frozenset()  # "pre", "no-deps", "no-index"
    files: tuple[str, ...] = ()  # every file read, in reading order
    options: tuple[Option, ...] = ()  # where index_urls, extra_index_urls and flags were set

    @property
    def pre(self) -> bool:
        return "pre" in self.flags

    @property
    def deps(self) -> bool:
        return "no-deps" not in self.flags


def parse_requirements(
    path: str,
    read_text: Callable[[str], str],
    *,
    root: str | None = None,
    environment: Mapping[str, str] | None = None,
) -> ParsedRequirements:
    """Parse ``path`` and the files it includes.

    ``root`` defaults to the folder of ``path``. ``environment`` overrides marker values of
    :data:`BROWSER_ENVIRONMENT`. Errors of ``read_text`` for ``path`` itself propagate, because
    whether a folder without requirements.txt matters is the caller's decision; an include that
    cannot be read is a problem of its ``-r`` line.
    """
    top = posixpath.normpath(path)
    root_dir = posixpath.normpath(root) if root is not None else posixpath.dirname(top) or "."
    if not _inside(top, root_dir):
        raise ValueError(f"{path} is outside the content root {root_dir}")
    parser = _Parser(read_text, root_dir, {**BROWSER_ENVIRONMENT, **(environment or {})})
    parser.parse_file(top, read_text(top), constraint=False, stack=())
    return ParsedRequirements(
        file=top,
        root=root_dir,
        requirements=tuple(parser.requirements),
        constraints=tuple(parser.constraints),
        skipped=tuple(parser.skipped),
        problems=tuple(parser.problems),
        ignored=tuple(parser.ignored),
        index_urls=tuple(parser.index_urls),
        extra_index_urls=tuple(parser.extra_index_urls),
        flags=frozenset(parser.flags),
        files=tuple(parser.files),
        options=tuple(parser.options),
    )


def logical_lines(text: str) -> list[tuple[int, str]]:
    """pip's preprocessing: join continuations, drop comments and blank lines.

    A comment line ends a continuation instead of being continued, exactly as in pip, and the
    joined line keeps the number of its first physical line.
    """
    joined: list[tuple[int, str]] = []
    first = 0
    pending: list[str] = []
    for number, raw in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        is_comment = _COMMENT_RE.match(raw) is not None
        if raw.endswith("\\") and not is_comment:
            if not pending:
                first = number
            pending.append(raw[:-1])
            continue
        if is_comment:
            # The leading space makes the comment pattern match once the line is joined.
            raw = " " + raw
        if pending:
            joined.append((first, "".join([*pending, raw])))
            pending = []
        else:
            joined.append((number, raw))
    if pending:
        joined.append((first, "".join(pending)))
    stripped = ((number, _COMMENT_RE.sub("", line).strip()) for number, line in joined)
    return [(number, line) for number, line in stripped if line]


# Option spellings pip accepts in a requirements file, plus --no-deps (see the module docstring).
_ALIASES = {
    "-i": "--index-url",
    "-c": "--constraint",
    "-r": "--requirement",
    "-e": "--editable",
    "-f": "--find-links",
    "-C": "--config-settings",
}
_WITH_VALUE = frozenset(
    {
        "--index-url",
        "--extra-index-url",
        "--constraint",
        "--requirement",
        "--editable",
        "--find-links",
        "--no-binary",
        "--only-binary",
        "--trusted-host",
        "--use-feature",
        "--hash",
        "--config-settings",
        "--global-option",
    }
)
_WITHOUT_VALUE = frozenset(
    {"--no-index", "--prefer-binary", "--require-hashes", "--pre", "--no-deps"}
)
_PER_REQUIREMENT = frozenset({"--hash", "--config-settings", "--global-option"})
_NO_EFFECT = {
    "--only-binary": "has no effect: the browser installs only wheels anyway",
    "--prefer-binary": "has no effect: the browser installs only wheels anyway",
    "--trusted-host": "has no effect: the browser checks certificates itself",
    "--use-feature": "has no effect: it selects pip features, and micropip installs here",
    "--config-settings": "has no effect: build settings do not apply to wheels; you can remove it",
    "--global-option": "has no effect: build options do not apply to wheels; you can remove it",
}
_NOT_IN_BROWSER = {
    "--editable": (
        "editable installs need a local source tree and a build step; build a wheel and list "
        "its .whl file instead"
    ),
    "--hash": _HASH_REASON,
    "--require-hashes": (
        "hash-checking mode is not supported by micropip; remove --require-hashes and the "
        "--hash options"
    ),
    "--find-links": (
        "micropip cannot read find-links pages; list each wheel's URL or ./path on its own "
        "line, or use --index-url"
    ),
    "--no-binary": (
        "the browser can install only wheels, so source builds cannot be requested; remove "
        "--no-binary"
    ),
}


class _OptionError(ValueError):
    pass


def _parse_options(tokens: list[str]) -> list[tuple[str, str | None]]:
    """optparse's rules for the options pip knows: --opt=value, --opt value, -xvalue, -x value."""
    options: list[tuple[str, str | None]] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if token.startswith("--"):
            name, has_value, value = token.partition("=")
            inline: str | None = value if has_value else None
        elif token.startswith("-") and len(token) > 1:
            name, inline = token[:2], token[2:] or None
            name = _ALIASES.get(name, name)
        else:
            raise _OptionError(f"unexpected {token!r}; put one requirement or option per line")
        if name not in _WITH_VALUE and name not in _WITHOUT_VALUE:
            raise _OptionError(f"unknown option {token}; remove it (pip does not know it either)")
        if name in _WITHOUT_VALUE:
            if inline is not None:
                raise _OptionError(f"{name} takes no value; write just {name}")
            options.append((name, None))
            continue
        if inline is None:
            if index == len(tokens):
                raise _OptionError(f"{name} needs a value, e.g. {name} VALUE")
            inline = tokens[index]
            index += 1
        options.append((name, inline))
    return options


def _split_args_options(line: str) -> tuple[str, str]:
    """pip's break_args_options: the requirement ends at the first word that starts with '-'.

    pip splits on spaces only; tabs count as well here, so that a tab before --hash does not
    turn into a confusing syntax error.
    """
    match = _OPTION_START_RE.search(line)
    if match is None:
        return line, ""
    return line[: match.start()].strip(), line[match.start() :].strip()


def _inside(path: str, root: str) -> bool:
    if root == "/":
        return path.startswith("/")
    if root == ".":
        return not path.startswith("/") and path != ".." and not path.startswith("../")
    return path == root or path.startswith(root + "/")


@dataclass
class _Parser:
    read_text: Callable[[str], str]
    root: str
    environment: dict[str, str]
    requirements: list[Requirement] = field(default_factory=list)
    constraints: list[Requirement] = field(default_factory=list)
    skipped: list[Requirement] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ignored: list[Problem] = field(default_factory=list)
    index_urls: list[str] = field(default_factory=list)
    extra_index_urls: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    files: list[str] = field(default_factory=list)
    options: list[Option] = field(default_factory=list)

    def parse_file(self, path: str, text: str, *, constraint: bool, stack: tuple[str, ...]) -> None:
        self.files.append(path)
        for number, line in logical_lines(text):
            self.parse_line(path, number, line, constraint=constraint, stack=(*stack, path))

    def parse_line(
        self, file: str, number: int, line: str, *, constraint: bool, stack: tuple[str, ...]
    ) -> None:
        def problem(reason: str) -> None:
            self.problems.append(Problem(file, number, line, reason))

        if variable := _ENV_VAR_RE.search(line):
            problem(
                f"environment variables such as {variable.group(0)} are not available in the "
                "browser; write the value into the file"
            )
            return
        args, options_text = _split_args_options(line)
        try:
            options = _parse_options(shlex.split(options_text))
        except _OptionError as error:
            problem(str(error))
            return
        except ValueError as error:  # shlex: unbalanced quotes
            problem(f"cannot split the options ({error}); check the quotes")
            return

        if not args:
            self.apply_options(file, number, line, options, constraint=constraint, stack=stack)
            return
        for name, _value in options:
            if name in _NOT_IN_BROWSER:
                # The line asked for a guarantee (a hash) or a mode micropip cannot give, so
                # installing it anyway would be wrong.
                problem(_NOT_IN_BROWSER[name])
                return
        for name in dict.fromkeys(name for name, _ in options):
            if name in _PER_REQUIREMENT:
                reason = f"{name} {_NO_EFFECT[name]}"
            else:
                reason = f"pip ignores {name} after a requirement; put it on a line of its own"
            self.ignored.append(Problem(file, number, line, reason))
        self.add_requirement(file, number, line, args, constraint=constraint)

    def apply_options(
        self,
        file: str,
        number: int,
        line: str,
        options: list[tuple[str, str | None]],
        *,
        constraint: bool,
        stack: tuple[str, ...],
    ) -> None:
        for name, value in options:
            if name in _NOT_IN_BROWSER:
                self.problems.append(Problem(file, number, line, _NOT_IN_BROWSER[name]))
            elif name in _NO_EFFECT:
                self.ignored.append(Problem(file, number, line, f"{name} {_NO_EFFECT[name]}"))
            elif name == "--index-url" and value is not None:
                self.index_urls.append(value)
                self.options.append(Option(file, number, line, name, value))
            elif name == "--extra-index-url" and value is not None:
                self.extra_index_urls.append(value)
                self.options.append(Option(file, number, line, name, value))
            elif name in ("--requirement", "--constraint") and value is not None:
                # As in pip, -r always yields requirements, even inside a constraints file.
                self.include(
                    file, number, line, value, constraint=name == "--constraint", stack=stack
                )
            else:
                self.flags.add(name.removeprefix("--"))
                self.options.append(Option(file, number, line, name))

    def include(
        self,
        file: str,
        number: int,
        line: str,
        target: str,
        *,
        constraint: bool,
        stack: tuple[str, ...],
    ) -> None:
        def problem(reason: str) -> None:
            self.problems.append(Problem(file, number, line, reason))

        if _SCHEME_RE.match(target) and not target.startswith("file:"):
            problem(
                "requirements files from URLs are not supported; copy the file next to this one"
            )
            return
        if target.startswith("file:"):
            target = unquote(urlsplit(target).path)
        path = posixpath.normpath(posixpath.join(posixpath.dirname(file), target))
        if not _inside(path, self.root):
            problem(f"{target} is outside the folder {self.root}; keep included files inside it")
            return
        if path in stack:
            chain = " → ".join([*stack[stack.index(path) :], path])
            problem(f"include cycle: {chain}; remove one of these -r/-c lines")
            return
        try:
            text = self.read_text(path)
        # Any error: read_text is the caller's, and in the browser it may raise a JsException.
        except Exception as error:
            problem(
                f"cannot read {path} ({type(error).__name__}: {error}); check the name, which "
                "is relative to this file's folder"
            )
            return
        self.parse_file(path, text, constraint=constraint, stack=stack)

    def add_requirement(
        self, file: str, number: int, line: str, arg: str, *, constraint: bool
    ) -> None:
        result = self.requirement_from(file, number, line, arg, constraint=constraint)
        if isinstance(result, Problem):
            self.problems.append(result)
            return
        if result.marker is not None:
            try:
                applies = Marker(result.marker).evaluate(self.environment)
            except (UndefinedComparison, UndefinedEnvironmentName) as error:
                self.problems.append(
                    Problem(file, number, line, f"cannot evaluate the marker: {error}")
                )
                return
            if not applies:
                self.skipped.append(result)
                return
        if constraint and (reason := _constraint_problem(result)):
            self.problems.append(Problem(file, number, line, reason))
            return
        (self.constraints if constraint else self.requirements).append(result)

    def requirement_from(
        self, file: str, number: int, line: str, arg: str, *, constraint: bool
    ) -> Requirement | Problem:
        def problem(reason: str) -> Problem:
            return Problem(file, number, line, reason)

        base = Requirement(file, number, line, "name", "", constraint=constraint)
        if not _NAME_AT_RE.match(arg) and _SCHEME_RE.match(arg):
            location, marker = _split_marker(arg, _URL_MARKER_RE)
            return self.from_location(base, location, marker, problem)
        if not _NAME_AT_RE.match(arg) and _looks_like_path(arg.split(";", 1)[0].strip()):
            location, marker = _split_marker(arg, _PATH_MARKER_RE)
            return self.from_location(base, location, marker, problem)
        try:
            parsed = Pep508(arg)
        except InvalidRequirement as error:
            return problem(_common_mistake(arg) or _readable(error))
        fields = {
            "name": parsed.name,
            "extras": tuple(sorted(parsed.extras)),
            "marker": str(parsed.marker) if parsed.marker else None,
        }
        if parsed.url is None:
            return replace(base, specifier=str(parsed.specifier), **fields)
        wheel = self.from_location(base, parsed.url, None, problem)
        if isinstance(wheel, Problem):
            return wheel
        if wheel.key != canonicalize_name(parsed.name):
            return problem(
                f"the line names {parsed.name} but the wheel is {wheel.name}; fix the name "
                "before @ or the wheel link"
            )
        return replace(wheel, **fields)

    def from_location(
        self,
        base: Requirement,
        location: str,
        marker: str | None,
        problem: Callable[[str], Problem],
    ) -> Requirement | Problem:
        """A URL or path with optional [extras], pip-style."""
        extras: tuple[str, ...] = ()
        if match := _EXTRAS_RE.match(location):
            location = match.group(1)
            extras = tuple(sorted(e.strip() for e in match.group(2).split(",") if e.strip()))
        if marker is not None:
            try:
                marker = str(Marker(marker))
            except InvalidMarker as error:
                return problem(f"not a valid environment marker: {_first_line(error)}")
        scheme_match = _SCHEME_RE.match(location)
        scheme = scheme_match.group(1).lower() if scheme_match else ""
        if scheme.split("+", 1)[0] in _VCS:
            return problem(
                "VCS URLs need git and a build step, and the browser has neither; build a wheel "
                "and link to its .whl file"
            )
        if scheme in ("http", "https"):
            parts = urlsplit(location)
            # micropip would not check a #sha256= fragment, so the promise it makes is void.
            if _has_hash_fragment(parts.fragment):
                return problem(_HASH_REASON)
            wheel = _check_wheel(unquote(posixpath.basename(parts.path)))
            if isinstance(wheel, str):
                return problem(wheel)
            # Other fragments (#egg=, #subdirectory=) only matter for source builds.
            url = urlunsplit(parts._replace(fragment=""))
            return replace(
                base,
                kind="url",
                name=wheel[0],
                version=wheel[1],
                extras=extras,
                marker=marker,
                url=url,
            )
        if scheme == "file":
            parts = urlsplit(location)
            if parts.netloc not in ("", "localhost"):
                return problem("file: URLs must point to this machine; use a ./relative path")
            location = unquote(parts.path)
        elif scheme:
            return problem(
                f"{scheme}: links are not supported; use an https:// URL or a ./relative path"
            )
        path = posixpath.normpath(posixpath.join(posixpath.dirname(base.file), location))
        if not _inside(path, self.root):
            return problem(f"{location} is outside the folder {self.root}; keep wheels inside it")
        wheel = _check_wheel(posixpath.basename(path))
        if isinstance(wheel, str):
            return problem(wheel)
        return replace(
            base,
            kind="path",
            name=wheel[0],
            version=wheel[1],
            extras=extras,
            marker=marker,
            path=path,
        )


def _constraint_problem(requirement: Requirement) -> str | None:
    if requirement.extras:
        return "constraints cannot have [extras]; remove them (pip refuses them too)"
    if requirement.kind == "name" and not requirement.specifier:
        return "has no effect: a constraint needs a version specifier or a wheel link"
    return None


def _split_marker(arg: str, separator: re.Pattern[str]) -> tuple[str, str | None]:
    parts = separator.split(arg, maxsplit=1)
    if len(parts) == 1:
        return arg.strip(), None
    return parts[0].strip(), parts[1].strip()


def _looks_like_path(arg: str) -> bool:
    if match := _EXTRAS_RE.match(arg):
        arg = match.group(1)
    lowered = arg.lower()
    return (
        arg.startswith((".", "/", "~"))
        or "/" in arg
        or lowered.endswith(".whl")
        or lowered.endswith(_SDIST_SUFFIXES)
    )


def _has_hash_fragment(fragment: str) -> bool:
    keys = (part.partition("=")[0].lower() for part in fragment.split("&"))
    return any(key in _HASH_NAMES for key in keys)


def _check_wheel(file_name: str) -> tuple[NormalizedName, str] | str:
    """The wheel's name and version, or why the browser cannot install the file."""
    lowered = file_name.lower()
    if lowered.endswith(_SDIST_SUFFIXES):
        return (
            f"{file_name} is a source distribution, and the browser can only install wheels; "
            "link to a .whl file instead"
        )
    if not lowered.endswith(".whl"):
        what = f"{file_name} is not" if file_name else "this does not point to"
        return (
            f"{what} a wheel (.whl), and the browser can only install wheels; build one with "
            "`pip wheel --no-deps . -w wheels` and list ./wheels/NAME.whl"
        )
    try:
        name, version, _build, tags = parse_wheel_filename(file_name)
    except (InvalidWheelFilename, InvalidVersion) as error:
        return f"not a valid wheel file name: {error}"
    platforms = sorted({tag.platform for tag in tags})
    if not any(p == "any" or p.startswith(_BROWSER_PLATFORM_PREFIXES) for p in platforms):
        return (
            f"{file_name} is built for {', '.join(platforms)} and cannot run in the browser "
            f"({BROWSER_PLATFORM_TAG}); use a pure-Python wheel (…-none-any.whl), a Pyodide "
            "build, or just the package name"
        )
    return name, str(version)


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


_NAME = r"[A-Za-z0-9][A-Za-z0-9._-]*"
_NO_VERSION_RE = re.compile(
    rf"^\s*({_NAME})\s*(?:\[[^\]]*\])?\s*([^;]*?)(===|==|!=|~=|<=|>=|<|>)\s*(?:[,;]|$)"
)
_SINGLE_EQUALS_RE = re.compile(
    rf"^\s*({_NAME})\s*(?:\[[^\]]*\])?\s*=\s*([^=\s;][^;]*?)\s*(?:;.*)?$"
)
_TWO_NAMES_RE = re.compile(rf"^\s*{_NAME}\s+{_NAME}(?:\s+{_NAME})*\s*$")


def _common_mistake(arg: str) -> str | None:
    """Plain words for the mistakes people make most, where packaging's parser says what it
    expected at which token ("Expected semicolon ... or end" for `foo==`)."""
    if match := _NO_VERSION_RE.match(arg):
        name, before, operator = match.groups()
        if before.strip():  # another version clause comes first
            return f'not a valid requirement: no version after "{operator}": add one, or remove it.'
        return (
            f'not a valid requirement: no version after "{operator}". Write '
            f"{name}{operator}VERSION, or {name} alone for any version."
        )
    if match := _SINGLE_EQUALS_RE.match(arg):
        name, version = match.groups()
        return (
            f'not a valid requirement: a single "=". Write {name}=={version} for exactly that '
            "version."
        )
    if _TWO_NAMES_RE.match(arg):
        return "not a valid requirement: one requirement per line (this line has several names)."
    return None


def _readable(error: InvalidRequirement) -> str:
    """packaging's message without its ASCII art: what was expected, and where."""
    lines = str(error).splitlines()
    where = ""
    # packaging prints the requirement and a caret line, both indented by four spaces.
    if len(lines) >= 3 and "^" in lines[2]:
        rest = lines[1][4:][max(lines[2].index("^") - 4, 0) :].strip()
        where = f' at "{rest}"' if rest else " at the end"
    return f"not a valid requirement: {_first_line(error)}{where}. {_HOW_TO_WRITE}"
