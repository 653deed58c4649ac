"""A static PEP 503 "simple" index, so that plain `micropip.install` finds the site's wheels.

micropip resolves relative links of the HTML flavour against the page it fetched, which makes
the index relocatable: the site can live under any path of any static host.

Each link carries the wheel's digest twice: as the PEP 503 `#sha256=` fragment, which micropip
checks the download against, and as a `?sha256=` query, as piplite's `all.json` links do. The
query makes the URL name one exact file, which the site's server lets browsers cache for good
(see `serve.cache_control`); a static host that ignores it serves the file all the same.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from .wheel_files import WheelFile


def write_simple_index(root: Path, wheels: Iterable[WheelFile], wheel_href_prefix: str) -> None:
    """Write `root/<name>/index.html` for each project, linking `wheel_href_prefix + file`
    with its digest.

    `wheel_href_prefix` is relative to a project page, for example `../../`.
    """
    by_name: dict[str, list[WheelFile]] = defaultdict(list)
    for wheel in wheels:
        by_name[wheel.name].append(wheel)
    root.mkdir(parents=True, exist_ok=True)
    for name, files in sorted(by_name.items()):
        links = "\n".join(
            f'<a href="{html.escape(wheel_href_prefix + w.file_name)}'
            f'?sha256={w.sha256}#sha256={w.sha256}">'
            f"{html.escape(w.file_name)}</a><br>"
            for w in sorted(files, key=lambda w: w.file_name)
        )
        page = (
            '<!DOCTYPE html>\n<html><head><meta name="pypi:repository-version" content="1.0">'
            f"<title>Links for {html.escape(name)}</title></head><body>\n{links}\n</body></html>\n"
        )
        (root / name).mkdir(exist_ok=True)
        (root / name / "index.html").write_text(page, encoding="utf-8")
    names = "\n".join(f'<a href="{n}/">{n}</a><br>' for n in sorted(by_name))
    (root / "index.html").write_text(
        f"<!DOCTYPE html>\n<html><body>\n{names}\n</body></html>\n", encoding="utf-8"
    )
