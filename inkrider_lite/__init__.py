"""InkRider Lite: JupyterLite with lazily bound sessions, in Python.

The package runs in three places (see docs/architecture.md): the controller in the page's main
thread, the kernel side inside each local Pyodide kernel, and ordinary CPython for the tools and
the tests.
Nothing at this level imports a browser module.
"""

__version__ = "0.1.0"


def session_requirements() -> dict[str, object]:
    """In a local session: what its folder's requirements.txt installed, and what failed."""
    from .kernel import session_requirements as summary

    return summary()
