"""Test connection: two or three requests, then a verdict (diagnosis.py), always within 5 s."""

from __future__ import annotations

from ..._compat import compat
from ...protocol import server_api as api
from .address import AddressError, mixed_content, parse_base_url
from .client import CALL_TIMEOUT, Http
from .diagnosis import (
    Diagnosis,
    classify,
    malformed,
    mixed,
    token_refused,
    with_empty_token,
    with_version,
)

#: The version request is a nicety: it may not hold up the verdict for long.
VERSION_TIMEOUT = 1.0


async def check_connection(
    base_url_text: str,
    token: str,
    site_url: str,
    http: Http | None = None,
) -> Diagnosis:
    """What a person sees after clicking *Test connection*."""
    http = http or compat.http
    try:
        address = parse_base_url(base_url_text)
    except AddressError as error:
        return malformed(str(error))
    if mixed_content(site_url, address):
        return mixed(address)
    token = token.strip() or address.token_in_url
    specs = await http(api.get_kernelspecs(address.base_url, token), CALL_TIMEOUT)
    reachable = None
    if specs.network_error:
        opened = await http(
            api.get_api(address.base_url, ""), min(VERSION_TIMEOUT, CALL_TIMEOUT - specs.seconds)
        )
        refused = token_refused(address, opened)
        if refused is not None:
            return refused if token else with_empty_token(refused)
        reachable = await compat.reachable(
            address.base_url, CALL_TIMEOUT - specs.seconds - opened.seconds
        )
    diagnosis = classify(address, site_url, specs, reachable)
    if not diagnosis.ok:
        return diagnosis if token else with_empty_token(diagnosis)
    version = await http(api.get_api(address.base_url, token), VERSION_TIMEOUT)
    return with_version(diagnosis, version)
