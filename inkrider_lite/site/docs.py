"""Rendering the user guides in docs/ into standalone HTML pages of the site."""

from __future__ import annotations

import html
from pathlib import Path

from markdown_it import MarkdownIt

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font: 16px/1.55 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto;
       padding: 0 1rem; color: #1b1b1b; }}
code, pre {{ font-family: ui-monospace, monospace; background: #f3f3f3; }}
pre {{ padding: .7rem; overflow-x: auto; }} code {{ padding: 0 .2rem; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #ccc; padding: .3rem .5rem; }}
h1, h2, h3 {{ line-height: 1.2; }}
</style></head>
<body><main>
{body}
</main></body></html>
"""


def render(source: Path, dest: Path) -> list[Path]:
    """Render each `source/*.md` to `dest/<stem>.html`; the first heading is the title."""
    markdown = MarkdownIt("commonmark", {"html": False}).enable("table")
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for page in sorted(source.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        title = next(
            (line.lstrip("# ").strip() for line in text.splitlines() if line.startswith("# ")),
            page.stem,
        )
        target = dest / f"{page.stem}.html"
        target.write_text(
            _PAGE.format(title=html.escape(title), body=markdown.render(text)), encoding="utf-8"
        )
        written.append(target)
    return written
