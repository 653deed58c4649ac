"""The Execution Tool's notebooks in the site's contents (JupyterLite's contents API): finding
them under a folder, reading one, and its one write, mindful of editors that have it open.

A notebook open in an editor with unsaved edits is never written: the run is skipped with the
reason, before it starts or, if the edits came during the run, at its end. An open editor with
no unsaved edits reloads the written file, so it shows the outputs.
"""

from __future__ import annotations

import posixpath
from typing import Any

from .._compat import compat
from ..execution.batch import NotWritten, Skip
from ..execution.notebook_file import NotANotebook, check_notebook, only_kernel_filled
from ..protocol.stored_content import Unreadable, stored_json

UNSAVED = "it has unsaved edits in an open editor: save or revert them, then run it again"
EDITED_DURING_RUN = (
    "it was edited in an open editor during the run, so its outputs were not written"
)


class BatchFiles:
    def __init__(self, contents: Any, shell: Any) -> None:
        self._contents = contents
        self._shell = shell

    async def walk(self, folder: str = "") -> tuple[list[str], list[str]]:
        """Every notebook under `folder`, and every folder (itself included), sorted; hidden
        entries (checkpoints) left out."""
        notebooks: list[str] = []
        folders: list[str] = [folder]
        pending = [folder]
        while pending:
            current = pending.pop()
            try:
                model = await self._contents.get(current, compat.to_js({"content": True}))
            except Exception as error:
                compat.log_error(f"could not list {current or '/'}", error)
                continue
            for item in compat.to_py(model.content) or []:
                name, path, kind = item.get("name", ""), item.get("path", ""), item.get("type")
                if name.startswith("."):
                    continue
                if kind == "directory":
                    folders.append(path)
                    pending.append(path)
                elif kind == "notebook":
                    notebooks.append(path)
        return sorted(notebooks), sorted(folders)

    async def notebooks_in(self, paths: list[str]) -> list[str]:
        """The notebooks named, with the folders named expanded to every notebook under them."""
        found: list[str] = []
        for path in paths:
            try:
                model = await self._contents.get(path, compat.to_js({"content": False}))
            except Exception:
                found.append(path)  # its run says it does not exist
                continue
            if model.type == "directory":
                found += (await self.walk(path))[0]
            else:
                found.append(path)
        return list(dict.fromkeys(found))

    async def read(self, path: str) -> dict[str, Any]:
        """The notebook's JSON; Skip when it cannot run as it is."""
        try:
            model = await self._contents.get(path, compat.to_js({"content": True}))
        except Exception as error:
            raise Skip(f"it could not be read: {error}") from None
        if model.type != "notebook":
            raise Skip("it is not a notebook")
        try:
            notebook = check_notebook(_stored_notebook(model))
        except (NotANotebook, Unreadable) as error:
            raise Skip(str(error)) from None
        self._refuse_unsaved(path, notebook, UNSAVED)
        return notebook

    async def write(self, path: str, notebook: dict[str, Any]) -> None:
        """The run's one write; NotWritten when an editor got unsaved edits meanwhile."""
        try:
            if any(context.model.dirty for context in self._open_contexts(path)):
                stored = await self._contents.get(path, compat.to_js({"content": True}))
                self._refuse_unsaved(path, _stored_notebook(stored), EDITED_DURING_RUN)
        except Skip as skip:
            raise NotWritten(str(skip)) from None
        await self._contents.save(
            path, compat.to_js({"type": "notebook", "format": "json", "content": notebook})
        )
        for context in self._open_contexts(path):
            try:
                await context.revert()  # no unsaved edits: it shows the file as written
            except Exception as error:
                compat.log_error(f"could not reload {path} in its editor", error)

    def _refuse_unsaved(self, path: str, stored: Any, reason: str) -> None:
        """Skip when an editor of `path` holds edits the `stored` file lacks. What JupyterLab
        fills in by itself (the kernel's language_info) is no edit: the written file has it."""
        for context in self._open_contexts(path):
            if not context.model.dirty:
                continue
            editor = compat.to_py(context.model.toJSON())
            if not (isinstance(stored, dict) and only_kernel_filled(editor, stored)):
                raise Skip(reason)

    def _open_contexts(self, path: str) -> list[Any]:
        contexts = []
        for widget in self._shell.widgets("main"):
            context = getattr(widget, "context", None)
            if context is not None and not compat.is_null(context) and context.path == path:
                contexts.append(context)
        return contexts


def folder_of(path: str) -> str:
    return posixpath.dirname(path)


def _stored_notebook(model: Any) -> Any:
    """The notebook's JSON as stored: an uploaded one is kept as base64 (stored_content.py)."""
    return stored_json(compat.to_py(model.content), getattr(model, "format", None))
