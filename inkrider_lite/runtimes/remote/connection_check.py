"""Test connection: two or three requests, then a verdict (diagnosis.py), always within 5 s."""

from __future__ import annotations

from collections.abc import Sequence

from ..._compat import compat
from ...protocol import server_api as api
from .address import AddressError, ServerAddress, mixed_content, parse_base_url
from .client import CALL_TIMEOUT, Http
from .diagnosis import (
    Diagnosis,
    classify,
    malformed,
    mixed,
    refused_beside_open_session,
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
    known_tokens: Sequence[str] = (),
) -> Diagnosis:
    """What a person sees after clicking *Test connection*. `known_tokens`: tokens the server
    answered for open sessions, which tell a refused token from a server that is not there."""
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
        if refused is None and await _answers_another(address, token, known_tokens, http):
            refused = refused_beside_open_session(address)
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


async def _answers_another(
    address: ServerAddress, token: str, known_tokens: Sequence[str], http: Http
) -> bool:
    """Whether the server answers one of `known_tokens` (other than `token`) to this page."""
    for known in dict.fromkeys(t for t in known_tokens if t and t != token):
        answer = await http(api.get_kernelspecs(address.base_url, known), VERSION_TIMEOUT)
        if answer.ok:
            return True
    return False
