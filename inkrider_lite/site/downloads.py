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
from pathlib import Path

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


def browser_wheels(specs: list[str], dest: Path, *, with_deps: bool) -> list[Path]:
    """Download wheels usable in the browser for `specs` into `dest`; cached per request."""
    key = hashlib.sha256(json.dumps([sorted(specs), with_deps]).encode()).hexdigest()[:16]
    manifest = dest / f".request-{key}.json"
    if manifest.exists():
        return [dest / name for name in json.loads(manifest.read_text())]
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
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    # pip names each file it saved or found already saved; that is the resolved set.
    names = sorted({Path(p).name for p in _SAVED.findall(output)})
    manifest.write_text(json.dumps(names))
    return [dest / name for name in names]
