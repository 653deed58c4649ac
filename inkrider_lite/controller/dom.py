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


def labelled_input(
    document: Any, parent: Any, kind: str, element_id: str, label: str, name: str = ""
) -> Any:
    """An <input type=`kind`> (radio, checkbox) on a row of its own, before its <label>, which
    gives it its accessible name."""
    row = child(document, parent, "div")
    control = child(document, row, "input")
    control.type = kind
    if name:
        control.name = name
    control.id = element_id
    text = child(document, row, "label")
    text.htmlFor = element_id
    text.textContent = f" {label}"
    return control


def labelled_field(document: Any, parent: Any, element_id: str, label: str, tag: str) -> Any:
    """A control (`tag`) under its <label>, which gives it its accessible name."""
    field = child(document, parent, "div", "inkrider-field")
    text = child(document, field, "label")
    text.htmlFor = element_id
    text.textContent = label
    control = child(document, field, tag)
    control.id = element_id
    return control


def panel_rules(scope: str) -> str:
    """CSS that keeps `[hidden]` elements hidden inside `#scope`: JupyterLab's button styles set
    a `display` that beats the browser's own rule for `[hidden]`; and disabled buttons dimmed."""
    return f"#{scope} [hidden] {{ display: none !important; }}\n" + _disabled_rule(scope)


def _disabled_rule(scope: str) -> str:
    """A disabled button must look it: JupyterLab's button styles keep its colours and cursor,
    and a Cancel that can do nothing looked like one that could."""
    return (
        f"#{scope} button:disabled {{ opacity: 0.45; cursor: not-allowed; }}\n"
        f"#{scope} button:disabled:hover {{ filter: none; }}\n"
    )
