"""What the kernel side is asked to install for a parsed requirements file. Pure logic.

The decisions (merged duplicates, constraints, index options, wheel links) are `install_plan`'s;
this only turns them into plain JSON for the kernel, each item with the line it came from, so
that a failure can be reported against that line.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from .parser import ParsedRequirements
from .plan import install_plan

INDEX_OPTIONS = ("--index-url", "--extra-index-url")

#: PyPI's simple API, as micropip asks it (micropip's own default index).
PYPI_INDEX = "https://pypi.org/simple"


def session_index_urls(site_index: str, *, pypi_fallback: bool) -> list[str]:
    """The indexes a session looks packages up in, in order: the site's own index, then PyPI
    when the `pypiFallback` setting allows it. micropip tries them in turn and takes the first
    that knows the package; offline, PyPI just fails like an unknown name."""
    return [site_index, PYPI_INDEX] if pypi_fallback else [site_index]


def index_setup_code(site_index: str, *, pypi_fallback: bool) -> str:
    """Code for a worker: plain `micropip.install` and `%pip install` use the session's indexes.

    `%pip` goes through piplite, which looks in the site's `all.json` first and then, unless
    its PyPI fallback is disabled (the site's build disables it), asks micropip's indexes; so
    piplite's switch follows the setting too. The names are deleted: the code runs in the
    user's namespace.
    """
    urls = session_index_urls(site_index, pypi_fallback=pypi_fallback)
    return (
        "import micropip as _m, piplite.piplite as _pl\n"
        f"_m.set_index_urls({urls!r})\n"
        f"_pl._PIPLITE_DISABLE_PYPI = {not pypi_fallback!r}\n"
        "del _m, _pl\n"
    )


def where(file: str, line: int, text: str) -> dict[str, Any]:
    return {"file": file, "line": line, "text": text}


def kernel_plan(
    parsed: ParsedRequirements, files_url: str, index_urls: Sequence[str]
) -> dict[str, Any]:
    """The JSON plan for `inkrider_lite.kernel.install`.

    `files_url` is where the site serves content files (micropip fetches local wheels from
    there); `index_urls` the session's indexes (`session_index_urls`), which stand where pip's
    default (PyPI) would: a file's `--index-url` replaces them, `--extra-index-url` adds to
    them. Packages already in the kernel are left to micropip, which skips them.
    """
    plan = install_plan(
        parsed,
        {},
        default_index_urls=list(index_urls),
        wheel_path_url=lambda path: files_url + quote(path.lstrip("/")),
    )
    return {
        "file": parsed.file,
        "items": [
            {"target": item.requirement, "where": where(*_first_line(item.sources))}
            for item in plan.items
        ],
        "problems": [{**where(p.file, p.line, p.text), "reason": p.reason} for p in plan.problems],
        "index_urls": list(index_urls if plan.index_urls is None else plan.index_urls),
        # The file's own indexes and their lines: a package not found may be an index down.
        "index_sources": [
            {**where(o.file, o.line, o.text), "url": o.value}
            for o in parsed.options
            if o.name in INDEX_OPTIONS and plan.index_urls and o.value in plan.index_urls
        ],
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
