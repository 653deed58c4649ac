"""protocol.stored_content: a stored file's text or JSON in each form the contents API keeps."""

from __future__ import annotations

import base64
import json

import pytest

from inkrider_lite.protocol.stored_content import Unreadable, stored_json, stored_text

NOTEBOOK = {"cells": [], "nbformat": 4, "nbformat_minor": 5, "metadata": {}}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_a_notebook_reads_the_same_saved_or_uploaded() -> None:
    assert stored_json(NOTEBOOK, "json") == NOTEBOOK
    assert stored_json(json.dumps(NOTEBOOK), "text") == NOTEBOOK
    assert stored_json(b64(json.dumps(NOTEBOOK)), "base64") == NOTEBOOK


def test_a_text_file_reads_the_same_saved_or_uploaded() -> None:
    assert stored_text("attrs==25.3.0\n", "text") == "attrs==25.3.0\n"
    assert stored_text(b64("\ufeffattrs==25.3.0\n"), "base64") == "attrs==25.3.0\n"


def test_what_is_not_text_or_json_says_why() -> None:
    with pytest.raises(Unreadable, match="not UTF-8"):
        stored_text(base64.b64encode(b"\xff\xfe\x00bad").decode(), "base64")
    with pytest.raises(Unreadable, match="not JSON"):
        stored_json(b64("{not json"), "base64")
    with pytest.raises(Unreadable, match="no text"):
        stored_text(None, None)
