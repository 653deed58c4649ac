"""Pick the boundary implementation for where we run; nothing else imports `js`."""

from __future__ import annotations

import sys

from .compatibility_layer import CompatibilityLayer

IN_BROWSER = "_pyodide_core" in sys.modules

compat: type[CompatibilityLayer]
if IN_BROWSER:
    from ._in_pyodide import CompatibilityInPyodide as compat
else:
    from ._not_in_pyodide import CompatibilityNotInPyodide as compat

__all__ = ["IN_BROWSER", "CompatibilityLayer", "compat"]
