"""The kernel worker's image is made offline and reproducibly: the same sources give the same
bytes. Made again here, in a separate Node process, it must equal the one in the built site."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from inkrider_lite.kernel import WORKER_MODULES
from inkrider_lite.site import snapshot
from inkrider_lite.site.build import kernel_image_packages, make_kernel_image

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "build" / "site"
FOLDER = SITE / "extensions" / "inkrider-lite" / "static"
NAMES = [snapshot.KERNEL_IMAGE_NAME, snapshot.KERNEL_FILES_NAME, snapshot.KERNEL_MANIFEST_NAME]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_same_sources_give_the_same_kernel_image(tmp_path: Path) -> None:
    if shutil.which("node") is None:
        pytest.fail("node is needed to make the kernel image (scripts/_setup.sh installs it)")
    if not (FOLDER / snapshot.KERNEL_MANIFEST_NAME).exists():
        pytest.fail(f"{SITE} has no kernel image: run scripts/test, which builds the site first")
    image = make_kernel_image(tmp_path, SITE / "static" / "pyodide")
    assert image is not None
    again = tmp_path / "extensions" / "inkrider-lite" / "static"
    assert {name: digest(again / name) for name in NAMES} == {
        name: digest(FOLDER / name) for name in NAMES
    }
    # The manifest describes the files beside it and pins the wheels of the site's lock.
    manifest = json.loads((again / snapshot.KERNEL_MANIFEST_NAME).read_text())
    assert manifest["image"]["sha256"] == digest(again / snapshot.KERNEL_IMAGE_NAME)
    assert manifest["files"]["sha256"] == digest(again / snapshot.KERNEL_FILES_NAME)
    lock = json.loads((SITE / "static" / "pyodide" / "pyodide-lock.json").read_text())
    assert manifest["packages"] == {
        name: lock["packages"][name]["sha256"] for name in manifest["packages"]
    }
    assert set(kernel_image_packages()) <= set(manifest["packages"])
    # InkRider's kernel side is imported in the image, as every worker's setup imports it.
    assert manifest["imports"] == list(WORKER_MODULES)
