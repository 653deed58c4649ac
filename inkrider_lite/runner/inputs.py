"""The notebooks named on the command line, checked before any browser starts, and the files
of their folders that the page gets with them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..execution.notebook_file import NotANotebook, check_notebook

#: Files a notebook's folder lends to its run besides the notebooks: requirements (and their
#: -r includes), local wheels, modules and small data the cells may read.
FOLDER_SUFFIXES = {".txt", ".whl", ".py", ".csv", ".json", ".toml", ".cfg"}
#: Bigger files are left out: the page's contents store is the browser's.
MAX_FILE_BYTES = 20 * 1024 * 1024
#: How deep under a notebook's folder its files are copied (e.g. ./wheels/x.whl).
MAX_DEPTH = 2


class UsageError(Exception):
    """A mistake on the command line: exit status 2, with this one-line message."""


@dataclass(frozen=True)
class Notebook:
    source: Path  # on disk
    site_path: str  # in the page's contents
    output_name: str  # relative to --output-dir


def find_notebooks(arguments: list[str], output_dir: Path | None = None) -> list[Path]:
    """The notebooks named, and those in the folders named. A folder's walk leaves out hidden
    folders and `output_dir`: a second `run .` ran the first one's output (and wrote it one
    folder deeper each time)."""
    skipped = output_dir.resolve() if output_dir is not None else None
    found: list[Path] = []
    for argument in arguments:
        path = Path(argument).expanduser()
        if not path.exists():
            raise UsageError(f"no such file or folder: {argument}")
        if path.is_dir():
            # Only an output folder inside this one is left out (one that holds it is refused
            # later, by check_targets, if it leads back to the notebooks).
            folder = path.resolve()
            below = skipped is not None and skipped != folder and skipped.is_relative_to(folder)
            inside = sorted(
                p
                for p in path.rglob("*.ipynb")
                if not any(part.startswith(".") for part in p.relative_to(path).parts)
                and not (below and p.resolve().is_relative_to(skipped))
            )
            if not inside:
                raise UsageError(f"no notebook in folder: {argument}")
            found += inside
        elif path.suffix != ".ipynb":
            raise UsageError(f"not a notebook (.ipynb): {argument}")
        else:
            found.append(path)
    unique = list(dict.fromkeys(p.resolve() for p in found))
    for path in unique:
        check_file(path)
    return unique


def check_targets(notebooks: list[Path], output_dir: Path) -> None:
    """`--output-dir` must not lead back to the notebooks themselves (e.g. the folder that
    holds them): originals are kept unless --inplace says otherwise."""
    for source, name in output_names(notebooks).items():
        if (output_dir / name).resolve() == source.resolve():
            raise UsageError(
                f"--output-dir {output_dir} would write over {source}: "
                "choose another folder, or --inplace to overwrite the notebooks"
            )


def check_file(path: Path) -> None:
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UsageError(f"invalid notebook {path}: not JSON ({error})") from None
    try:
        check_notebook(notebook)
    except NotANotebook as error:
        raise UsageError(f"invalid notebook {path}: {error}") from None
    try:
        import nbformat
    except ImportError:  # the dev extra brings it; without it the core check above stands
        return
    try:
        nbformat.validate(nbformat.from_dict(notebook))
    except nbformat.ValidationError as error:
        first = str(error).strip().splitlines()[0]
        raise UsageError(f"invalid notebook {path}: {first}") from None


def site_layout(notebooks: list[Path], root: str) -> tuple[list[Notebook], dict[str, Path]]:
    """Where each notebook goes in the page (its folder as one site folder under `root`), and
    every file to copy there: site path → file on disk."""
    folders = list(dict.fromkeys(p.parent for p in notebooks))
    names = _short_names(folders)
    outputs = output_names(notebooks)
    files: dict[str, Path] = {}
    placed = []
    for path in notebooks:
        site_folder = f"{root}/{names[path.parent]}"
        site_path = f"{site_folder}/{path.name}"
        files[site_path] = path
        placed.append(Notebook(path, site_path, outputs[path]))
    for folder in folders:
        for extra in _folder_files(folder):
            relative = extra.relative_to(folder).as_posix()
            files.setdefault(f"{root}/{names[folder]}/{relative}", extra)
    return placed, files


def output_names(notebooks: list[Path]) -> dict[Path, str]:
    """Each notebook's place under --output-dir: its path below the folder all of them share."""
    common = _common_parent(list(dict.fromkeys(p.parent for p in notebooks)))
    return {
        path: (path.relative_to(common) if common is not None else Path(path.name)).as_posix()
        for path in notebooks
    }


def _folder_files(folder: Path) -> list[Path]:
    found = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if len(relative.parts) > MAX_DEPTH or any(p.startswith(".") for p in relative.parts):
            continue
        wanted = path.is_file() and path.suffix in FOLDER_SUFFIXES
        if wanted and path.stat().st_size <= MAX_FILE_BYTES:
            found.append(path)
    return found


def _short_names(folders: list[Path]) -> dict[Path, str]:
    """One site folder per notebook folder: its own name, numbered when two share one."""
    names: dict[Path, str] = {}
    for number, folder in enumerate(folders, start=1):
        name = folder.name or "root"
        names[folder] = name if name not in names.values() else f"{name}-{number}"
    return names


def _common_parent(folders: list[Path]) -> Path | None:
    if not folders:
        return None
    common = folders[0]
    for folder in folders[1:]:
        while common not in (folder, *folder.parents):
            if common.parent == common:
                return None
            common = common.parent
    return common
