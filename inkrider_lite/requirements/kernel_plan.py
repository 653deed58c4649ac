"""What the kernel side is asked to install for a parsed requirements file. Pure logic.

The decisions (merged duplicates, constraints, index options, wheel links) are `install_plan`'s;
this only turns them into plain JSON for the kernel, each item with the line it came from, so
that a failure can be reported against that line.
"""

from __future__ import annotations

import posixpath
from typing import Any
from urllib.parse import quote

from .parser import ParsedRequirements
from .plan import install_plan


def where(file: str, line: int, text: str) -> dict[str, Any]:
    return {"file": file, "line": line, "text": text}


def kernel_plan(parsed: ParsedRequirements, files_url: str, site_index: str) -> dict[str, Any]:
    """The JSON plan for `inkrider_lite.kernel.install`.

    `files_url` is where the site serves content files (micropip fetches local wheels from
    there); `site_index` the site's own package index, which stands where pip's default (PyPI)
    would: a file's `--index-url` replaces it. Packages already in the kernel are left to
    micropip, which skips them.
    """
    plan = install_plan(
        parsed,
        {},
        default_index_urls=[site_index],
        wheel_path_url=lambda path: files_url + quote(path.lstrip("/")),
    )
    return {
        "file": parsed.file,
        "items": [
            {"target": item.requirement, "where": where(*_first_line(item.sources))}
            for item in plan.items
        ],
        "problems": [{**where(p.file, p.line, p.text), "reason": p.reason} for p in plan.problems],
        "index_urls": [site_index] if plan.index_urls is None else list(plan.index_urls),
        "constraints": list(plan.constraints),
        "pre": plan.pre,
        "deps": plan.deps,
    }


def _first_line(sources: tuple[Any, ...]) -> tuple[str, int, str]:
    first = sources[0]
    return first.file, first.line, first.text


def folder_requirements_path(location: str) -> str:
    """The requirements file of a notebook folder, as a contents path ("" is the root)."""
    folder = location.split(":", 1)[-1].strip("/")
    return posixpath.join(folder, "requirements.txt") if folder else "requirements.txt"
