"""Facts about wheel files on disk: name, version, dependencies, import names, digest."""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name, parse_wheel_filename

# The browser's interpreter, for evaluating environment markers of wheel dependencies.
from ..requirements.parser import BROWSER_ENVIRONMENT


@dataclass(frozen=True)
class WheelFile:
    path: Path
    name: NormalizedName
    version: str
    requires: tuple[NormalizedName, ...]
    imports: tuple[str, ...]
    sha256: str

    @property
    def file_name(self) -> str:
        return self.path.name


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_wheel(path: Path) -> WheelFile:
    name, version, _build, _tags = parse_wheel_filename(path.name)
    with zipfile.ZipFile(path) as archive:
        members = archive.namelist()
        metadata_name = next(m for m in members if m.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(metadata_name).decode("utf-8"))
    requires: list[NormalizedName] = []
    for line in metadata.get_all("Requires-Dist") or []:
        requirement = Requirement(line)
        # Extras of this wheel are never requested at boot, so "extra" is empty.
        if requirement.marker and not requirement.marker.evaluate(
            {**BROWSER_ENVIRONMENT, "extra": ""}
        ):
            continue
        requires.append(canonicalize_name(requirement.name))
    return WheelFile(
        path=path,
        name=name,
        version=str(version),
        requires=tuple(dict.fromkeys(requires)),
        imports=_import_names(members),
        sha256=sha256_of(path),
    )


def _import_names(members: list[str]) -> tuple[str, ...]:
    names: list[str] = []
    for member in members:
        top = member.split("/", 1)[0]
        if top.endswith((".dist-info", ".data")):
            continue
        if "/" in member or top.endswith(".py"):
            names.append(top.removesuffix(".py"))
    return tuple(sorted(set(names)))
