"""Fetching what the offline site ships, once: Pyodide from npm, wheels from PyPI.

Everything lands in a cache folder and is reused while the request is unchanged, so a second
build makes no network request at all.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tarfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

#: pip's view of the browser: PEP 783 wheels for Pyodide 314 and pure-Python wheels.
_SAVED = re.compile(r"^(?:Saved|File was already downloaded) (\S+\.whl)$", re.MULTILINE)

BROWSER_PIP_TARGET = [
    "--only-binary=:all:",
    "--python-version",
    "3.14",
    "--implementation",
    "cp",
    "--abi",
    "cp314",
    "--platform",
    "pyemscripten_2026_0_wasm32",
]


def pyodide_from_npm(version: str, cache: Path) -> Path:
    """The unpacked npm package `pyodide@version` (the core only: no package wheels)."""
    unpacked = cache / f"pyodide-{version}"
    if (unpacked / "pyodide.asm.wasm").exists():
        return unpacked
    cache.mkdir(parents=True, exist_ok=True)
    tarball = cache / f"pyodide-{version}.tgz"
    if not tarball.exists():
        subprocess.run(
            ["npm", "pack", f"pyodide@{version}", "--pack-destination", str(cache), "--silent"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    partial = cache / f".pyodide-{version}.partial"
    with tarfile.open(tarball) as archive:
        archive.extractall(partial, filter="data")
    (partial / "package").rename(unpacked)
    partial.rmdir()
    return unpacked


class Failure(StrEnum):
    """Why pip could not download browser wheels for a request."""

    NOT_FOUND = "not-found"
    NO_WHEEL = "no-wheel"
    NO_MATCHING_VERSION = "no-matching-version"
    CONFLICT = "conflict"
    #: Anything else, network trouble included: never cached, so the next build tries again.
    ERROR = "error"


@dataclass(eq=False)  # not frozen: raising sets attributes such as __traceback__
class NoBrowserWheel(Exception):
    """pip found no set of browser wheels for a request; `project` is the one that failed."""

    kind: Failure
    project: str
    message: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.project}: {self.message}" if self.project else self.message


def browser_wheels(
    specs: list[str],
    dest: Path,
    *,
    with_deps: bool,
    failure_tag: str | None = None,
    constraints: Sequence[str] = (),
) -> list[Path]:
    """Download wheels usable in the browser for `specs` into `dest`; cached per request.

    Raises `NoBrowserWheel` when pip cannot. With a `failure_tag` (say, a digest of the file
    that asked), a failure is cached too, for as long as the tag stays the same. `constraints`
    limit versions the way pip's `-c` does.
    """
    request: list[Any] = [sorted(specs), with_deps]
    if constraints:  # only then, so that earlier cache entries keep their keys
        request.append(sorted(constraints))
    key = hashlib.sha256(json.dumps(request).encode()).hexdigest()[:16]
    manifest = dest / f".request-{key}.json"
    if manifest.exists():
        return [dest / name for name in json.loads(manifest.read_text())]
    failed = dest / f".request-{key}.failed-{failure_tag}.json"
    if failure_tag is not None and failed.exists():
        cached = json.loads(failed.read_text())
        raise NoBrowserWheel(**{**cached, "kind": Failure(cached["kind"])})
    dest.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--disable-pip-version-check",
        *BROWSER_PIP_TARGET,
        "--dest",
        str(dest),
        *specs,
    ]
    if not with_deps:
        command.insert(4, "--no-deps")
    if constraints:
        constraints_file = dest / f".request-{key}.constraints.txt"
        constraints_file.write_text("".join(f"{c}\n" for c in constraints))
        command[4:4] = ["--constraint", str(constraints_file)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        error = classify_pip_failure(result.stdout + result.stderr, _project_exists)
        if failure_tag is not None and error.kind is not Failure.ERROR:
            failed.write_text(json.dumps(asdict(error)))
        raise error
    # pip names each file it saved or found already saved; that is the resolved set.
    names = sorted({Path(p).name for p in _SAVED.findall(result.stdout)})
    manifest.write_text(json.dumps(names))
    return [dest / name for name in names]


_NO_MATCH = re.compile(r"^ERROR: No matching distribution found for (.+)$", re.MULTILINE)
_VERSIONS = re.compile(r"\(from versions: (.*)\)$", re.MULTILINE)
_CONFLICT = re.compile(r"^ERROR: (Cannot install .+)$", re.MULTILINE)
#: urllib3's warning while the network fails; pip then reports what it could not reach as absent.
_NETWORK = re.compile(r"Retrying \(Retry\(|connection broken by|NewConnectionError")


def classify_pip_failure(
    output: str, project_exists: Callable[[str], bool | None]
) -> NoBrowserWheel:
    """Turn a failed `pip download`'s output into a reason a notebook author can act on.

    `project_exists(name)` answers whether the index knows the project at all (None: unknown),
    because pip says "from versions: none" both for unknown names and for projects with no
    wheel the browser can use.
    """
    detail = "\n".join(line for line in output.splitlines() if line.startswith("ERROR:"))
    if _NETWORK.search(output):
        return NoBrowserWheel(Failure.ERROR, "", "could not reach the package index", detail)
    if match := _NO_MATCH.search(output):
        wanted = match.group(1).strip()
        try:
            project = canonicalize_name(Requirement(wanted).name)
        except InvalidRequirement:
            project = wanted
        versions = _VERSIONS.search(output)
        if versions and versions.group(1) != "none":
            usable = versions.group(1).split(", ")
            shown = ", ".join(usable[-5:]) + (" …" if len(usable) > 5 else "")
            message = f"no usable wheel matches {wanted} (usable versions: {shown})"
            return NoBrowserWheel(Failure.NO_MATCHING_VERSION, project, message, detail)
        exists = project_exists(project)
        if exists is None:
            kind, message = Failure.ERROR, "could not reach the package index"
        elif exists:
            kind, message = Failure.NO_WHEEL, "no pure-Python or Pyodide wheel"
        else:
            kind, message = Failure.NOT_FOUND, "not found on PyPI"
        return NoBrowserWheel(kind, project, message, detail)
    if match := _CONFLICT.search(output):
        return NoBrowserWheel(Failure.CONFLICT, "", match.group(1), detail)
    last = detail.splitlines()[-1] if detail else "pip download failed"
    return NoBrowserWheel(Failure.ERROR, "", last.removeprefix("ERROR: "), detail)


def _project_exists(name: str) -> bool | None:
    """Whether pip's configured indexes have a page for `name` (None: could not tell)."""
    command = [sys.executable, "-m", "pip", "index", "versions", "--disable-pip-version-check"]
    # -vv: only pip's debug log tells a 404 from an unreachable index.
    result = subprocess.run([*command, "-vv", "--pre", name], capture_output=True, text=True)
    if result.returncode == 0:
        return True
    return project_page_exists(result.stdout + result.stderr)


_FETCH_FAILED = re.compile(r"^Could not fetch URL \S+: (.*)$", re.MULTILINE)


def project_page_exists(verbose_output: str) -> bool | None:
    """Read `pip index versions -vv` output that found no release the host could use."""
    reasons = _FETCH_FAILED.findall(verbose_output)
    if _NETWORK.search(verbose_output) or any(not r.startswith("404") for r in reasons):
        return None
    # No 404: some index served a page, with files for other platforms only.
    return not reasons
