"""Requirements that the site's index lacks, fetched on the host for one headless run.

The site build fetches wheels for the `requirements.txt` files under `content/`
(site/content_requirements.py). Notebooks run from elsewhere get the same, without a rebuild:
each folder's file is read as a session reads it, its pure-Python wheels are downloaded from
PyPI into the build cache, and the runner's server lays an index over the site's that holds
them as well. With no network nothing is added, and the session reports each line it cannot
install, as in the page.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

from ..site import content_requirements, downloads
from ..site.package_index import write_simple_index
from ..site.wheel_files import WheelFile, read_wheel

REQUIREMENTS = content_requirements.FILE_NAME


def fetch(folders: Iterable[Path], cache: Path) -> tuple[list[Path], list[str]]:
    """Wheels for the requirements of each folder that has a requirements.txt, and the lines
    of the report (what could not be had, and why)."""
    files = []
    for folder in dict.fromkeys(folders):
        path = folder / REQUIREMENTS
        if path.is_file():
            # Named as the user would write them from here (relative to the current folder
            # when under it), as the runner names them elsewhere: two folders' files would
            # both read "requirements.txt". Includes may not leave the folder, as in a session.
            files.append(content_requirements.read(path, Path.cwd(), folder))
    if not files:
        return [], []
    report = content_requirements.resolve(
        files,
        lambda specs, tag, constraints: downloads.browser_wheels(
            specs, cache, with_deps=True, failure_tag=tag, constraints=constraints
        ),
    )
    return list(dict.fromkeys(report.wheels)), report.lines()


def overlay_index(site: Path, wheels: Iterable[Path], overlay: Path) -> list[WheelFile]:
    """Write `overlay/pypi/`: the wheels the site lacks, and a simple index of the site's wheels
    and those. Returns the wheels added (a project the site has keeps the site's wheel)."""
    shipped = {w.name: w for w in (read_wheel(p) for p in sorted((site / "pypi").glob("*.whl")))}
    added = {}
    for path in wheels:
        wheel = read_wheel(path)
        if wheel.name not in shipped:
            added.setdefault(wheel.name, wheel)
    pypi = overlay / "pypi"
    pypi.mkdir(parents=True, exist_ok=True)
    for wheel in added.values():
        shutil.copy2(wheel.path, pypi / wheel.file_name)
    write_simple_index(pypi / "simple", [*shipped.values(), *added.values()], "../../")
    return list(added.values())
