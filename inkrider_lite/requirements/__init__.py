"""A folder's requirements.txt: parsed as pip reads it, planned as one micropip call. Pure logic.

The kernel side reads the file and calls micropip; everything it needs to decide lives here, so
that it is tested in CPython without a browser.
"""

from .parser import (
    BROWSER_ENVIRONMENT,
    BROWSER_PLATFORM_TAG,
    Option,
    ParsedRequirements,
    Problem,
    Requirement,
    parse_requirements,
)
from .plan import InstallItem, InstallPlan, Satisfied, install_plan, micropip_location, summarize

__all__ = [
    "BROWSER_ENVIRONMENT",
    "BROWSER_PLATFORM_TAG",
    "InstallItem",
    "InstallPlan",
    "Option",
    "ParsedRequirements",
    "Problem",
    "Requirement",
    "Satisfied",
    "install_plan",
    "micropip_location",
    "parse_requirements",
    "summarize",
]
