"""Turning micropip's failures into a reason a notebook author can act on. Pure logic."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

NOT_FOUND = "not found in any index"
NO_BROWSER_WHEEL = (
    "needs native code, or no version matches; no pure-Python or Pyodide wheel is available"
)


#: micropip's words for a wheel URL it could not download. It blames CORS, but a page cannot
#: tell a host that refuses it CORS from one that does not resolve or does not answer.
_WHEEL_FETCH = re.compile(r"Can't fetch wheel from '([^']+)'")


def reason_for(error: BaseException | str) -> str:
    """A short reason for a failed install of one requirement."""
    text = str(error)
    if "Can't fetch metadata" in text or "PyPI fallback is disabled" in text:
        return NOT_FOUND
    if fetched := _WHEEL_FETCH.search(text):
        return unreachable_wheel(fetched.group(1))
    if "Can't find a pure Python 3 wheel" in text:
        return NO_BROWSER_WHEEL
    if "is already installed" in text:
        return "another version is already installed in this session; restart it to change it"
    if "Wheel interpreter version" in text or "Wheel platform" in text:
        return "the wheel is built for another platform; no Pyodide build available"
    first = text.strip().splitlines()[0] if text.strip() else type(error).__name__
    return first[:300]


NATIVE_ONLY = "needs native code; no Pyodide build available"


def refine_with_build_report(
    problems: list[dict[str, Any]], report: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    """Sharpen run-time reasons with what the site build learned from PyPI.

    At run time a package without a browser wheel is just absent from the site's index; the
    build's report says whether it exists with native wheels only. Report paths start with the
    content folder (`content/…`); run-time paths are relative to the contents root.
    """
    known: dict[tuple[str, int], str] = {}
    for entry in (report or {}).get("unresolved", []):
        file = str(entry.get("file", "")).split("/", 1)[-1]
        known[(file, int(entry.get("line", 0)))] = str(entry.get("reason", ""))
    refined = []
    for problem in problems:
        build_reason = known.get((problem["file"], problem["line"]))
        if problem["reason"] in (NOT_FOUND, NO_BROWSER_WHEEL) and build_reason == "no-wheel":
            problem = {**problem, "reason": NATIVE_ONLY}
        refined.append(problem)
    return sorted(refined, key=lambda p: (p["file"], p["line"]))


def unreachable_wheel(url: str) -> str:
    host = urlsplit(url).hostname or url
    return (
        f"could not download {url}: the host {host} could not be reached. Check the URL; a "
        "host that is up but does not let this site download from it (CORS) looks the same "
        "to the browser"
    )


def unreachable_indexes(indexes: Sequence[Mapping[str, Any]]) -> str:
    """Why a package was not found when the file's own index options name indexes that did not
    answer: those indexes, with the lines that set them."""
    named = "; ".join(f"{i['url']} (line {i['line']})" for i in indexes)
    noun = "index" if len(indexes) == 1 else "indexes"
    return f"not found: the {noun} {named} could not be reached"
