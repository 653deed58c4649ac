"""Rewriting Pyodide's lock so that every package it names is served by the site itself.

Pyodide's lock pins the digests of Pyodide's own repackaged wheels; the same versions from PyPI
differ, and `loadPackage` checks integrity. So each entry we keep points at the wheel we ship, and
every entry without a local wheel is dropped: importing such a package then fails cleanly instead
of reaching for a CDN.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from packaging.utils import canonicalize_name

from .wheel_files import WheelFile

Lock = dict[str, Any]


def closure(lock: Lock, roots: Iterable[str]) -> list[str]:
    """Names of `roots` and everything they depend on in `lock`, in a stable order."""
    packages = lock["packages"]
    seen: dict[str, None] = {}
    pending = [canonicalize_name(root) for root in roots]
    while pending:
        name = pending.pop(0)
        if name in seen:
            continue
        if name not in packages:
            raise KeyError(f"{name} is not in the Pyodide lock")
        seen[name] = None
        pending.extend(canonicalize_name(dep) for dep in packages[name]["depends"])
    return list(seen)


def rewrite(
    lock: Lock,
    wheels: Mapping[str, WheelFile],
    extra_depends: Mapping[str, Iterable[str]] | None = None,
) -> Lock:
    """A lock whose packages are exactly `wheels`, keyed by canonical name.

    Entries that exist in `lock` keep their metadata (install dir, imports) with the file, digest
    and version of our wheel; new names get an entry built from the wheel. Dependencies are the
    union of the lock's, the wheel's own `Requires-Dist`, and `extra_depends`, restricted to what
    is shipped, so that `loadPackage` never asks for a file that is not there.
    """
    extra_depends = extra_depends or {}
    shipped = set(wheels)
    packages: dict[str, Any] = {}
    for name, wheel in sorted(wheels.items()):
        entry = copy.deepcopy(lock["packages"].get(name)) or {
            "name": name,
            "package_type": "package",
            "install_dir": "site",
            "imports": list(wheel.imports),
            "unvendored_tests": False,
        }
        depends = [*entry.get("depends", []), *wheel.requires, *extra_depends.get(name, [])]
        entry.update(
            version=wheel.version,
            file_name=wheel.file_name,
            sha256=wheel.sha256,
            depends=sorted({canonicalize_name(d) for d in depends} & shipped - {name}),
        )
        packages[name] = entry
    return {"info": copy.deepcopy(lock["info"]), "packages": packages}


def missing_dependencies(lock: Lock) -> dict[str, list[str]]:
    """Dependencies that a lock names but does not contain: should be empty for a sound lock."""
    packages = lock["packages"]
    return {
        name: missing
        for name, entry in packages.items()
        if (missing := [dep for dep in entry["depends"] if dep not in packages])
    }
