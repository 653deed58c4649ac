"""Test connection's verdicts, from every kind of answer a page can get."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from inkrider_lite.protocol.server_api import Answer
from inkrider_lite.runtimes.remote.address import parse_base_url
from inkrider_lite.runtimes.remote.diagnosis import (
    Diagnosis,
    Verdict,
    classify,
    default_kernel,
    start_command,
    with_empty_token,
    with_version,
)

SITE = "http://127.0.0.1:8000/"
ADDRESS = parse_base_url("http://127.0.0.1:8888")
SPECS = json.dumps(
    {
        "default": "python3",
        "kernelspecs": {
            "python3": {
                "name": "python3",
                "spec": {"display_name": "Python 3", "language": "python"},
            },
            "ir": {"name": "ir", "spec": {"display_name": "R", "language": "R"}},
        },
    }
)


def verdict(answer: Answer, reachable: bool | None = None) -> Verdict:
    return classify(ADDRESS, SITE, answer, reachable).verdict


@pytest.mark.parametrize(
    ("answer", "reachable", "expected"),
    [
        (Answer(status=200, body=SPECS), None, Verdict.OK),
        (Answer(network_error=True), False, Verdict.UNREACHABLE),
        (Answer(network_error=True), True, Verdict.HIDDEN),
        (Answer(network_error=True), None, Verdict.HIDDEN),
        (Answer(timed_out=True), None, Verdict.NO_ANSWER),
        (Answer(redirected=True), None, Verdict.WRONG_TOKEN),
        (Answer(status=302), None, Verdict.WRONG_TOKEN),
        (Answer(status=401), None, Verdict.WRONG_TOKEN),
        (Answer(status=403), None, Verdict.WRONG_TOKEN),
        (Answer(status=404), None, Verdict.NOT_JUPYTER),
        (Answer(status=200, body="<html>hello</html>"), None, Verdict.NOT_JUPYTER),
        (Answer(status=200, body='{"kernelspecs": []}'), None, Verdict.NOT_JUPYTER),
        (Answer(status=500, body="{}"), None, Verdict.SERVER_ERROR),
    ],
)
def test_each_answer_has_its_verdict(
    answer: Answer, reachable: bool | None, expected: Verdict
) -> None:
    assert verdict(answer, reachable) is expected


def test_a_hidden_cause_lists_what_to_check_in_order_with_the_exact_command() -> None:
    diagnosis = classify(ADDRESS, SITE, Answer(network_error=True), reachable=True)
    text = diagnosis.text()
    assert "does not say why" in diagnosis.summary
    running, token, jupyter, origin, gateway = diagnosis.steps
    assert "running at http://127.0.0.1:8888/" in running
    assert "jupyter server list" in token
    assert "/user/<name>/" in jupyter
    assert "jupyter server --no-browser --ServerApp.allow_origin='http://127.0.0.1:8000'" in origin
    assert "auth_token" in gateway
    assert "--KernelGatewayApp.allow_origin='http://127.0.0.1:8000'" in gateway
    assert text.splitlines()[1].startswith("1. ")


def test_an_empty_token_is_named_first_where_it_explains_the_failure() -> None:
    hidden = classify(ADDRESS, SITE, Answer(network_error=True), reachable=None)
    assert with_empty_token(hidden).summary.startswith("The Token field is empty")
    assert with_empty_token(hidden).steps == hidden.steps
    refused = classify(ADDRESS, SITE, Answer(status=403, body="{}"), reachable=None)
    assert with_empty_token(refused).summary.startswith("The Token field is empty")
    # Nothing listening, or no answer in time: the token is not the cause.
    for answer, reachable in ((Answer(network_error=True), False), (Answer(timed_out=True), None)):
        unrelated = classify(ADDRESS, SITE, answer, reachable)
        assert with_empty_token(unrelated) == unrelated


def test_no_answer_over_https_suggests_plain_http_first() -> None:
    secure = parse_base_url("https://127.0.0.1:8888")
    steps = classify(secure, SITE, Answer(timed_out=True), reachable=None).steps
    assert "try http://127.0.0.1:8888/" in steps[0]
    assert not any(
        "TLS" in step for step in classify(ADDRESS, SITE, Answer(timed_out=True), None).steps
    )


def test_the_command_names_this_sites_origin() -> None:
    assert start_command("https://notebooks.example.org/app/lab/index.html") == (
        "jupyter server --no-browser --ServerApp.allow_origin='https://notebooks.example.org'"
    )


def test_ok_names_version_kernels_default_and_round_trip() -> None:
    ok = classify(ADDRESS, SITE, Answer(status=200, body=SPECS, seconds=0.012), None)
    done = with_version(ok, Answer(status=200, body='{"version": "2.21.1"}'))
    assert done.ok
    assert (
        done.summary
        == "Connected to Jupyter Server 2.21.1: it offers 2 kinds of kernel (python3 by default), "
        "12 ms."
    )
    assert [k.name for k in done.kernelspecs] == ["ir", "python3"]
    assert done.kernelspecs[1].display_name == "Python 3"


def test_a_server_without_a_version_or_default_still_connects() -> None:
    body = json.dumps({"kernelspecs": {"python3": {"spec": {}}}})
    ok = classify(ADDRESS, SITE, Answer(status=200, body=body), None)
    done = with_version(ok, Answer(status=404))
    assert done.ok and done.default_kernel == "python3"
    assert "a Jupyter kernels server" in done.summary


@pytest.mark.parametrize(
    ("api", "named", "version"),
    [
        # jupyter_server, and Kernel Gateway (which reports the jupyter_server it runs on)
        (Answer(status=200, body='{"version": "2.21.1"}'), "Jupyter Server 2.21.1", "2.21.1"),
        (
            Answer(status=200, body='{"version": "1.24.0", "gateway_version": "3.3.0"}'),
            "Jupyter Enterprise Gateway 3.3.0",
            "3.3.0",
        ),
        # jupyverse has no `GET api`
        (Answer(status=404, body='{"detail":"Not Found"}'), "a Jupyter kernels server", ""),
        (Answer(status=200, body="{}"), "a Jupyter kernels server", ""),
    ],
)
def test_ok_names_the_server_by_what_it_reports(api: Answer, named: str, version: str) -> None:
    ok = classify(ADDRESS, SITE, Answer(status=200, body=SPECS, seconds=0.001), None)
    done = with_version(ok, api)
    assert done.summary.startswith(f"Connected to {named}: it offers 2 kinds of kernel (python3")
    assert done.version == version


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (json.loads(SPECS), "python3"),
        ({"default": "gone", "kernelspecs": {"b": {}, "a": {}}}, "a"),
        ({"default": "python3", "kernelspecs": {}}, "python3"),
        ({"kernelspecs": {}}, ""),
        (None, ""),
        ([], ""),
    ],
)
def test_the_default_kernel_is_the_servers_or_its_first(body: object, expected: str) -> None:
    assert default_kernel(body) == expected


def test_a_failed_call_names_the_steps_its_verdict_promises() -> None:
    """A kernel start at a server that does not answer: the message a cell shows carries the
    numbered steps the summary announces ("check these, in this order:")."""
    import asyncio

    from inkrider_lite.runtimes.remote.client import JupyterServerClient, ServerError

    async def no_answer(_request: object, _timeout: float) -> Answer:
        return Answer(network_error=True)

    async def main() -> None:
        client = JupyterServerClient(ADDRESS, "t", SITE, http=no_answer)
        try:
            await client.create_kernel()
        except ServerError as error:
            text = str(error)
        else:
            raise AssertionError("no error")
        assert "check these, in this order:\n1. Is the server running" in text
        assert "\n2. " in text and "\n3. " in text

    asyncio.run(main())


def test_no_kernel_is_started_on_a_server_that_does_not_answer_in_time() -> None:
    """A stopped server still takes the requests that time out, and starts a kernel nobody
    knows of when it wakes: a kernel start asks for the version first (without the token),
    and stops there."""
    import asyncio

    from inkrider_lite.runtimes.remote.client import JupyterServerClient, ServerError

    def client_answering(listing: Answer, asked: list[str]) -> JupyterServerClient:
        async def http(request: Any, _timeout: float) -> Answer:
            asked.append(request.method)
            if request.method == "GET":
                assert "token" not in request.url
                return listing
            return Answer(status=201, body='{"id": "k1", "name": "python3"}')

        return JupyterServerClient(ADDRESS, "t", SITE, http=http)

    async def main() -> None:
        asked: list[str] = []
        try:
            await client_answering(Answer(timed_out=True), asked).create_kernel()
        except ServerError:
            pass
        else:
            raise AssertionError("no error")
        assert asked == ["GET"]
        # A server whose version the page cannot read (no CORS headers) still starts one.
        for refusal in (Answer(status=403), Answer(network_error=True)):
            asked.clear()
            model = await client_answering(refusal, asked).create_kernel()
            assert model.id == "k1" and asked == ["GET", "POST"]

    asyncio.run(main())


def test_a_hidden_refusal_from_a_server_whose_open_api_answers_is_the_token() -> None:
    """jupyter_server answers `GET api` without a token, to an allowed origin: a hidden
    kernelspecs answer then is the token (it read "Is the server running?" first)."""
    from inkrider_lite.runtimes.remote.diagnosis import token_refused

    refused = token_refused(ADDRESS, Answer(status=200, body='{"version": "2.21.1"}'))
    assert refused is not None and refused.verdict is Verdict.WRONG_TOKEN
    assert refused.summary == "Jupyter Server 2.21.1 runs at 127.0.0.1:8888, and refused the token."
    assert "jupyter server list" in refused.text()
    assert with_empty_token(refused).summary.startswith("The Token field is empty")
    # Nothing readable (no CORS headers, jupyverse's 404, a page that is not JSON): no verdict.
    for told_nothing in (
        Answer(network_error=True),
        Answer(status=404),
        Answer(status=200, body="<html></html>"),
    ):
        assert token_refused(ADDRESS, told_nothing) is None


def test_a_hidden_refusal_from_a_server_that_answers_an_open_sessions_token_is_the_token() -> None:
    """The "refuses the token saved" notice sends the user to Test connection, which said "Is
    the server running?" and "start it with…" first: starting it again would end the kernel
    whose variables the notice promised to keep (new-user pass, stop 28, D2)."""
    from inkrider_lite.runtimes.remote.connection_check import check_connection

    asked: list[str] = []

    async def http(request: Any, _timeout: float) -> Answer:
        asked.append(request.url)
        if "/api/kernelspecs" in request.url and "token=good" in request.url:
            return Answer(status=200, body=json.dumps({"default": "python3", "kernelspecs": {}}))
        return Answer(network_error=True)  # no CORS headers on a refusal, nor on GET api

    async def test(known: list[str]) -> Diagnosis:
        return await check_connection(
            "http://127.0.0.1:18999/", "wrong", "http://127.0.0.1:8000/", http, known_tokens=known
        )

    told = asyncio.run(test(["good"]))
    assert told.verdict is Verdict.WRONG_TOKEN
    assert told.summary.startswith("The server at 127.0.0.1:18999 runs, and refused this token")
    assert "Do not start the server again" in told.summary
    # The entered token itself, or none known: nothing to compare with, the usual verdict.
    for known in (["wrong"], []):
        asked.clear()
        assert asyncio.run(test(known)).verdict is not Verdict.WRONG_TOKEN
        assert not any("token=good" in url for url in asked)
