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


def form_panel_rules(scope: str, max_width: int) -> str:
    """`panel_rules`, and the look the form panels (Settings → Runtime, the Execution Tool)
    share: JupyterLab's colours and font, fields under their labels, buttons in a row."""
    return panel_rules(scope) + (
        f"""
#{scope} {{
  overflow-y: auto; padding: 16px 24px; background: var(--jp-layout-color1);
  color: var(--jp-ui-font-color1); font-family: var(--jp-ui-font-family);
  font-size: var(--jp-ui-font-size1);
}}
#{scope} form {{ display: flex; flex-direction: column; gap: 12px; max-width: {max_width}px; }}
#{scope} fieldset {{
  border: var(--jp-border-width) solid var(--jp-border-color2); padding: 8px 12px;
}}
#{scope} .inkrider-field {{ display: flex; flex-direction: column; gap: 4px; }}
#{scope} select, #{scope} input[type=text], #{scope} input[type=password],
#{scope} input[type=number] {{
  font: inherit; padding: 4px 6px; color: inherit; background: var(--jp-input-background);
  border: var(--jp-border-width) solid var(--jp-input-border-color);
}}
#{scope} .inkrider-actions {{ display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }}
"""
    )


def _disabled_rule(scope: str) -> str:
    """A disabled button must look it: JupyterLab's button styles keep its colours and cursor,
    and a Cancel that can do nothing looked like one that could."""
    return (
        f"#{scope} button:disabled {{ opacity: 0.45; cursor: not-allowed; }}\n"
        f"#{scope} button:disabled:hover {{ filter: none; }}\n"
    )
