"""The WebSocket client's JSON-RPC session, without any socket (runtime/_core/engine/session.py)."""

from __future__ import annotations

import json

import pytest

from deribit_session_client import InvalidParamsError, ResponseValidationError
from deribit_session_client._core.engine.session import RpcSession
from deribit_session_client._operations import OPERATIONS


def test_ids_increase_and_answers_find_their_call() -> None:
    session = RpcSession()
    first, frame = session.request("public/test", {}, "call-1")
    second, _ = session.request("public/test", {}, "call-2")
    assert (first, second) == (1, 2)
    assert json.loads(frame) == {"jsonrpc": "2.0", "id": 1, "method": "public/test", "params": {}}

    incoming = session.receive(json.dumps({"jsonrpc": "2.0", "id": 2, "result": {"version": "1"}}))
    assert (incoming.kind, incoming.id) == ("answer", 2)
    assert session.answered(2) == "call-2"
    assert session.receive(json.dumps({"jsonrpc": "2.0", "id": 2, "result": 1})).kind == "unknown"  # answered already


def test_heartbeats_notifications_internal_and_unknown_answers_are_told_apart() -> None:
    session = RpcSession()
    internal, _ = session.request("public/test", {}, None)  # the client's own answer to a test_request
    kinds = [
        session.receive(json.dumps(m)).kind
        for m in (
            {"jsonrpc": "2.0", "method": "heartbeat", "params": {"type": "test_request"}},
            {"jsonrpc": "2.0", "method": "heartbeat", "params": {"type": "heartbeat"}},
            {"jsonrpc": "2.0", "method": "subscription", "params": {"channel": "x", "data": 1}},
            {"jsonrpc": "2.0", "id": internal, "result": {"version": "1"}},
            {"jsonrpc": "2.0", "id": 999, "result": "ok"},
            {"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}},
        )
    ]
    assert kinds == ["test_request", "heartbeat", "notification", "internal", "unknown", "unknown"]


@pytest.mark.parametrize("frame", ["not json", "[1, 2]", '"text"'])
def test_a_frame_that_is_not_json_rpc_is_a_response_validation_error(frame: str) -> None:
    with pytest.raises(ResponseValidationError):
        RpcSession().receive(frame)


def test_a_request_over_32_kb_is_refused_before_sending() -> None:
    session = RpcSession()
    with pytest.raises(InvalidParamsError, match="32 kB"):
        session.request("public/test", {"pad": "x" * 33_000}, "call")
    assert session.pending == {}


def test_abandoning_hands_back_every_waiting_call() -> None:
    session = RpcSession()
    session.request("a", {}, "one")
    session.request("b", {}, "two")
    session.request("public/test", {}, None)
    assert sorted(session.abandon_all()) == ["one", "two"]
    assert session.pending == {}


def _record(session: RpcSession, name: str, params: dict[str, object]) -> None:
    op = OPERATIONS[name]
    session.record(op.connection_state, op.rpc_method, params)


def test_the_state_to_re_apply_follows_the_specs_declarations() -> None:
    session = RpcSession()
    _record(session, "enable_cancel_on_disconnect", {"scope": "connection"})
    _record(session, "set_heartbeat", {"interval": 30})
    _record(session, "set_heartbeat", {"interval": 15})  # the last one wins
    _record(session, "enable_cancel_on_disconnect", {"scope": "account"})  # account scope: not connection state
    assert session.reapply() == [
        ("public/set_heartbeat", {"interval": 15}),  # heartbeat first (order 1), then COD (order 2)
        ("private/enable_cancel_on_disconnect", {"scope": "connection"}),
    ]

    _record(session, "disable_cancel_on_disconnect", {"scope": "account"})  # leaves the connection's alone
    assert len(session.reapply()) == 2
    _record(session, "disable_cancel_on_disconnect", {})  # the default scope is connection
    _record(session, "disable_heartbeat", {})
    assert session.reapply() == []


def test_operations_without_a_declaration_change_nothing() -> None:
    session = RpcSession()
    _record(session, "get_cancel_on_disconnect", {"scope": "connection"})
    _record(session, "test", {})
    assert session.reapply() == []
