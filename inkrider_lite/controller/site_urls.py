"""The site's own addresses, all derived from its root (where the loader found it)."""

from __future__ import annotations

from dataclasses import dataclass


def site_index(site_url: str) -> str:
    """The site's package index, as a micropip index URL template."""
    return f"{site_url}pypi/simple/{{package_name}}/index.html"


@dataclass(frozen=True)
class SiteUrls:
    #: The site's root, ending in "/".
    site_url: str

    @property
    def files_url(self) -> str:
        """Where the site's contents are served as plain files (local wheels, for one)."""
        return f"{self.site_url}files/"

    @property
    def site_index(self) -> str:
        return site_index(self.site_url)
