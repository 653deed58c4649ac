"""`%pip install` of a package this site does not ship says so in two lines, with what to do.

piplite raises PiplitePyPIDisabled from deep inside micropip: the cell showed some 90 lines of
traceback through both, ending in "PyPI fallback is disabled", with no next step.
"""

from __future__ import annotations

import functools
from typing import Any

#: What piplite's message says after the package's name.
_PIPLITE_TAIL = " could not be installed: PyPI fallback is disabled"


class PackageNotInSite(ValueError):
    """A package that neither this site's index nor (by this site's settings) PyPI offers."""


#: What to do, in the page (the headless runner tells its user another way: runner/disk_names.py).
NOT_IN_SITE_ADVICE = (
    "Check the spelling; ask the site's maintainer to add it to a requirements.txt in the "
    "site's content; or, online, turn on Settings → Settings Editor → InkRider → \"Fall back to "
    'PyPI" and restart the kernel.'
)


def not_in_site_text(name: str) -> str:
    return (
        f"{name} is not in this site's package index, and sessions here do not look packages "
        f"up on PyPI. {NOT_IN_SITE_ADVICE} A package with compiled code needs a wheel built "
        "for Pyodide, or the Jupyter Server runtime."
    )


def install(piplite: Any) -> None:
    """Wrap `piplite.install`, which `%pip install` calls."""
    original = piplite.install
    if getattr(original, "_inkrider_friendly", False):
        return

    @functools.wraps(original)
    async def friendly_install(*args: Any, **kwargs: Any) -> Any:
        try:
            return await original(*args, **kwargs)
        except ValueError as error:
            text = str(error)
            if type(error).__name__ != "PiplitePyPIDisabled" or _PIPLITE_TAIL not in text:
                raise
            raise PackageNotInSite(not_in_site_text(text.split(_PIPLITE_TAIL)[0])) from None

    friendly_install._inkrider_friendly = True  # type: ignore[attr-defined]
    piplite.install = friendly_install
