"""Imports in a kernel whose working directory is a notebook folder on /drive.

The kernel works in the notebook's folder, and `''` leads sys.path, so every import of a module
not yet loaded first stats that folder, and every `importlib.metadata.version()` lists it. On
/drive each of those is a round trip to the page: 3-5 ms per stat measured, against 0.03 ms in
memory, which made the imports of the packages folder's notebook half again as slow.

And /drive folders keep their mtime when a file is added, so Python's import caches, which trust
an unchanged mtime, never saw a module that an earlier cell wrote after a first failed import.

So each cell starts with fresh caches for /drive (IPython's pre_execute): the first lookup in a
cell stats and lists a folder once, and later ones in that cell reuse that. A cell that writes a
module and imports it at once calls `importlib.invalidate_caches()` first, as anywhere in Python.
Files are always statted afresh, so an edited module reloads with its new source.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from typing import Any

DRIVE = "/drive"


class DirectoryStats:
    """`os.stat` that remembers directories under `root` until `clear()`."""

    def __init__(self, stat_path: Callable[[str], os.stat_result], root: str = DRIVE) -> None:
        self._stat = stat_path
        self._root = root
        self._directories: dict[str, os.stat_result] = {}

    def __call__(self, path: str) -> os.stat_result:
        if not isinstance(path, str) or not path:
            return self._stat(path)
        full = os.path.abspath(path)
        if not self._inside(full):
            return self._stat(path)
        known = self._directories.get(full)
        if known is not None:
            return known
        result = self._stat(path)
        if stat.S_ISDIR(result.st_mode):
            self._directories[full] = result
        return result

    def covers(self, path: str) -> bool:
        return self._inside(os.path.abspath(path))

    def _inside(self, full: str) -> bool:
        return full == self._root or full.startswith(self._root + "/")

    def clear(self) -> None:
        self._directories.clear()


class DriveCaches:
    """The caches for /drive that each cell starts without."""

    def __init__(self, stats: DirectoryStats) -> None:
        self.stats = stats
        self.generation = 0  # of cells, so that importlib.metadata lists a folder once per cell
        #: The import system's cache holds a hundred folders or so, and resolving each again at
        #: every cell cost 2-4 ms of every run (profiled in the worker), a fifth of a trivial
        #: cell's time. So the paths found on /drive are kept while the cache's keys stay the
        #: same (comparing them is one C-level set comparison); relative paths are resolved
        #: each time, against a working directory that a cell may have changed.
        self._scanned: frozenset[Any] = frozenset()
        self._drive_paths: list[str] = []
        self._relative_paths: list[str] = []

    def forget(self) -> None:
        """What importlib.invalidate_caches() asks of us."""
        self.stats.clear()
        self.generation += 1

    def new_cell(self) -> None:
        """And, on top, the import system's listings of /drive folders."""
        import sys

        self.forget()
        cache = sys.path_importer_cache
        if cache.keys() != self._scanned:
            self._scanned = frozenset(cache.keys())
            paths = [path for path in self._scanned if isinstance(path, str)]
            self._drive_paths = [p for p in paths if p.startswith("/") and self.on_drive(p)]
            self._relative_paths = [p for p in paths if not p.startswith("/")]
        cwd = os.getcwd()
        relative = [p for p in self._relative_paths if self.on_drive(os.path.join(cwd, p))]
        for path in self._drive_paths + relative:
            forget = getattr(cache.get(path), "invalidate_caches", None)
            if forget is not None:
                forget()

    def on_drive(self, path: str) -> bool:
        return self.stats.covers(path)


class ForgetOnInvalidate:
    """A meta path entry that finds nothing; `importlib.invalidate_caches()` reaches it."""

    def __init__(self, caches: DriveCaches) -> None:
        self._caches = caches

    def find_spec(self, *_args: Any, **_kwargs: Any) -> None:
        return None

    def invalidate_caches(self) -> None:
        self._caches.forget()


def metadata_mtime(caches: DriveCaches) -> property:
    """importlib.metadata's FastPath.mtime, the key of its cached folder listing. Its root `''`
    (the working directory) fails to stat, so the stock property lists the folder again on
    every lookup; here the key is the folder itself (a chdir gets a fresh listing), its mtime,
    and for /drive the cell (a /drive folder's mtime does not change when a file is added)."""

    def mtime(fast_path: Any) -> Any:
        root = fast_path.root or os.getcwd()
        try:
            when = caches.stats(root).st_mtime
        except OSError:
            fast_path.lookup.cache_clear()
            return None
        return (root, when, caches.generation) if caches.on_drive(root) else (root, when)

    return property(mtime)


def install(shell: Any) -> DriveCaches:
    """Route the import system's and importlib.metadata's stats through one cache, and empty
    the caches for /drive when each cell starts and on importlib.invalidate_caches()."""
    import importlib._bootstrap_external as external
    import importlib.metadata as metadata
    import sys

    caches = DriveCaches(DirectoryStats(external._path_stat))
    external._path_stat = caches.stats  # FileFinder's mtime check; see its docstring
    metadata.FastPath.mtime = metadata_mtime(caches)  # type: ignore[attr-defined]
    sys.meta_path.append(ForgetOnInvalidate(caches))
    shell.events.register("pre_execute", caches.new_cell)
    return caches
