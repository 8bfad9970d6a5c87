"""The send rules (sans-I/O, runtime/_core/engine/calls.py): which call is written now, which waits for
the session, which fails, and that nothing goes out after its caller gave up or twice."""

from __future__ import annotations

import json

import pytest

from deribit_session_client import APIConnectionError
from deribit_session_client._core.engine.calls import Call, Outbox
from deribit_session_client._core.engine.session import RpcSession
from deribit_session_client._core.ws.threads import Waiter


def call(n: int, *, bypass: bool = False) -> Call:
    params = {"n": n}
    return Call("public/test", params, RpcSession.encode_call("public/test", params), None, Waiter(), bypass)


def sent(frame: str | None) -> int:
    assert frame is not None
    return int(json.loads(frame)["params"]["n"])


@pytest.fixture
def outbox() -> Outbox:
    return Outbox(RpcSession())


def test_a_call_goes_out_at_once_when_the_session_is_open(outbox: Outbox) -> None:
    first = call(1)
    frame = outbox.admit(first, True)
    assert sent(frame) == 1 and first.rpc_id == json.loads(frame or "")["id"]
    assert outbox.answered(first.rpc_id or 0) is first
    assert outbox.answered(first.rpc_id or 0) is None  # answered once


def test_calls_wait_for_the_session_and_go_out_in_order_while_their_callers_wait(outbox: Outbox) -> None:
    calls = [call(n) for n in range(4)]
    assert [outbox.admit(c, False) for c in calls] == [None] * 4
    calls[2].token.abandoned = True  # its caller gave up meanwhile (timed out, interrupted)
    released = outbox.release()
    assert released == [calls[0], calls[1], calls[3]] and not outbox.queued
    assert [sent(outbox.admit(c, True)) for c in released] == [0, 1, 3]


def test_nothing_is_written_after_its_caller_gave_up(outbox: Outbox) -> None:
    gone = call(1)
    gone.token.abandoned = True
    assert outbox.admit(gone, True) is None and gone.rpc_id is None
    answered = call(2)
    answered.token.settle({"result": 1}, None)  # (told already: failed, or answered)
    assert outbox.admit(answered, True) is None
    assert outbox.session.pending == {}


def test_a_frame_the_socket_would_not_take_never_left_and_goes_out_first_on_the_next_connection(outbox: Outbox) -> None:
    queued, refused = call(1), call(2)
    outbox.admit(queued, False)
    frame = outbox.admit(refused, True)
    rpc_id = refused.rpc_id
    assert frame is not None and rpc_id is not None
    outbox.unsent(refused)  # the connection was closing
    assert outbox.answered(rpc_id) is None  # an answer for that id belongs to no call
    assert outbox.release() == [refused, queued]


def test_a_written_call_fails_with_its_connection_and_is_never_sent_again(outbox: Outbox) -> None:
    written, queued = call(1), call(2)
    outbox.admit(written, True)
    outbox.admit(queued, False)
    outbox.lost(APIConnectionError("the connection was lost"))
    with pytest.raises(APIConnectionError, match="lost"):
        written.token.wait(0)
    assert outbox.release() == [queued]  # the queued one never left: it waits for the next connection


def test_the_sessions_own_calls_fail_rather_than_wait(outbox: Outbox) -> None:
    setup = call(1, bypass=True)
    assert outbox.admit(setup, False) is None and not outbox.queued
    with pytest.raises(APIConnectionError, match="closed"):
        setup.token.wait(0)
    unsent = call(2, bypass=True)
    outbox.admit(unsent, True)
    outbox.unsent(unsent)
    with pytest.raises(APIConnectionError):
        unsent.token.wait(0)


def test_a_forgotten_call_leaves_the_queue_and_the_pending_table(outbox: Outbox) -> None:
    queued, written = call(1), call(2)
    outbox.admit(queued, False)
    outbox.admit(written, True)
    outbox.forget(queued)
    outbox.forget(written)
    assert not outbox.queued and outbox.session.pending == {}


def test_stop_fails_every_call_written_or_waiting(outbox: Outbox) -> None:
    written, queued = call(1), call(2)
    outbox.admit(written, True)
    outbox.admit(queued, False)
    outbox.stop(APIConnectionError("the WebSocketClient was closed"))
    for each in (written, queued):
        with pytest.raises(APIConnectionError, match="closed"):
            each.token.wait(0)
    assert outbox.release() == []
