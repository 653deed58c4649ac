"""inkrider_lite.kernel.pip_errors: %pip install of a package the site lacks, in two lines."""

from __future__ import annotations

import asyncio
import types

import pytest

from inkrider_lite.kernel.pip_errors import PackageNotInSite, install


class PiplitePyPIDisabled(ValueError):
    """As piplite names it."""


def fake_piplite(error: Exception | None) -> types.SimpleNamespace:
    async def original(requirements: object, **_kwargs: object) -> str:
        if error is not None:
            raise error
        return "installed"

    return types.SimpleNamespace(install=original)


def test_a_package_the_site_lacks_gets_what_to_do() -> None:
    piplite = fake_piplite(
        PiplitePyPIDisabled("numpy could not be installed: PyPI fallback is disabled")
    )
    install(piplite)
    install(piplite)  # once only
    with pytest.raises(PackageNotInSite) as caught:
        asyncio.run(piplite.install("numpy"))
    text = str(caught.value)
    assert text.startswith("numpy is not in this site's package index")
    assert "Fall back to PyPI" in text and "Jupyter Server runtime" in text
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_other_failures_and_successes_pass_through() -> None:
    piplite = fake_piplite(ValueError("Can't find a pure Python 3 wheel for 'x'"))
    install(piplite)
    with pytest.raises(ValueError, match="pure Python 3 wheel"):
        asyncio.run(piplite.install("x"))
    ok = fake_piplite(None)
    install(ok)
    assert asyncio.run(ok.install("attrs")) == "installed"
