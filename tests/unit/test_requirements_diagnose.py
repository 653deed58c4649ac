"""inkrider_lite.requirements.diagnose: micropip's failures as reasons an author can act on."""

from __future__ import annotations

from inkrider_lite.requirements.diagnose import NOT_FOUND, reason_for, unreachable_indexes

# micropip 0.10's own words, as seen in the browser
WHEEL_FETCH = (
    "Can't fetch wheel from 'http://no-such-host.invalid/pkg-1.0-py3-none-any.whl'. One common "
    "reason for this is when the server blocks Cross-Origin Resource Sharing (CORS). Check if "
    "the server is sending the correct 'Access-Control-Allow-Origin' header."
)
METADATA = (
    "Can't fetch metadata for 'attrs'. Please make sure you have entered a correct package name "
    "and correctly specified index_urls (if you changed them)."
)


def test_a_wheel_that_cannot_be_downloaded_names_its_host_first() -> None:
    reason = reason_for(ValueError(WHEEL_FETCH))
    assert reason.startswith(
        "could not download http://no-such-host.invalid/pkg-1.0-py3-none-any.whl: the host "
        "no-such-host.invalid could not be reached."
    )


def test_an_unknown_name_is_not_found() -> None:
    assert reason_for(ValueError(METADATA)) == NOT_FOUND


def test_indexes_that_do_not_answer_are_named_with_their_lines() -> None:
    one = [{"url": "http://127.0.0.1:9/simple", "line": 1}]
    assert unreachable_indexes(one) == (
        "not found: the index http://127.0.0.1:9/simple (line 1) could not be reached"
    )
    two = [*one, {"url": "http://b.example/s", "line": 3}]
    assert "indexes http://127.0.0.1:9/simple (line 1); http://b.example/s (line 3)" in (
        unreachable_indexes(two)
    )
