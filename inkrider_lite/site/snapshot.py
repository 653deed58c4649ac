"""The Pyodide memory snapshots, made at build time in Node: the controller's and the kernel
worker's.

Booting Pyodide runs CPython's start-up as one 1.6–1.9 s block of the page's main thread.
Restoring a snapshot of an interpreter that already imported the controller takes a fraction
of that. The snapshot must come from the very `pyodide.asm.wasm` the page loads, so it is made
from the site's own copy. Without Node the site still works: the loader then boots normally.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

SNAPSHOT_NAME = "controller.snapshot"
CONTROLLER_MODULE = "inkrider_lite.controller"
#: The kernel worker's image and what it was made from (read by labextension/kernel-boot.mjs).
KERNEL_IMAGE_NAME = "kernel.snapshot"
KERNEL_FILES_NAME = "kernel.files"
KERNEL_MANIFEST_NAME = "kernel.snapshot.json"


def make(output: Path, static_pyodide: Path) -> Path | None:
    target = output / "extensions" / "inkrider-lite" / "static" / SNAPSHOT_NAME
    node = shutil.which("node")
    if node is None:
        print("snapshot: node not found; the controller will boot without a snapshot")
        return None
    script = Path(__file__).with_name("snapshot.mjs")
    subprocess.run(
        [node, str(script), str(static_pyodide), str(target), CONTROLLER_MODULE], check=True
    )
    return target


def make_kernel(
    output: Path, static_pyodide: Path, packages: list[str], imports: Sequence[str] = ()
) -> Path | None:
    """The kernel worker's image: Pyodide with `packages` (pyodide-kernel's preload list and
    InkRider's kernel side) in place and IPython, ipykernel and pyodide-kernel imported, with
    the bundle of those packages' files and a manifest of what it was made from. A worker
    restores it in a fraction of a plain boot; without it (no Node) workers boot plainly."""
    folder = output / "extensions" / "inkrider-lite" / "static"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / KERNEL_IMAGE_NAME
    node = shutil.which("node")
    if node is None:
        print("snapshot: node not found; kernel workers will boot without an image")
        return None
    script = Path(__file__).with_name("kernel_snapshot.mjs")
    subprocess.run(
        [
            node,
            *stack_switching_flags(node),
            str(script),
            str(static_pyodide),
            str(target),
            str(folder / KERNEL_FILES_NAME),
            str(folder / KERNEL_MANIFEST_NAME),
            *([f"--import={','.join(imports)}"] if imports else []),
            *packages,
        ],
        check=True,
    )
    return target


def stack_switching_flags(node: str) -> list[str]:
    """The flag that turns on JSPI (WebAssembly stack switching) in this Node, as it is on in
    browsers: Pyodide's C side records at start-up whether it has it, and the image keeps that.
    Node 20 has the old proposal behind a flag, later versions the new one."""
    options = subprocess.run(
        [node, "--v8-options"], capture_output=True, text=True, check=True
    ).stdout
    for flag in ("--experimental-wasm-jspi", "--experimental-wasm-stack-switching"):
        if re.search(rf"^\s*{re.escape(flag)}\b", options, re.M):
            return [flag]
    return []
