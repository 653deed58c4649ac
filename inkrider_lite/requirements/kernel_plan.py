"""What the kernel side is asked to install for a parsed requirements file. Pure logic.

The plan is plain JSON: each item is one micropip target and the line it came from, so that a
failure can be reported against that line.
"""

from __future__ import annotations

import posixpath
from typing import Any
from urllib.parse import quote

from .parser import ParsedRequirements, Requirement


def target_for(requirement: Requirement, files_url: str) -> str:
    """A micropip requirement string: a name with extras and specifier, or a wheel URL."""
    if requirement.kind == "url" and requirement.url:
        return requirement.url
    if requirement.kind == "path" and requirement.path:
        # Content files are served by the site under files/, which micropip can fetch.
        return files_url + quote(requirement.path.lstrip("/"))
    extras = f"[{','.join(requirement.extras)}]" if requirement.extras else ""
    return f"{requirement.name}{extras}{requirement.specifier}"


def where(file: str, line: int, text: str) -> dict[str, Any]:
    return {"file": file, "line": line, "text": text}


def kernel_plan(parsed: ParsedRequirements, files_url: str, site_index: str) -> dict[str, Any]:
    """The JSON plan for `inkrider_lite.kernel.install`.

    `files_url` is where the site serves content files; `site_index` the site's own package
    index, which stands where pip's default (PyPI) would: a file's `--index-url` replaces it.
    """
    index = list(parsed.index_urls[-1:]) or [site_index]
    return {
        "file": parsed.file,
        "items": [
            {
                "target": target_for(r, files_url),
                "where": where(r.file, r.line, r.text),
            }
            for r in parsed.requirements
        ],
        "problems": [
            {**where(p.file, p.line, p.text), "reason": p.reason} for p in parsed.problems
        ],
        "index_urls": [*index, *parsed.extra_index_urls],
        "pre": "pre" in parsed.flags,
        "no_deps": "no-deps" in parsed.flags,
    }


def folder_requirements_path(location: str) -> str:
    """The requirements file of a notebook folder, as a contents path ("" is the root)."""
    folder = location.split(":", 1)[-1].strip("/")
    return posixpath.join(folder, "requirements.txt") if folder else "requirements.txt"
