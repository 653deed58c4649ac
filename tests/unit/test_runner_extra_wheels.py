"""The headless runner's extra wheels: an index laid over the site's, served in its place."""

from __future__ import annotations

import threading
import urllib.request
import zipfile
from pathlib import Path

from inkrider_lite.runner.extra_wheels import overlay_index
from inkrider_lite.site.serve import make_server


def wheel(directory: Path, name: str, version: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n"
        archive.writestr(f"{name}-{version}.dist-info/METADATA", metadata)
    return path


def test_the_overlay_indexes_the_sites_wheels_and_adds_only_what_the_site_lacks(
    tmp_path: Path,
) -> None:
    site, cache, overlay = tmp_path / "site", tmp_path / "cache", tmp_path / "overlay"
    wheel(site / "pypi", "attrs", "25.3.0")
    fetched = [wheel(cache, "toolz", "1.0.0"), wheel(cache, "attrs", "24.1.0")]

    added = overlay_index(site, fetched, overlay)

    assert [(w.name, w.version) for w in added] == [("toolz", "1.0.0")]
    assert (overlay / "pypi" / "toolz-1.0.0-py3-none-any.whl").exists()
    assert not (overlay / "pypi" / "attrs-24.1.0-py3-none-any.whl").exists()
    attrs_page = (overlay / "pypi" / "simple" / "attrs" / "index.html").read_text()
    assert "attrs-25.3.0-py3-none-any.whl" in attrs_page  # the site's wheel stays the one
    assert "24.1.0" not in attrs_page
    assert "toolz-1.0.0" in (overlay / "pypi" / "simple" / "toolz" / "index.html").read_text()
    assert not (site / "pypi" / "simple").exists()  # the site itself is not touched


def test_the_server_prefers_the_overlay_and_falls_back_to_the_site(tmp_path: Path) -> None:
    site, overlay = tmp_path / "site", tmp_path / "overlay"
    (site / "pypi" / "simple").mkdir(parents=True)
    (site / "pypi" / "simple" / "index.html").write_text("site index")
    (site / "lab.html").write_text("site page")
    (overlay / "pypi" / "simple").mkdir(parents=True)
    (overlay / "pypi" / "simple" / "index.html").write_text("overlay index")
    server = make_server(site, 0, overlay=overlay)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with urllib.request.urlopen(f"{base}/pypi/simple/") as response:
            assert response.read() == b"overlay index"
        with urllib.request.urlopen(f"{base}/lab.html") as response:
            assert response.read() == b"site page"
    finally:
        server.shutdown()
        server.server_close()
