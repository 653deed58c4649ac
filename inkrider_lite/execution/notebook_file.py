"""A notebook's JSON before and after a batch run: which cells run, and the results written
back as `jupyter nbconvert --execute --inplace` does.

Only the cells that ran change (their outputs, execution count and `metadata.execution`), plus
the notebook's `metadata.language_info` as the kernel reported it. Cells after a failure keep
whatever they had. The text is written as nbformat writes it (one-space indent, sorted keys,
multi-line strings as lists of lines), so a notebook nbformat wrote comes back the same where
nothing ran.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from .outputs import CellOutputs

#: Output fields that nbformat stores as a list of lines.
_TEXT_MIME_PREFIXES = ("text/", "image/svg+xml")


class NotANotebook(ValueError):
    """The JSON is not a notebook this tool can run (no cells list, or not nbformat 4)."""


def check_notebook(notebook: Any) -> dict[str, Any]:
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise NotANotebook("not a notebook: it has no list of cells")
    if notebook.get("nbformat") != 4:
        raise NotANotebook(f"nbformat {notebook.get('nbformat')!r} is not supported (only 4)")
    return notebook


def source_text(cell: Mapping[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def code_cells(notebook: Mapping[str, Any]) -> list[int]:
    """Indexes of the cells that run: code cells with some code (nbclient skips empty ones)."""
    return [
        index
        for index, cell in enumerate(notebook["cells"])
        if cell.get("cell_type") == "code" and source_text(cell).strip()
    ]


def written_notebook(
    original: Mapping[str, Any],
    results: Mapping[int, CellOutputs],
    language_info: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A copy of `original` with the results of the cells that ran, by cell index."""
    notebook = copy.deepcopy(dict(original))
    for index, result in results.items():
        cell = notebook["cells"][index]
        cell["outputs"] = [split_output(output) for output in result.outputs]
        cell["execution_count"] = result.execution_count
        metadata = cell.setdefault("metadata", {})
        if result.timing:
            metadata["execution"] = dict(result.timing)
        else:
            metadata.pop("execution", None)
    if language_info:
        notebook.setdefault("metadata", {})["language_info"] = dict(language_info)
    return notebook


def split_lines(text: Any) -> Any:
    """nbformat's storage of a multi-line string: a list of lines, each keeping its newline."""
    if not isinstance(text, str):
        return text
    return text.splitlines(keepends=True)


def split_output(output: Mapping[str, Any]) -> dict[str, Any]:
    output = dict(output)
    if output.get("output_type") == "stream":
        output["text"] = split_lines(output.get("text", ""))
    elif "data" in output:
        output["data"] = {
            mime: split_lines(value) if mime.startswith(_TEXT_MIME_PREFIXES) else value
            for mime, value in output["data"].items()
        }
    return output


def dumps(notebook: Mapping[str, Any]) -> str:
    """The file's text, as nbformat.writes makes it."""
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def only_kernel_filled(editor: Mapping[str, Any], stored: Mapping[str, Any]) -> bool:
    """Whether an editor's notebook differs from the stored file only in what JupyterLab fills
    in by itself once a kernel answers: `metadata.language_info`, and `metadata.kernelspec`
    where the file has none. JupyterLab then marks the notebook changed though nobody edited
    it; anything else (a cell, an output, other metadata) counts as an edit."""
    return _comparable(editor, stored) == _comparable(stored, stored)


def _comparable(notebook: Mapping[str, Any], stored: Mapping[str, Any]) -> Any:
    metadata = dict(notebook.get("metadata") or {})
    metadata.pop("language_info", None)
    if "kernelspec" not in (stored.get("metadata") or {}):
        metadata.pop("kernelspec", None)
    cells = [
        {
            "cell_type": cell.get("cell_type"),
            "source": source_text(cell),
            "metadata": cell.get("metadata") or {},
            "execution_count": cell.get("execution_count"),
            "outputs": [_joined(output) for output in cell.get("outputs") or []],
            "attachments": cell.get("attachments") or {},
        }
        for cell in notebook.get("cells") or []
    ]
    return json.loads(json.dumps({"metadata": metadata, "cells": cells}, sort_keys=True))


def _joined(output: Mapping[str, Any]) -> dict[str, Any]:
    """An output with its multi-line strings as one string, however they were stored."""

    def join(value: Any) -> Any:
        return "".join(value) if isinstance(value, list) else value

    output = dict(output)
    if "text" in output:
        output["text"] = join(output["text"])
    if isinstance(output.get("data"), Mapping):
        output["data"] = {mime: join(value) for mime, value in output["data"].items()}
    return output
