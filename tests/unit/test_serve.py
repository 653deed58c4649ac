"""inkrider_lite.site.serve: which responses a browser may keep, and the request hook."""

from __future__ import annotations

import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path

import pytest

from inkrider_lite.site.serve import IMMUTABLE, REVALIDATE, cache_control, make_server

DIGEST = "ab" * 32


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (f"/pypi/attrs-25.3.0-py3-none-any.whl?sha256={DIGEST}", IMMUTABLE),
        (f"/lite/pypi/./six-1.17.0-py2.py3-none-any.whl?sha256={DIGEST}", IMMUTABLE),
        # Loaded by bare name (Pyodide's lock): the file may be rebuilt under the same name.
        ("/static/pyodide/inkrider_lite-0.1.0-py3-none-any.whl", REVALIDATE),
        ("/pypi/attrs-25.3.0-py3-none-any.whl?sha256=", REVALIDATE),
        ("/pypi/attrs-25.3.0-py3-none-any.whl?other=1", REVALIDATE),
        (f"/pypi/all.json?sha256={DIGEST}", REVALIDATE),
        ("/pypi/simple/attrs/index.html", REVALIDATE),
        ("/lab/index.html", REVALIDATE),
    ],
)
def test_only_wheels_named_by_their_digest_are_kept(path: str, expected: str) -> None:
    assert cache_control(path) == expected


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, list[tuple[str, str, int]]]]:
    (tmp_path / "pypi").mkdir()
    (tmp_path / "pypi" / "attrs-25.3.0-py3-none-any.whl").write_bytes(b"PK wheel")
    seen: list[tuple[str, str, int]] = []
    server = make_server(tmp_path, 0, on_request=lambda *response: seen.append(response))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def test_responses_carry_their_cache_policy_and_reach_the_hook(
    served: tuple[str, list[tuple[str, str, int]]],
) -> None:
    base, seen = served
    wheel = "/pypi/attrs-25.3.0-py3-none-any.whl"
    status, headers = get(f"{base}{wheel}?sha256={DIGEST}")
    assert (status, headers["Cache-Control"]) == (200, IMMUTABLE)
    status, headers = get(f"{base}{wheel}")
    assert (status, headers["Cache-Control"]) == (200, REVALIDATE)
    # A revalidation of an unchanged file: no body, and nothing to keep for good.
    later = formatdate(usegmt=True)
    status, headers = get(f"{base}{wheel}", {"If-Modified-Since": later})
    assert (status, headers["Cache-Control"]) == (304, REVALIDATE)
    # An error is never kept, even under a digest URL.
    status, headers = get(f"{base}/pypi/missing-1.0-py3-none-any.whl?sha256={DIGEST}")
    assert (status, headers["Cache-Control"]) == (404, REVALIDATE)
    assert seen == [
        ("GET", f"{wheel}?sha256={DIGEST}", 200),
        ("GET", wheel, 200),
        ("GET", wheel, 304),
        ("GET", f"/pypi/missing-1.0-py3-none-any.whl?sha256={DIGEST}", 404),
    ]


def test_serving_a_folder_without_a_built_site_is_refused(tmp_path: Path) -> None:
    # A new user's natural guess, `--root build/site`, served every request as a 404.
    done = subprocess.run(
        [sys.executable, "-m", "inkrider_lite.site", "serve", "--root", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert f"no built site at {tmp_path / 'build' / 'site'}" in done.stderr
    assert "--root is the repository" in done.stderr
