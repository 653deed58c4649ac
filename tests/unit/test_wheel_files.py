"""inkrider_lite.site.wheel_files: facts read from tiny real wheels built in tmp_path."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

from inkrider_lite.site.wheel_files import BROWSER_ENVIRONMENT, read_wheel, sha256_of

METADATA = """\
Metadata-Version: 2.1
Name: Foo_Bar
Version: 1.2.3
Requires-Dist: winonly; sys_platform == "win32"
Requires-Dist: bar; python_version >= "3.13"
Requires-Dist: Baz_Qux>=1.0
Requires-Dist: testonly; extra == "test"
Requires-Dist: emonly; sys_platform == "emscripten" and platform_machine == "wasm32"
Requires-Dist: oldpython; python_version < "3.12"
Requires-Dist: Bar>=2
Requires-Dist: linuxonly; platform_system == "Linux"

A description.
"""


def make_wheel(directory: Path, file_name: str, members: dict[str, str]) -> Path:
    path = directory / file_name
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


def test_read_wheel(tmp_path: Path) -> None:
    path = make_wheel(
        tmp_path,
        "Foo_Bar-1.2.3-py3-none-any.whl",
        {
            "foo_bar/__init__.py": "",
            "foo_bar/sub/mod.py": "",
            "single_module.py": "",
            "foo_bar-1.2.3.data/scripts/tool": "",
            "foo_bar-1.2.3.dist-info/METADATA": METADATA,
            "foo_bar-1.2.3.dist-info/WHEEL": "Wheel-Version: 1.0\n",
            "foo_bar-1.2.3.dist-info/RECORD": "",
        },
    )
    wheel = read_wheel(path)
    assert wheel.name == "foo-bar"
    assert wheel.version == "1.2.3"
    assert wheel.path == path
    assert wheel.file_name == "Foo_Bar-1.2.3-py3-none-any.whl"
    # Markers are evaluated for Pyodide (emscripten, Python 3.14), not for the host; extras are
    # off; names are canonical; duplicates keep their first position.
    assert wheel.requires == ("bar", "baz-qux", "emonly")
    assert wheel.imports == ("foo_bar", "single_module")
    assert wheel.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_read_wheel_without_requirements(tmp_path: Path) -> None:
    path = make_wheel(
        tmp_path,
        "plain-0.1-py3-none-any.whl",
        {"plain.py": "", "plain-0.1.dist-info/METADATA": "Name: plain\nVersion: 0.1\n\n"},
    )
    wheel = read_wheel(path)
    assert (wheel.name, wheel.version, wheel.requires, wheel.imports) == (
        "plain",
        "0.1",
        (),
        ("plain",),
    )


def test_browser_environment() -> None:
    assert BROWSER_ENVIRONMENT["sys_platform"] == "emscripten"
    assert BROWSER_ENVIRONMENT["python_version"] == "3.14"
    assert BROWSER_ENVIRONMENT["platform_machine"] == "wasm32"


def test_sha256_of_reads_in_blocks(tmp_path: Path) -> None:
    data = bytes(range(256)) * ((1 << 20) // 256 + 3)  # a little more than one block
    path = tmp_path / "blob"
    path.write_bytes(data)
    assert sha256_of(path) == hashlib.sha256(data).hexdigest()
