"""The controller's Pyodide memory snapshot (filled in below once measured)."""

from __future__ import annotations

from pathlib import Path


def make(output: Path, static_pyodide: Path) -> Path | None:
    return None
