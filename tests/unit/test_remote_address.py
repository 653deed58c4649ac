"""What people type into Base URL, and the server it names."""

from __future__ import annotations

import pytest

from inkrider_lite.runtimes.remote.address import AddressError, mixed_content, parse_base_url


@pytest.mark.parametrize(
    ("text", "base_url", "token"),
    [
        ("http://localhost:8888", "http://localhost:8888/", ""),
        ("  localhost:8888/ ", "http://localhost:8888/", ""),
        ("http://127.0.0.1:8888/lab", "http://127.0.0.1:8888/", ""),
        ("http://127.0.0.1:8888/tree?token=abc123", "http://127.0.0.1:8888/", "abc123"),
        ("http://127.0.0.1:8888/lab/tree/a/b.ipynb?token=t", "http://127.0.0.1:8888/", "t"),
        ("https://hub.example.org/user/alice/lab", "https://hub.example.org/user/alice/", ""),
        ("https://hub.example.org/user/alice", "https://hub.example.org/user/alice/", ""),
        ("HTTP://LOCALHOST:8888", "http://localhost:8888/", ""),
        ("http://[::1]:8888/", "http://[::1]:8888/", ""),
        ("http://127.0.0.1:8888/hub/login", "http://127.0.0.1:8888/", ""),
    ],
)
def test_a_pasted_address_names_the_server(text: str, base_url: str, token: str) -> None:
    address = parse_base_url(text)
    assert (address.base_url, address.token_in_url) == (base_url, token)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "Enter the server's Base URL"),
        ("   ", "Enter the server's Base URL"),
        ("ftp://host:21", "http:// or https://"),
        ("http://host:99999", "not a number from 1 to 65535"),
        ("http://host:port", "not a number"),
        ("http://:8888", "No host name"),
        ("http://local host:8888", "no spaces"),
        ("http://me:secret@host:8888", "Leave user names and passwords out"),
        ("http://localhost:0", "Port 0"),
        ("localhost:9", "Browsers refuse to connect to port 9: .* --port 8888"),
        ("http://127.0.0.1:6000/lab", "Browsers refuse to connect to port 6000"),
        # Taken for host "htp" with an empty port, it read as a server that did not answer.
        ("htp:/foo", "not a URL: it needs two slashes after the scheme"),
        ("http:/localhost:8888", "two slashes"),
        ("http//127.0.0.1:18931", "needs a colon after 'http'"),
        ("https//example.org", "needs a colon after 'https'"),
        ("localhost:", "No port after the ':'"),
    ],
)
def test_a_malformed_address_says_what_to_type(text: str, says: str) -> None:
    with pytest.raises(AddressError, match=says):
        parse_base_url(text)


def test_display_and_websocket_address() -> None:
    address = parse_base_url("https://hub.example.org/user/alice/")
    assert address.display == "hub.example.org/user/alice"
    assert address.ws_url == "wss://hub.example.org/user/alice/"
    assert parse_base_url("127.0.0.1:8888").display == "127.0.0.1:8888"


@pytest.mark.parametrize(
    ("site", "server", "blocked"),
    [
        ("https://inkrider.example/", "http://192.168.1.5:8888", True),
        ("https://inkrider.example/", "http://localhost:8888", False),
        ("https://inkrider.example/", "http://127.0.0.1:8888", False),
        ("https://inkrider.example/", "http://[::1]:8888", False),
        ("https://inkrider.example/", "https://192.168.1.5:8888", False),
        ("http://127.0.0.1:8000/", "http://192.168.1.5:8888", False),
    ],
)
def test_mixed_content_is_an_https_site_calling_a_remote_http_server(
    site: str, server: str, blocked: bool
) -> None:
    assert mixed_content(site, parse_base_url(server)) is blocked


def test_only_the_bad_ports_are_refused() -> None:
    for port in (80, 443, 1024, 3000, 8000, 8080, 8888, 9999, 10081, 65535):
        assert parse_base_url(f"localhost:{port}").base_url == f"http://localhost:{port}/"
