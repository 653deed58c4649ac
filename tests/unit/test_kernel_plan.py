"""inkrider_lite.requirements.kernel_plan: the session's indexes (the pypiFallback setting) and
the JSON plan the kernel side installs, with the index URLs micropip is given."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from typing import Any

import pytest

from inkrider_lite.controller.app import site_index, worker_setup_code
from inkrider_lite.requirements import parse_requirements
from inkrider_lite.requirements.kernel_plan import (
    PYPI_INDEX,
    index_setup_code,
    kernel_plan,
    session_index_urls,
)

SITE = "http://127.0.0.1:8000/lite/"
SITE_INDEX = site_index(SITE)
FILES = f"{SITE}files/"


def plan_for(text: str, *, pypi_fallback: bool) -> dict[str, Any]:
    parsed = parse_requirements("folder/requirements.txt", {"folder/requirements.txt": text}.get)
    return kernel_plan(parsed, FILES, session_index_urls(SITE_INDEX, pypi_fallback=pypi_fallback))


def test_the_site_index_is_first_and_pypi_only_with_the_setting() -> None:
    assert SITE_INDEX == "http://127.0.0.1:8000/lite/pypi/simple/{package_name}/index.html"
    assert session_index_urls(SITE_INDEX, pypi_fallback=False) == [SITE_INDEX]
    assert session_index_urls(SITE_INDEX, pypi_fallback=True) == [SITE_INDEX, PYPI_INDEX]
    assert PYPI_INDEX == "https://pypi.org/simple"


@pytest.mark.parametrize(
    ("pypi_fallback", "expected"), [(False, [SITE_INDEX]), (True, [SITE_INDEX, PYPI_INDEX])]
)
def test_a_plain_file_installs_from_the_session_indexes(
    pypi_fallback: bool, expected: list[str]
) -> None:
    plan = plan_for("attrs==25.3.0\n", pypi_fallback=pypi_fallback)
    assert [item["target"] for item in plan["items"]] == ["attrs==25.3.0"]
    assert plan["index_urls"] == expected


@pytest.mark.parametrize("pypi_fallback", [False, True])
def test_index_options_of_the_file_win_over_the_setting(pypi_fallback: bool) -> None:
    # --index-url replaces the default indexes, PyPI included, as in pip.
    own = plan_for("--index-url https://example.org/simple\nsix\n", pypi_fallback=pypi_fallback)
    assert own["index_urls"] == ["https://example.org/simple"]
    # --extra-index-url adds to them, after them.
    extra = plan_for("--extra-index-url https://example.org/simple\nsix\n", pypi_fallback=True)
    assert extra["index_urls"] == [SITE_INDEX, PYPI_INDEX, "https://example.org/simple"]
    # --no-index: the Pyodide lock and wheel links only.
    assert plan_for("--no-index\nsix\n", pypi_fallback=pypi_fallback)["index_urls"] == []


class FakeMicropip(types.ModuleType):
    def __init__(self) -> None:
        super().__init__("micropip")
        self.index_urls: list[str] = ["https://pypi.org/simple"]  # micropip's own default

    def set_index_urls(self, urls: list[str] | str) -> None:
        self.index_urls = [urls] if isinstance(urls, str) else list(urls)


@pytest.fixture
def kernel_modules(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeMicropip, Any]]:
    """micropip and piplite as the worker has them, with the site's disablePyPIFallback."""
    micropip = FakeMicropip()
    piplite = types.ModuleType("piplite")
    module = types.ModuleType("piplite.piplite")
    module._PIPLITE_DISABLE_PYPI = True  # type: ignore[attr-defined]
    piplite.piplite = module  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "micropip", micropip)
    monkeypatch.setitem(sys.modules, "piplite", piplite)
    monkeypatch.setitem(sys.modules, "piplite.piplite", module)
    yield micropip, module


@pytest.mark.parametrize("pypi_fallback", [False, True])
def test_the_setup_code_sets_micropip_and_piplite(
    kernel_modules: tuple[FakeMicropip, Any], pypi_fallback: bool
) -> None:
    micropip, piplite = kernel_modules
    namespace: dict[str, Any] = {"kept": 1}
    exec(index_setup_code(SITE_INDEX, pypi_fallback=pypi_fallback), namespace)
    assert micropip.index_urls == session_index_urls(SITE_INDEX, pypi_fallback=pypi_fallback)
    # piplite (%pip) asks micropip's indexes after the site's all.json only when allowed.
    assert piplite._PIPLITE_DISABLE_PYPI is (not pypi_fallback)
    # It runs in the user's namespace, and leaves nothing there.
    assert set(namespace) - {"__builtins__"} == {"kept"}


def test_every_worker_boots_with_the_site_index_only(
    kernel_modules: tuple[FakeMicropip, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    micropip, piplite = kernel_modules
    code = worker_setup_code(SITE)
    assert "pypi.org" not in code
    # What runs before InkRider's kernel side is loaded (top-level await needs a kernel).
    boot = code.split("\nawait pyodide_js.loadPackage('inkrider-lite'", 1)[0]
    assert boot != code
    monkeypatch.setitem(sys.modules, "pyodide_js", types.ModuleType("pyodide_js"))
    exec(boot, {})
    assert micropip.index_urls == [SITE_INDEX]
    assert piplite._PIPLITE_DISABLE_PYPI is True


def test_the_files_own_indexes_are_named_with_their_lines() -> None:
    plan = plan_for(
        "--index-url http://127.0.0.1:9/simple\nattrs\n--extra-index-url http://b.example/s\n",
        pypi_fallback=False,
    )
    assert [(i["url"], i["line"]) for i in plan["index_sources"]] == [
        ("http://127.0.0.1:9/simple", 1),
        ("http://b.example/s", 3),
    ]
    assert plan_for("attrs\n", pypi_fallback=True)["index_sources"] == []
