"""heap-image.mjs (how a Pyodide image goes into a new heap), tested in Node: the heap holds the
image from bytes, shared bytes or a chunked response; pages of zeros are left untouched only
where the heap already reads zero; a truncated, mis-sized or damaged image is refused."""

import shutil
import subprocess
from pathlib import Path

import pytest

TESTS = Path(__file__).with_name("js") / "heap_image.test.mjs"


def test_heap_image_in_node() -> None:
    node = shutil.which("node")
    if node is None:  # the README's set-up installs it; a bare CPython checkout may not have it
        pytest.fail("node is not installed: run the README's set-up (scripts/test installs it)")
    run = subprocess.run(
        [node, "--test", str(TESTS)], capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "# fail 0" in run.stdout and "# pass 14" in run.stdout, run.stdout[-2000:]
