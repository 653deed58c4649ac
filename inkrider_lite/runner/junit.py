"""The JUnit XML report: one test case per notebook; a failure names the cell, the exception
type and its message."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any


def junit_xml(runs: Sequence[Mapping[str, Any]], seconds: float, suite: str) -> str:
    """`runs` as window.inkrider.execution_json() gives them, each with its `name` (the
    notebook as named on disk)."""
    failures = sum(run["state"] in ("failed", "cancelled") for run in runs)
    skipped = sum(run["state"] == "skipped" for run in runs)
    root = ET.Element(
        "testsuite",
        {
            "name": suite,
            "tests": str(len(runs)),
            "failures": str(failures),
            "errors": "0",
            "skipped": str(skipped),
            "time": f"{seconds:.3f}",
        },
    )
    for run in runs:
        name = str(run["name"])
        folder, _, notebook = name.rpartition("/")
        case = ET.SubElement(
            root,
            "testcase",
            {
                "classname": folder.replace("/", ".") or suite,
                "name": notebook,
                "file": name,
                "time": f"{run.get('seconds') or 0:.3f}",
            },
        )
        error = run.get("error")
        timed_out = run.get("timed_out")
        if timed_out:
            message = timeout_message(timed_out)
            failure = ET.SubElement(case, "failure", {"type": "Timeout", "message": message})
            # Where the interrupt found the cell, when it sent a traceback.
            late = timed_out.get("traceback")
            failure.text = f"{message}\n\n{late}" if late else message
        elif run["state"] == "failed" and error:
            failure = ET.SubElement(
                case,
                "failure",
                {
                    "type": str(error["ename"]),
                    "message": f"cell {error['cell']}: {error['ename']}: {error['evalue']}",
                },
            )
            # The traceback, as a CI page shows a failing test's; the line alone without one.
            failure.text = str(error.get("traceback") or error["text"])
        elif run["state"] == "failed":
            reason = str(run.get("reason") or "failed")
            ET.SubElement(
                case, "failure", {"type": "SessionError", "message": reason}
            ).text = reason
        elif run["state"] == "cancelled":
            ET.SubElement(
                case, "failure", {"type": "Cancelled", "message": "cancelled"}
            ).text = "cancelled"
        elif run["state"] == "skipped":
            ET.SubElement(case, "skipped", {"message": str(run.get("reason") or "skipped")})
        if run.get("notes"):
            # Its session's start's own words (requirement lines not installed): a passing
            # notebook's CI page shows them there.
            ET.SubElement(case, "system-err").text = str(run["notes"])
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def timeout_message(timed_out: Mapping[str, Any]) -> str:
    return f"timed out after {timed_out['seconds']} s, in cell {timed_out['cell']}"
