"""A file's content as JupyterLite's contents API hands it back, in the form it was stored in.

A file saved from an editor is kept as text or JSON; a file added with the file browser's Upload
is kept as base64 (the browser reads it as a data URL), notebooks included, and `get` returns it
that way unless the drive converts it. Reading only the first form skipped every uploaded notebook
("not a notebook") and read an uploaded requirements.txt as one line of base64.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any


class Unreadable(ValueError):
    """The stored content is not text, or not JSON where JSON was wanted."""


def stored_text(content: Any, fmt: str | None) -> str:
    """The text of a stored file, from `content` and `fmt` ("text", "base64", "json") as `get`
    gave them."""
    if fmt == "base64" and isinstance(content, str):
        try:
            return base64.b64decode(content, validate=False).decode("utf-8-sig")
        except (binascii.Error, UnicodeDecodeError) as error:
            raise Unreadable(f"its stored bytes are not UTF-8 text ({error})") from None
    if isinstance(content, str):
        return content
    if fmt == "json":
        return json.dumps(content)
    raise Unreadable("it holds no text")


def stored_json(content: Any, fmt: str | None) -> Any:
    """The JSON value of a stored notebook, however it was stored."""
    if fmt == "json" and not isinstance(content, str):
        return content
    try:
        return json.loads(stored_text(content, fmt))
    except json.JSONDecodeError as error:
        raise Unreadable(f"not JSON ({error})") from None
