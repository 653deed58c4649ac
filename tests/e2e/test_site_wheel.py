"""The wheel that the page and every worker load holds the browser's code only."""

from __future__ import annotations

import zipfile
from pathlib import Path

SITE = Path(__file__).resolve().parents[2] / "build" / "site"


def test_the_browser_wheel_leaves_the_host_tools_out() -> None:
    wheels = sorted(SITE.glob("**/inkrider_lite-*.whl"))
    assert wheels, f"no inkrider_lite wheel in {SITE}: run scripts/test, which builds the site"
    for wheel in wheels:
        names = zipfile.ZipFile(wheel).namelist()
        assert "inkrider_lite/controller/app.py" in names
        assert "inkrider_lite/kernel/interrupts.py" in names
        assert "inkrider_lite/execution/batch.py" in names  # the Execution Tool's core runs there
        host_only = ("inkrider_lite/site/", "inkrider_lite/bench/", "inkrider_lite/runner/")
        host = [n for n in names if n.startswith(host_only) or n == "inkrider_lite/__main__.py"]
        assert host == [], f"{wheel.name} ships host tools: {host[:5]}"
        assert not [n for n in names if "playwright" in n or "__pycache__" in n]
