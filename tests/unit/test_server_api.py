"""The kernels API's requests and answers, as built and read without I/O: what differs between
jupyter_server, the gateways and jupyverse."""

from __future__ import annotations

import json

import pytest

from inkrider_lite.protocol import server_api as api
from inkrider_lite.protocol.server_api import Answer, KernelModel

BASE = "http://127.0.0.1:8888/"
KERNEL = {"id": "k1", "name": "python3", "execution_state": "starting"}


def test_a_kernel_is_created_with_the_user_name_that_enterprise_gateway_requires() -> None:
    request = api.create_kernel(BASE, "t", "python3", "batch/nb.ipynb")
    assert (request.method, request.url) == ("POST", f"{BASE}api/kernels?token=t")
    assert json.loads(request.body or "") == {
        "name": "python3",
        "env": {"KERNEL_USERNAME": api.KERNEL_USERNAME},
        "path": "batch/nb.ipynb",
    }
    assert "name" not in json.loads(api.create_kernel(BASE, "t", "").body or "")


def test_a_session_names_its_kernel_and_notebook() -> None:
    request = api.create_session(BASE, "", "python3", "folder/a b.ipynb")
    assert (request.method, request.url) == ("POST", f"{BASE}api/sessions")
    assert json.loads(request.body or "") == {
        "kernel": {"name": "python3"},
        "name": "a b.ipynb",
        "path": "folder/a b.ipynb",
        "type": "notebook",
    }


def test_kernel_models_from_a_kernel_and_from_a_session() -> None:
    expected = KernelModel("k1", "python3", "starting")
    assert api.kernel_model(Answer(status=201, body=json.dumps(KERNEL))) == expected
    session = {"id": "s1", "path": "a.ipynb", "kernel": KERNEL}
    assert api.session_kernel_model(Answer(status=201, body=json.dumps(session))) == expected
    assert api.session_kernel_model(Answer(status=201, body="null")) is None
    assert api.kernel_model(Answer(status=403, body=json.dumps(KERNEL))) is None


@pytest.mark.parametrize(
    ("answer", "gone"),
    [
        (Answer(status=404), True),
        (Answer(status=200, body="null"), True),  # jupyverse
        (Answer(status=200, body=json.dumps(KERNEL)), False),
        (Answer(status=403, body="null"), False),
        (Answer(network_error=True), False),
    ],
)
def test_a_kernel_is_gone_by_404_or_a_null_model(answer: Answer, gone: bool) -> None:
    assert api.kernel_gone(answer) is gone


def test_a_405_means_kernels_start_only_with_sessions() -> None:
    assert api.starts_kernels_only_in_sessions(Answer(status=405))
    assert not api.starts_kernels_only_in_sessions(Answer(status=403))
