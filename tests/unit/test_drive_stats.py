"""inkrider_lite.kernel.drive_stats: directory stats kept for one cell, on a real file tree.

The browser side (imports from a /drive folder in a real worker) is in
tests/e2e/test_drive_imports.py.
"""

from __future__ import annotations

import importlib.metadata
import os
from pathlib import Path

import pytest

from inkrider_lite.kernel.drive_stats import (
    DirectoryStats,
    DriveCaches,
    ForgetOnInvalidate,
    metadata_mtime,
)


class CountingStat:
    def __init__(self) -> None:
        self.paths: list[str] = []

    def __call__(self, path: str) -> os.stat_result:
        self.paths.append(path)
        return os.stat(path)


@pytest.fixture
def drive(tmp_path: Path) -> Path:
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "helper.py").write_text("x = 1\n")
    return tmp_path


def test_directories_under_the_root_are_statted_once_until_cleared(drive: Path) -> None:
    counting = CountingStat()
    stats = DirectoryStats(counting, root=str(drive))
    folder = str(drive / "folder")
    first = stats(folder)
    assert stats(folder) is first and stats(folder + "/") is first
    assert counting.paths == [folder]
    stats.clear()
    stats(folder)
    assert counting.paths == [folder, folder]


def test_files_and_paths_elsewhere_are_always_statted_afresh(drive: Path, tmp_path: Path) -> None:
    counting = CountingStat()
    stats = DirectoryStats(counting, root=str(drive / "folder"))
    helper = str(drive / "folder" / "helper.py")
    stats(helper)
    stats(helper)
    stats(str(drive))  # the root's parent is not under it
    stats(str(drive))
    assert counting.paths == [helper, helper, str(drive), str(drive)]


def test_a_missing_path_raises_and_is_not_remembered(drive: Path) -> None:
    counting = CountingStat()
    stats = DirectoryStats(counting, root=str(drive))
    for _ in range(2):
        with pytest.raises(FileNotFoundError):
            stats(str(drive / "nothing"))
    assert len(counting.paths) == 2


def test_relative_paths_resolve_against_the_working_directory(
    drive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counting = CountingStat()
    stats = DirectoryStats(counting, root=str(drive))
    monkeypatch.chdir(drive / "folder")
    stats(".")
    stats(str(drive / "folder"))
    assert counting.paths == ["."]


def test_invalidate_caches_reaches_the_stats(drive: Path) -> None:
    counting = CountingStat()
    caches = DriveCaches(DirectoryStats(counting, root=str(drive)))
    caches.stats(str(drive))
    forget = ForgetOnInvalidate(caches)
    assert forget.find_spec("anything") is None
    forget.invalidate_caches()
    caches.stats(str(drive))
    assert len(counting.paths) == 2 and caches.generation == 1


def test_a_new_cell_forgets_the_import_systems_listing_of_drive_folders(
    drive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A /drive folder keeps its mtime when a file is added: only a fresh listing finds it."""
    import importlib.machinery
    import sys

    sources = (importlib.machinery.SourceFileLoader, importlib.machinery.SOURCE_SUFFIXES)
    drive_finder = importlib.machinery.FileFinder(str(drive / "folder"), sources)
    other_finder = importlib.machinery.FileFinder(str(drive.parent), sources)
    assert drive_finder.find_spec("helper") is not None  # lists the folder
    other_finder.find_spec("helper")
    monkeypatch.setitem(sys.path_importer_cache, str(drive / "folder"), drive_finder)
    monkeypatch.setitem(sys.path_importer_cache, str(drive.parent), other_finder)
    (drive / "folder" / "added.py").write_text("")
    mtime = os.stat(drive / "folder").st_mtime
    os.utime(drive / "folder", (mtime, drive_finder._path_mtime))  # as /drive: unchanged
    assert drive_finder.find_spec("added") is None  # the stale listing

    caches = DriveCaches(DirectoryStats(os.stat, root=str(drive)))
    caches.new_cell()
    assert drive_finder.find_spec("added") is not None
    assert other_finder._path_mtime != -1  # finders outside /drive keep their cache
    assert caches.generation == 1


def test_every_cell_forgets_again_and_the_working_directory_follows_chdir(
    drive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Which cached paths lie on /drive is remembered between cells for absolute paths only:
    `''` is the working directory, which a cell may change."""
    import importlib.machinery
    import sys

    sources = (importlib.machinery.SourceFileLoader, importlib.machinery.SOURCE_SUFFIXES)
    absolute = importlib.machinery.FileFinder(str(drive / "folder"), sources)
    relative = importlib.machinery.FileFinder("", sources)
    monkeypatch.setitem(sys.path_importer_cache, str(drive / "folder"), absolute)
    monkeypatch.setitem(sys.path_importer_cache, "", relative)
    caches = DriveCaches(DirectoryStats(os.stat, root=str(drive)))
    elsewhere = drive.parent  # off the test's /drive
    for cell in range(2):
        absolute._path_mtime = relative._path_mtime = 1.0  # listed during the cell before
        monkeypatch.chdir(drive / "folder" if cell == 0 else elsewhere)
        caches.new_cell()
        assert absolute._path_mtime == -1, f"cell {cell}: the /drive folder's listing is kept"
        if cell == 0:
            assert relative._path_mtime == -1, "the working directory on /drive is kept"
            # A folder first imported from during this cell.
            added = importlib.machinery.FileFinder(str(drive), sources)
            monkeypatch.setitem(sys.path_importer_cache, str(drive), added)
            added._path_mtime = 1.0
        else:
            assert relative._path_mtime == 1.0, "a working directory off /drive is forgotten"
            assert added._path_mtime == -1, "a folder added to the cache since is kept"


def test_metadata_lookups_of_the_working_directory_are_keyed_by_folder_and_cell(
    drive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stock FastPath('').mtime fails to stat '' and so lists the folder every time."""
    caches = DriveCaches(DirectoryStats(os.stat, root=str(drive)))
    mtime = metadata_mtime(caches)
    fast_path = importlib.metadata.FastPath("")
    monkeypatch.chdir(drive / "folder")
    here = mtime.fget(fast_path)  # type: ignore[misc]
    assert here == (str(drive / "folder"), os.stat(drive / "folder").st_mtime, 0)
    assert mtime.fget(fast_path) == here  # type: ignore[misc]
    caches.new_cell()
    assert mtime.fget(fast_path)[2] == 1  # type: ignore[misc]
    monkeypatch.chdir(drive)
    assert mtime.fget(fast_path)[0] == str(drive)  # type: ignore[misc]
    gone = importlib.metadata.FastPath(str(drive / "gone"))
    assert mtime.fget(gone) is None  # type: ignore[misc]
