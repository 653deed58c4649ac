"""inkrider_lite.protocol.messages: plain-dict Jupyter messages, built without I/O."""

from __future__ import annotations

from datetime import datetime

import pytest

from inkrider_lite.protocol import messages
from inkrider_lite.protocol.messages import (
    INTERNAL_SESSION,
    PROTOCOL_VERSION,
    UNBOUND_REPLIES,
    execute_failure,
    execute_outcome,
    execute_request,
    header,
    message,
    status,
    unbound_exchange,
)

MESSAGE_KEYS = {"header", "parent_header", "metadata", "content", "channel", "buffers"}


def request_header(msg_type: str, session: str = "client-session") -> dict[str, str]:
    return {
        "msg_id": f"req-{msg_type}",
        "msg_type": msg_type,
        "session": session,
        "username": "someone",
        "date": "2025-01-01T00:00:00+00:00",
        "version": PROTOCOL_VERSION,
    }


def test_header_fields() -> None:
    first = header("status", "s1")
    second = header("status", "s1", username="alice")
    assert first["msg_type"] == "status"
    assert first["session"] == "s1"
    assert first["username"] == "inkrider"
    assert second["username"] == "alice"
    assert first["version"] == PROTOCOL_VERSION == "5.3"
    assert len(first["msg_id"]) == 32 and int(first["msg_id"], 16) >= 0
    assert first["msg_id"] != second["msg_id"]
    assert datetime.fromisoformat(first["date"]).utcoffset() is not None


def test_message_takes_the_parents_session_and_copies_its_inputs() -> None:
    parent = request_header("execute_request", session="abc")
    content = {"text": "hi"}
    msg = message("stream", content, channel="iopub", parent=parent)
    assert set(msg) == MESSAGE_KEYS
    assert msg["header"]["session"] == "abc"
    assert msg["header"]["msg_type"] == "stream"
    assert msg["parent_header"] == parent
    assert msg["content"] == {"text": "hi"}
    assert msg["channel"] == "iopub"
    assert msg["metadata"] == {} and msg["buffers"] == []
    # The message owns copies: changing the inputs afterwards changes nothing.
    parent["session"] = "changed"
    content["text"] = "changed"
    assert msg["parent_header"]["session"] == "abc"
    assert msg["content"] == {"text": "hi"}


def test_message_explicit_session_and_no_parent() -> None:
    parent = request_header("execute_request", session="abc")
    assert (
        message("x", {}, channel="shell", parent=parent, session="mine")["header"]["session"]
        == "mine"
    )
    orphan = message("x", {}, channel="shell")
    assert orphan["parent_header"] == {}
    assert orphan["header"]["session"] == ""


@pytest.mark.parametrize("state", ["busy", "idle", "starting"])
def test_status(state: str) -> None:
    parent = request_header("execute_request")
    msg = status(state, parent)
    assert msg["header"]["msg_type"] == "status"
    assert msg["channel"] == "iopub"
    assert msg["content"] == {"execution_state": state}
    assert msg["parent_header"] == parent
    assert msg["header"]["session"] == parent["session"]


@pytest.mark.parametrize("request_type", sorted(UNBOUND_REPLIES))
def test_unbound_exchange_is_busy_reply_idle(request_type: str) -> None:
    parent = request_header(request_type, session="notebook-1")
    busy, reply, idle = unbound_exchange(parent, {"code": "pri", "cursor_pos": 3})
    assert [m["header"]["msg_type"] for m in (busy, reply, idle)] == [
        "status",
        UNBOUND_REPLIES[request_type],
        "status",
    ]
    assert busy["content"] == {"execution_state": "busy"}
    assert idle["content"] == {"execution_state": "idle"}
    assert [m["channel"] for m in (busy, reply, idle)] == ["iopub", "shell", "iopub"]
    for msg in (busy, reply, idle):
        assert msg["parent_header"] == parent
        assert msg["header"]["session"] == "notebook-1"
    expected_status = "unknown" if request_type == "is_complete_request" else "ok"
    assert reply["content"]["status"] == expected_status


def test_unbound_reply_contents() -> None:
    info = messages.unbound_reply_content("kernel_info_request", {})
    assert info["protocol_version"] == PROTOCOL_VERSION
    assert info["language_info"]["name"] == "python"
    assert messages.unbound_reply_content("history_request", {})["history"] == []
    assert messages.unbound_reply_content("comm_info_request", {})["comms"] == {}
    complete = messages.unbound_reply_content("complete_request", {"cursor_pos": 7})
    assert (complete["cursor_start"], complete["cursor_end"], complete["matches"]) == (7, 7, [])
    assert messages.unbound_reply_content("inspect_request", {})["found"] is False


def test_unbound_exchange_refuses_requests_that_need_python() -> None:
    with pytest.raises(KeyError):
        unbound_exchange(request_header("execute_request"), {})
    with pytest.raises(ValueError, match="execute_request"):
        messages.unbound_reply_content("execute_request", {})


def test_execute_failure() -> None:
    parent = request_header("execute_request", session="nb")
    error, reply, idle = execute_failure(parent, "SessionStartError", "no room", execution_count=4)
    assert error["header"]["msg_type"] == "error"
    assert error["channel"] == "iopub"
    assert error["content"] == {
        "ename": "SessionStartError",
        "evalue": "no room",
        "traceback": ["SessionStartError: no room"],
    }
    assert reply["header"]["msg_type"] == "execute_reply"
    assert reply["channel"] == "shell"
    assert reply["content"]["status"] == "error"
    assert reply["content"]["execution_count"] == 4
    assert reply["content"]["ename"] == "SessionStartError"
    assert idle["content"] == {"execution_state": "idle"}
    for msg in (error, reply, idle):
        assert msg["parent_header"] == parent
        assert msg["header"]["session"] == "nb"


def test_execute_request_is_silent_and_internal() -> None:
    msg = execute_request("x = 1")
    assert msg["header"]["msg_type"] == "execute_request"
    assert msg["header"]["session"] == INTERNAL_SESSION
    assert msg["channel"] == "shell"
    assert msg["parent_header"] == {}
    content = msg["content"]
    assert content["code"] == "x = 1"
    assert content["silent"] is True
    assert content["store_history"] is False
    assert content["allow_stdin"] is False
    assert execute_request("y", session="other")["header"]["session"] == "other"
    assert execute_request("x")["header"]["msg_id"] != execute_request("x")["header"]["msg_id"]


def _reply(msg_type: str, content: dict) -> dict:
    return {"header": {"msg_type": msg_type}, "content": content}


def test_execute_outcome_collects_stream_text() -> None:
    replies = [
        _reply("status", {"execution_state": "busy"}),
        _reply("stream", {"name": "stdout", "text": "a\n"}),
        _reply("stream", {"name": "stdout", "text": "b\n"}),
        _reply("execute_reply", {"status": "ok"}),
        _reply("status", {"execution_state": "idle"}),
    ]
    assert execute_outcome(replies) == (True, "a\nb\n")
    assert execute_outcome([]) == (True, "")


def test_execute_outcome_reports_errors() -> None:
    error = _reply("error", {"ename": "NameError", "evalue": "x", "traceback": []})
    assert execute_outcome([error]) == (False, "NameError: x")
    # A non-ok reply alone is a failure, even without any error text.
    assert execute_outcome([_reply("execute_reply", {"status": "error"})]) == (False, "")
    assert execute_outcome([_reply("execute_reply", {"status": "aborted"})])[0] is False


def test_execute_outcome_reports_one_error_once() -> None:
    parent = request_header("execute_request")
    assert execute_outcome(execute_failure(parent, "E", "v")) == (False, "E: v")


def test_the_notebooks_own_python_language_info_is_answered_back_unchanged() -> None:
    kept_language_info = messages.kept_language_info
    stored = {"name": "python"}
    assert kept_language_info(stored) == stored
    assert kept_language_info({"name": "R"}) is None and kept_language_info(None) is None
    header = {"msg_id": "m", "msg_type": "kernel_info_request", "session": "s"}
    _busy, reply, _idle = unbound_exchange(header, {}, kept_language_info(stored))
    assert reply["content"]["language_info"] == stored
    _busy, reply, _idle = unbound_exchange(header, {})
    assert reply["content"]["language_info"]["version"] == "3.14"


def test_a_local_kernels_language_info_gets_the_python_it_runs() -> None:
    reported = {"name": "python", "version": "3.8", "mimetype": "text/x-python"}
    assert messages.with_python_version(reported, "3.14.2") == {
        "name": "python",
        "version": "3.14.2",
        "mimetype": "text/x-python",
    }
