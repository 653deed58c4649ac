"""A cell's outputs from the messages its execute request caused, in nbformat 4 shape.

What the notebook would show after the run, as nbclient records it: streams of the same name
that follow each other are one output, `clear_output(wait=True)` clears at the next output,
`update_display_data` rewrites every output that carries its display id, and the execution
count comes from `execute_input` or the reply. Timing goes into the cell's
`metadata.execution`, as nbclient's `record_timing` does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Message = Mapping[str, Any]

#: pyodide-kernel names an exception by its class's repr: "<class 'ValueError'>".
_CLASS_REPR = re.compile(r"^<class '(?P<name>[^']+)'>$")
#: A terminal colour (or other CSI) sequence, as IPython's tracebacks are full of.
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")

#: Which message's date nbclient records under which key of metadata.execution.
_TIMING = {
    ("status", "busy"): "iopub.status.busy",
    ("execute_input", None): "iopub.execute_input",
    ("execute_reply", None): "shell.execute_reply",
    ("status", "idle"): "iopub.status.idle",
}


@dataclass
class CellOutputs:
    outputs: list[dict[str, Any]] = field(default_factory=list)
    execution_count: int | None = None
    timing: dict[str, str] = field(default_factory=dict)
    #: The execute_reply's content, once it came.
    reply: dict[str, Any] | None = None
    _clear_next: bool = False
    #: display id → indexes of the outputs showing it.
    _displays: dict[str, list[int]] = field(default_factory=dict)

    def add(self, message: Message) -> None:
        """One message whose parent is this cell's execute request."""
        header = message.get("header") or {}
        msg_type = header.get("msg_type")
        content = message.get("content") or {}
        self._record_time(msg_type, content, header.get("date"))
        if msg_type == "execute_input":
            self._count(content.get("execution_count"))
        elif msg_type == "execute_reply":
            self.reply = dict(content)
            self._count(content.get("execution_count"))
        elif msg_type == "clear_output":
            if content.get("wait"):
                self._clear_next = True
            else:
                self._clear()
        elif msg_type == "update_display_data":
            self._update_display(content)
        elif msg_type in ("stream", "display_data", "execute_result", "error"):
            self._output(msg_type, content)

    def _count(self, count: Any) -> None:
        # A failed start answers with count 0: no execution happened.
        if isinstance(count, int) and count > 0:
            self.execution_count = count

    def _record_time(self, msg_type: Any, content: Mapping[str, Any], date: Any) -> None:
        state = content.get("execution_state") if msg_type == "status" else None
        key = _TIMING.get((msg_type, state))
        if key is not None and isinstance(date, str) and date and key not in self.timing:
            self.timing[key] = date

    def _clear(self) -> None:
        self.outputs = []
        self._displays = {}
        self._clear_next = False

    def _output(self, msg_type: str, content: Mapping[str, Any]) -> None:
        if self._clear_next:
            self._clear()
        if msg_type == "stream":
            name, text = content.get("name", "stdout"), str(content.get("text", ""))
            last = self.outputs[-1] if self.outputs else None
            if last is not None and last["output_type"] == "stream" and last["name"] == name:
                last["text"] += text
            else:
                self.outputs.append({"output_type": "stream", "name": name, "text": text})
            return
        if msg_type == "error":
            self.outputs.append(
                {
                    "output_type": "error",
                    # As ipykernel names it (and nbconvert writes it), not pyodide-kernel's repr.
                    "ename": exception_name(str(content.get("ename", ""))),
                    "evalue": str(content.get("evalue", "")),
                    "traceback": [str(line) for line in content.get("traceback") or []],
                }
            )
            return
        output: dict[str, Any] = {
            "output_type": msg_type,
            "data": dict(content.get("data") or {}),
            "metadata": dict(content.get("metadata") or {}),
        }
        if msg_type == "execute_result":
            count = content.get("execution_count")
            output["execution_count"] = count if isinstance(count, int) else self.execution_count
        display_id = (content.get("transient") or {}).get("display_id")
        if display_id:
            self._displays.setdefault(str(display_id), []).append(len(self.outputs))
        self.outputs.append(output)

    def _update_display(self, content: Mapping[str, Any]) -> None:
        display_id = (content.get("transient") or {}).get("display_id")
        for index in self._displays.get(str(display_id), []):
            self.outputs[index]["data"] = dict(content.get("data") or {})
            self.outputs[index]["metadata"] = dict(content.get("metadata") or {})

    @property
    def error(self) -> tuple[str, str] | None:
        """(ename, evalue) of the first error this cell showed, or of its failed reply."""
        for output in self.outputs:
            if output["output_type"] == "error":
                return exception_name(output["ename"]), output["evalue"]
        reply = self.reply or {}
        if reply.get("status") == "error":
            return exception_name(str(reply.get("ename", "Error"))), str(reply.get("evalue", ""))
        return None

    @property
    def traceback(self) -> str:
        """The traceback of the first error this cell showed, as plain text (the kernel colours
        it with terminal escapes); empty without one."""
        for output in self.outputs:
            if output["output_type"] == "error":
                return _ANSI_ESCAPE.sub("", "\n".join(output.get("traceback") or []))
        return ""

    @property
    def aborted(self) -> bool:
        return (self.reply or {}).get("status") == "aborted"


def exception_name(ename: str) -> str:
    """The exception's name as a traceback's last line gives it ("ValueError",
    "json.decoder.JSONDecodeError"), also from pyodide-kernel's "<class 'ValueError'>"."""
    match = _CLASS_REPR.match(ename.strip())
    if match is None:
        return ename
    name = match.group("name")
    for prefix in ("builtins.", "__main__."):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name
