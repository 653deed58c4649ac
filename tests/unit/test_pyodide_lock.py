"""inkrider_lite.site.pyodide_lock: closure, rewrite and missing_dependencies on tiny locks."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from inkrider_lite.site.pyodide_lock import closure, missing_dependencies, rewrite
from inkrider_lite.site.wheel_files import WheelFile


def entry(name: str, depends: list[str], **extra: object) -> dict[str, object]:
    return {
        "name": name,
        "version": "0.0.1",
        "file_name": f"{name}-0.0.1-py3-none-any.whl",
        "sha256": "pyodide-digest",
        "install_dir": "site",
        "package_type": "package",
        "imports": [name.replace("-", "_")],
        "depends": depends,
        **extra,
    }


LOCK = {
    "info": {"arch": "wasm32", "platform": "emscripten_4_0_9", "python": "3.14.2"},
    "packages": {
        "app": entry("app", ["lib-a", "Lib_B"]),
        "lib-a": entry("lib-a", ["base"]),
        "lib-b": entry("lib-b", ["base", "lib-a"]),
        "base": entry("base", []),
        "loop-1": entry("loop-1", ["loop-2"]),
        "loop-2": entry("loop-2", ["loop-1"]),
        "broken": entry("broken", ["absent"]),
    },
}


def wheel(name: str, version: str = "9.9", requires: tuple[str, ...] = ()) -> WheelFile:
    normalized = canonicalize_name(name)
    return WheelFile(
        path=Path("wheels") / f"{name.replace('-', '_')}-{version}-py3-none-any.whl",
        name=normalized,
        version=version,
        requires=tuple(canonicalize_name(r) for r in requires),
        imports=(name.replace("-", "_"),),
        sha256=f"sha-of-{normalized}",
    )


def test_closure_is_transitive_canonical_and_stable() -> None:
    assert closure(LOCK, ["App"]) == ["app", "lib-a", "lib-b", "base"]
    assert closure(LOCK, ["Lib_B", "app"]) == ["lib-b", "app", "base", "lib-a"]
    assert closure(LOCK, []) == []


def test_closure_survives_cycles() -> None:
    assert closure(LOCK, ["loop-1"]) == ["loop-1", "loop-2"]


def test_closure_names_what_is_missing() -> None:
    with pytest.raises(KeyError, match="nope"):
        closure(LOCK, ["nope"])
    with pytest.raises(KeyError, match="absent"):
        closure(LOCK, ["broken"])


def test_rewrite() -> None:
    original = copy.deepcopy(LOCK)
    wheels = {
        "app": wheel("app", "2.0", requires=("Lib_A", "not-shipped", "App")),
        "lib-a": wheel("lib-a", "1.5"),
        "new-pkg": wheel("new-pkg", "0.3", requires=("lib-a",)),
        "plugin": wheel("plugin", "1.0"),
    }
    lock = rewrite(LOCK, wheels, extra_depends={"plugin": ["New_Pkg", "missing-too"]})

    assert original == LOCK  # the input is left alone
    assert lock["info"] == LOCK["info"]
    assert lock["info"] is not LOCK["info"]
    assert list(lock["packages"]) == ["app", "lib-a", "new-pkg", "plugin"]

    app = lock["packages"]["app"]
    # Known names keep the lock's metadata, with our wheel's file, digest and version.
    assert app["install_dir"] == "site" and app["imports"] == ["app"]
    assert app["package_type"] == "package"
    assert app["version"] == "2.0"
    assert app["file_name"] == "app-2.0-py3-none-any.whl"
    assert app["sha256"] == "sha-of-app"
    # Lock depends (lib-a, lib-b) + wheel requires, restricted to shipped names, never itself.
    assert app["depends"] == ["lib-a"]
    assert lock["packages"]["lib-a"]["depends"] == []
    assert lock["packages"]["lib-a"]["imports"] == ["lib_a"]

    new = lock["packages"]["new-pkg"]
    assert new == {
        "name": "new-pkg",
        "package_type": "package",
        "install_dir": "site",
        "imports": ["new_pkg"],
        "unvendored_tests": False,
        "version": "0.3",
        "file_name": "new_pkg-0.3-py3-none-any.whl",
        "sha256": "sha-of-new-pkg",
        "depends": ["lib-a"],
    }
    assert lock["packages"]["plugin"]["depends"] == ["new-pkg"]
    assert missing_dependencies(lock) == {}


def test_rewrite_keeps_extra_fields_of_known_entries() -> None:
    lock = {"info": {}, "packages": {"lib": entry("lib", [], shared_library=True, custom=[1])}}
    result = rewrite(lock, {"lib": wheel("lib", "3.0")})["packages"]["lib"]
    assert result["shared_library"] is True
    assert result["custom"] == [1]
    result["custom"].append(2)
    assert lock["packages"]["lib"]["custom"] == [1]


def test_missing_dependencies() -> None:
    lock = {
        "info": {},
        "packages": {"a": {"depends": ["b", "c"]}, "b": {"depends": []}, "d": {"depends": ["x"]}},
    }
    assert missing_dependencies(lock) == {"a": ["c"], "d": ["x"]}
    assert missing_dependencies({"info": {}, "packages": {}}) == {}
