"""inkrider_lite.site.package_index: the static PEP 503 pages, parsed back with html.parser."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from inkrider_lite.site.package_index import write_simple_index
from inkrider_lite.site.wheel_files import WheelFile


class Page(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self.meta: dict[str, str] = {}
        self.title = ""
        self._tag: str | None = None
        self._href: str | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag = tag
        values = dict(attrs)
        if tag == "a":
            self._href = values["href"] or ""
            self.links.append((self._href, ""))
        elif tag == "meta":
            self.meta[values["name"] or ""] = values["content"] or ""

    def handle_endtag(self, tag: str) -> None:
        self._tag = None

    def handle_data(self, data: str) -> None:
        if self._tag == "a":
            href, text = self.links[-1]
            self.links[-1] = (href, text + data)
        elif self._tag == "title":
            self.title += data


def fake_wheel(file_name: str, name: str, sha: str) -> WheelFile:
    return WheelFile(Path("dist") / file_name, name, "1", (), (), sha)  # type: ignore[arg-type]


def digest(char: str) -> str:
    """The query (a cacheable URL for one exact file) and the fragment (what micropip checks)."""
    return f"?sha256={char * 64}#sha256={char * 64}"


def read(path: Path) -> Page:
    return Page(path.read_text(encoding="utf-8"))


def test_project_pages_link_each_wheel_with_its_digest(tmp_path: Path) -> None:
    wheels = [
        fake_wheel("foo-2.0-py3-none-any.whl", "foo", "b" * 64),
        fake_wheel("bar-0.1-py3-none-any.whl", "bar", "c" * 64),
        fake_wheel("foo-1.0-py3-none-any.whl", "foo", "a" * 64),
    ]
    root = tmp_path / "pypi" / "simple"
    write_simple_index(root, wheels, "../../")

    foo = read(root / "foo" / "index.html")
    assert foo.links == [
        ("../../foo-1.0-py3-none-any.whl" + digest("a"), "foo-1.0-py3-none-any.whl"),
        ("../../foo-2.0-py3-none-any.whl" + digest("b"), "foo-2.0-py3-none-any.whl"),
    ]
    assert foo.title == "Links for foo"
    assert foo.meta == {"pypi:repository-version": "1.0"}
    assert read(root / "bar" / "index.html").links == [
        ("../../bar-0.1-py3-none-any.whl" + digest("c"), "bar-0.1-py3-none-any.whl")
    ]
    assert read(root / "index.html").links == [("bar/", "bar"), ("foo/", "foo")]
    assert sorted(p.name for p in root.iterdir()) == ["bar", "foo", "index.html"]


def test_names_and_links_are_escaped(tmp_path: Path) -> None:
    odd = 'we"ird&<name>-1.0-py3-none-any.whl'
    write_simple_index(tmp_path, [fake_wheel(odd, "weird", "d" * 64)], "../x&y/")
    raw = (tmp_path / "weird" / "index.html").read_text(encoding="utf-8")
    assert odd not in raw
    assert "&amp;" in raw and "&quot;" in raw and "&lt;name&gt;" in raw
    # Parsing undoes the escaping exactly: the href and the text are the original strings.
    assert Page(raw).links == [(f"../x&y/{odd}" + digest("d"), odd)]


def test_writing_twice_and_an_empty_index(tmp_path: Path) -> None:
    wheels = [fake_wheel("foo-1.0-py3-none-any.whl", "foo", "e" * 64)]
    write_simple_index(tmp_path, wheels, "../../")
    write_simple_index(tmp_path, wheels, "../../")
    assert len(read(tmp_path / "foo" / "index.html").links) == 1
    empty = tmp_path / "empty"
    write_simple_index(empty, [], "../../")
    assert read(empty / "index.html").links == []
