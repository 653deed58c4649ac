"""What an install of a folder's requirements.txt tells the user, as text: the notification's
message, and the note the first cell of the session gets when lines failed (pure logic)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .diagnose import NATIVE_ONLY, NO_BROWSER_WHEEL, NOT_FOUND

#: The next step for lines whose package no index had.
NOT_FOUND_ADVICE = (
    "A package not found: check its spelling; this site installs only what its own index "
    "holds (ask its maintainer to add the package to a requirements.txt in the site's "
    'content), or, online, turn on Settings → Settings Editor → InkRider → "Fall back to '
    'PyPI" and restart the kernel.'
)

#: The next step for lines whose package has no build the browser can run.
NATIVE_ADVICE = (
    "A package that needs native code and has no Pyodide build cannot run in the browser: use "
    "a pure-Python alternative, or run the notebook on a Jupyter Server (Settings → Runtime…), "
    "where packages come from its own pip or conda."
)


def installed_text(summary: Mapping[str, Any]) -> str:
    installed = summary.get("installed", [])
    noun = "package" if len(installed) == 1 else "packages"
    return f"Installed {len(installed)} {noun} in {summary.get('seconds', 0):.1f} s"


def problems_title(file: str, summary: Mapping[str, Any]) -> str:
    count = len(summary.get("problems", []))
    return f"{file}: {count} {'line' if count == 1 else 'lines'} not installed"


def problem_lines(file: str, summary: Mapping[str, Any]) -> list[str]:
    return [
        f"line {p['line']}: {p['text']} — {p['reason']}"
        + ("" if p["file"] == file else f" ({p['file']})")
        for p in summary.get("problems", [])
    ]


def summary_message(file: str, summary: Mapping[str, Any]) -> str:
    """The notification's text once the install ended."""
    if not summary.get("problems"):
        return installed_text(summary)
    lines = "\n".join(problem_lines(file, summary))
    return f"{problems_title(file, summary)}\n{lines}\n{installed_text(summary)}"


def cell_note(file: str, summary: Mapping[str, Any]) -> str | None:
    """What the run that started the session shows, on stderr, when lines failed: each line
    and why, then what to do. None when every line was installed."""
    problems = summary.get("problems", [])
    if not problems:
        return None
    lines = [problems_title(file, summary) + ":", *problem_lines(file, summary)]
    lines.append(installed_text(summary) + ".")
    reasons = [str(p.get("reason", "")) for p in problems]
    if any(NOT_FOUND in reason for reason in reasons):
        lines.append(NOT_FOUND_ADVICE)
    if any(reason in (NATIVE_ONLY, NO_BROWSER_WHEEL) for reason in reasons):
        lines.append(NATIVE_ADVICE)
    return "\n".join(lines) + "\n"
