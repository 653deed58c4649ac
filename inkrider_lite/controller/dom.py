"""Building page nodes from Python, as text only: the panels never set markup, so a name or a
server's message that looks like HTML is shown as those characters."""

from __future__ import annotations

from typing import Any


def element(document: Any, tag: str, classes: str = "") -> Any:
    node = document.createElement(tag)
    if classes:
        node.className = classes
    return node


def child(document: Any, parent: Any, tag: str, classes: str = "") -> Any:
    node = element(document, tag, classes)
    parent.appendChild(node)
    return node
