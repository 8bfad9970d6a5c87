"""The sans-I/O session keeper (``deribit_session_client.protocol``), driven without a socket: a
scripted exchange answers its frames. What a host relies on: the setup order, test_requests
answered in the same step, nothing sent twice, every call settled exactly once, the restore
after a drop, timeouts and token refresh from the time it is given."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deribit_session_client.errors import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    InvalidParamsError,
    OrderOutcomeUnknownError,
    SubscriptionRefusedError,
)
from deribit_session_client.protocol import (
    Answer,
    CallFailed,
    Error,
    LifecycleError,
    Notification,
    ReplaceConnection,
    SessionFailed,
    SessionProtocol,
    StateChanged,
)

SECRET = "proto-SECRET-1f0c"
T0 = 1_800_000_000.0


def keeper(**options: Any) -> SessionProtocol:
    settings: dict[str, Any] = {
        "client_id": "cid",
        "client_secret": SECRET,
        "heartbeat_interval": 10,
        "cancel_on_disconnect": "connection",
        **options,
    }
    return SessionProtocol(**settings)


class Exchange:
    """Answers frames as Deribit would (the methods the session sends), remembering each frame."""

    def __init__(
        self,
        refuse_auth: bool = False,
        refuse_channels: tuple[str, ...] = (),
        errors: dict[str, dict[str, Any]] | None = None,
        silent: tuple[str, ...] = (),
    ) -> None:
        self.refuse_auth = refuse_auth
        self.refuse_channels = refuse_channels
        self.errors = errors or {}  # method (or "refresh") -> the error it answers with
        self.silent = silent  # methods it never answers
        self.sent: list[dict[str, Any]] = []  # every frame the protocol sent, in order

    def take(self, proto: SessionProtocol) -> list[dict[str, Any]]:
        frames = [json.loads(f) for f in proto.data_to_send()]
        self.sent += frames
        return frames

    def answer(self, frame: dict[str, Any]) -> str:
        method, params = frame["method"], frame["params"]
        name = "refresh" if params.get("grant_type") == "refresh_token" else method
        if name in self.errors:
            return json.dumps({"jsonrpc": "2.0", "id": frame["id"], "error": self.errors[name]})
        result: Any = "ok"
        if method == "public/auth":
            if self.refuse_auth:
                error = {"code": 13004, "message": "invalid_credentials"}
                return json.dumps({"jsonrpc": "2.0", "id": frame["id"], "error": error})
            result = {"access_token": "tok-A", "refresh_token": "ref-B", "expires_in": 900, "scope": "session:x"}
        elif method == "public/test":
            result = {"version": "1.2.26"}
        elif method.endswith("/subscribe"):
            result = [c for c in params["channels"] if c not in self.refuse_channels]
        return json.dumps({"jsonrpc": "2.0", "id": frame["id"], "result": result})

    def serve(self, proto: SessionProtocol, now: float = T0) -> list[dict[str, Any]]:
        """Answers every frame until the protocol sends nothing more; returns those frames."""
        seen: list[dict[str, Any]] = []
        frames = self.take(proto)
        while frames:
            seen += frames
            for frame in frames:
                if "id" in frame and frame.get("method") and frame["method"] not in self.silent:
                    proto.receive(self.answer(frame), now)
            frames = self.take(proto)
        return seen


def methods(frames: list[dict[str, Any]]) -> list[str]:
    return [f["method"] for f in frames]


def test_the_first_connection_authenticates_then_sets_heartbeat_and_cod_then_sends_calls() -> None:
    proto, exchange = keeper(), Exchange()
    early = proto.call("public/get_time", now=T0)  # before any connection: it waits
    assert proto.data_to_send() == []

    proto.connected(T0)
    [auth] = exchange.take(proto)  # one step at a time: nothing else before auth's answer
    assert auth["method"] == "public/auth" and auth["params"]["grant_type"] == "client_signature"
    proto.receive(exchange.answer(auth), T0)
    frames = exchange.serve(proto)

    assert methods(frames) == ["public/set_heartbeat", "private/enable_cancel_on_disconnect", "public/get_time"]
    events = proto.events_received()
    assert StateChanged("ready") in events and Answer(early, "ok") in events
    assert events.index(StateChanged("ready")) < events.index(Answer(early, "ok"))
    assert proto.state == "ready"


def test_a_test_request_is_answered_in_the_same_step() -> None:
    proto, exchange = keeper(), Exchange()
    proto.connected(T0)
    exchange.serve(proto)

    proto.receive('{"jsonrpc": "2.0", "method": "heartbeat", "params": {"type": "test_request"}}', T0)

    [answer] = exchange.take(proto)
    assert answer["method"] == "public/test"
    proto.receive(exchange.answer(answer), T0)  # its answer is the session's own: no event
    assert [e for e in proto.events_received() if not isinstance(e, StateChanged)] == []


def test_a_drop_fails_what_went_out_keeps_what_waits_and_restores_before_it() -> None:
    proto, exchange = keeper(), Exchange()
    proto.connected(T0)
    exchange.serve(proto)
    proto.call("public/subscribe", {"channels": ["ticker.BTC-PERPETUAL.raw", "book.ETH.raw"]}, now=T0)
    exchange.serve(proto)
    in_flight = proto.call("private/buy", {"instrument_name": "BTC-PERPETUAL", "amount": 10}, now=T0)
    assert methods(exchange.take(proto)) == ["private/buy"]
    proto.events_received()

    proto.lost(T0 + 1)
    queued = proto.call("public/get_time", now=T0 + 1)
    assert proto.data_to_send() == []
    events = proto.events_received()
    [failed] = [e for e in events if isinstance(e, CallFailed)]
    assert failed.call_id == in_flight and isinstance(failed.error, APIConnectionError)
    assert StateChanged("reconnecting") in events

    proto.connected(T0 + 2)
    frames = exchange.serve(proto, T0 + 2)

    assert methods(frames) == [
        "public/auth",
        "public/set_heartbeat",
        "private/enable_cancel_on_disconnect",
        "public/subscribe",
        "public/get_time",  # the queued call, after the restore; the buy is never sent again
    ]
    assert frames[3]["params"] == {"channels": ["ticker.BTC-PERPETUAL.raw", "book.ETH.raw"]}
    assert methods(exchange.sent).count("private/buy") == 1
    assert Answer(queued, "ok") in proto.events_received()


def test_channels_refused_on_restore_are_dropped_and_reported() -> None:
    proto, exchange = keeper(), Exchange()
    proto.connected(T0)
    exchange.serve(proto)
    proto.call("public/subscribe", {"channels": ["a.1", "b.2"]}, now=T0)
    exchange.serve(proto)
    proto.lost(T0)
    exchange.refuse_channels = ("b.2",)

    proto.connected(T0)
    exchange.serve(proto)

    [error] = [e.error for e in proto.events_received() if isinstance(e, Error)]
    assert isinstance(error, SubscriptionRefusedError) and error.channels == ["b.2"]
    proto.lost(T0)
    exchange.refuse_channels = ()
    proto.connected(T0)
    restored = [f for f in exchange.serve(proto) if f["method"] == "public/subscribe"]
    assert restored[0]["params"] == {"channels": ["a.1"]}


def test_a_refused_authentication_fails_the_session_and_every_call() -> None:
    proto, exchange = keeper(), Exchange(refuse_auth=True)
    waiting = proto.call("public/get_time", now=T0)
    proto.connected(T0)
    exchange.serve(proto)

    events = proto.events_received()
    [failed] = [e for e in events if isinstance(e, SessionFailed)]
    assert isinstance(failed.error, AuthenticationError)
    assert any(isinstance(e, CallFailed) and e.call_id == waiting for e in events)
    assert proto.state == "failed"
    later = proto.call("public/get_time", now=T0)
    assert [e for e in proto.events_received() if isinstance(e, CallFailed)][0].call_id == later
    assert SECRET not in repr(proto) and SECRET not in repr(failed.error)


def test_timeouts_and_the_token_refresh_follow_the_time_given() -> None:
    proto, exchange = keeper(timeout=5.0), Exchange()
    proto.connected(T0)
    exchange.serve(proto)
    call_id = proto.call("public/get_time", now=T0)
    exchange.take(proto)  # sent, never answered
    assert proto.next_deadline() == T0 + 5.0

    proto.tick(T0 + 4.9)
    assert not [e for e in proto.events_received() if isinstance(e, CallFailed)]
    proto.tick(T0 + 5.0)
    [failed] = [e for e in proto.events_received() if isinstance(e, CallFailed)]
    assert failed.call_id == call_id and isinstance(failed.error, APITimeoutError)

    assert proto.next_deadline() == T0 + 900 * 0.8  # the refresh, at 80 % of expires_in
    proto.tick(T0 + 720)
    [refresh] = exchange.take(proto)
    assert refresh["method"] == "public/auth" and refresh["params"] == {
        "grant_type": "refresh_token",
        "refresh_token": "ref-B",
    }


def test_notifications_are_events_and_bad_frames_are_ignored() -> None:
    proto, exchange = keeper(), Exchange()
    proto.connected(T0)
    exchange.serve(proto)
    proto.events_received()
    message = {"jsonrpc": "2.0", "method": "subscription", "params": {"channel": "a.1", "data": {"p": 1}}}

    proto.receive("not json", T0)
    proto.receive(json.dumps(message), T0)

    [bad, notification] = proto.events_received()
    assert isinstance(bad, Error) and "not JSON" in str(bad.error)
    assert notification == Notification(message)


def test_a_host_that_breaks_the_rules_gets_a_lifecycle_error() -> None:
    proto = keeper()
    with pytest.raises(LifecycleError, match="connected"):
        proto.receive('{"jsonrpc": "2.0", "id": 1, "result": 1}', T0)
    proto.connected(T0)
    with pytest.raises(LifecycleError, match="lost"):
        proto.connected(T0)


def test_bad_options_and_parameters_are_typed_errors() -> None:
    with pytest.raises(ValueError, match="go together"):
        SessionProtocol(client_id="x")
    with pytest.raises(InvalidParamsError):
        keeper().call("public/test", {"x": float("nan")}, now=T0)
    with pytest.raises(InvalidParamsError):
        keeper().call("public/test", now=T0, timeout=-1)


def test_a_public_session_needs_no_credentials() -> None:
    proto, exchange = SessionProtocol(heartbeat_interval=15), Exchange()
    proto.connected(T0)
    assert methods(exchange.serve(proto)) == ["public/set_heartbeat"]
    assert proto.state == "ready"


def test_close_fails_every_waiting_call_once() -> None:
    proto = keeper()
    first = proto.call("public/get_time", now=T0)
    proto.close()
    proto.close()
    failed = [e for e in proto.events_received() if isinstance(e, CallFailed)]
    assert [f.call_id for f in failed] == [first] and proto.state == "closed"


# -- what a demanding user found (each failed before its fix) -------------------------------------

REFUSED = {"code": 13004, "message": "invalid_credentials"}


def test_the_token_is_refreshed_again_and_again() -> None:
    proto, exchange = keeper(), Exchange()
    proto.connected(T0)
    exchange.serve(proto)
    for round_ in range(1, 4):
        due = proto.next_deadline()
        assert due == T0 + round_ * 720  # 80 % of expires_in (900 s), from each answer
        proto.tick(due)
        assert [f["params"]["grant_type"] for f in exchange.serve(proto, due)] == ["refresh_token"]


def test_a_refused_refresh_authenticates_again_on_the_same_connection() -> None:
    proto, exchange = keeper(), Exchange(errors={"refresh": REFUSED})
    proto.connected(T0)
    exchange.serve(proto)
    order = proto.call("private/buy", {"amount": 10}, now=T0, timeout=None)
    exchange.take(proto)  # in flight, not answered yet
    proto.tick(T0 + 720)
    frames = exchange.serve(proto, T0 + 720)
    assert [f["params"]["grant_type"] for f in frames] == ["refresh_token", "client_signature"]
    events = proto.events_received()
    assert not any(isinstance(e, CallFailed) and e.call_id == order for e in events)  # the order stands
    assert proto.state == "ready"


def test_an_unanswered_setup_step_ends_in_replace_connection_after_the_timeout() -> None:
    proto, exchange = keeper(timeout=5.0), Exchange(silent=("public/auth",))
    proto.connected(T0)
    exchange.serve(proto)
    assert proto.next_deadline() == T0 + 5.0
    proto.tick(T0 + 5.0)
    assert any(isinstance(e, ReplaceConnection) for e in proto.events_received())


def test_an_unanswered_authentication_says_so_within_the_hosts_auth_timeout() -> None:
    # The host bounds authentication by what is left of its connect timeout; the error names
    # authentication (a host tells it from a slow call by the event, not by parsing a message).
    proto, exchange = keeper(timeout=5.0), Exchange(silent=("public/auth",))
    proto.connected(T0, auth_timeout=2.0)
    exchange.serve(proto)
    assert proto.next_deadline() == T0 + 2.0
    proto.tick(T0 + 2.0)
    [replace] = [e for e in proto.events_received() if isinstance(e, ReplaceConnection)]
    assert isinstance(replace.error, APITimeoutError)
    assert "authenticating did not finish in time: public/auth (id 1) got no answer within 2.0 s" in str(replace.error)


def test_a_first_setup_the_exchange_refuses_fails_the_session_instead_of_looping() -> None:
    proto, exchange = keeper(), Exchange(errors={"public/set_heartbeat": {"code": -32602, "message": "Invalid params"}})
    proto.connected(T0)
    exchange.serve(proto)
    assert any(isinstance(e, SessionFailed) for e in proto.events_received())
    assert proto.state == "failed"
    proto.lost(T0)
    with pytest.raises(LifecycleError, match="does not connect again"):
        proto.connected(T0)


@pytest.mark.parametrize("interval", [5, float("nan"), -1, "x", True])
def test_a_heartbeat_interval_the_exchange_would_refuse_is_a_value_error(interval: Any) -> None:
    with pytest.raises(ValueError, match="heartbeat_interval"):
        SessionProtocol(heartbeat_interval=interval)


def test_an_unsubscribe_sent_before_the_subscribes_answer_is_not_undone_on_reconnect() -> None:
    proto, exchange = keeper(), Exchange()
    proto.connected(T0)
    exchange.serve(proto)
    proto.call("public/subscribe", {"channels": ["a.1", "b.2"]}, now=T0)
    [subscribe] = exchange.take(proto)
    proto.call("public/unsubscribe", {"channels": ["a.1"]}, now=T0)
    [unsubscribe] = exchange.take(proto)
    proto.receive(exchange.answer(subscribe), T0)  # the subscribe's answer comes after
    proto.receive(exchange.answer(unsubscribe), T0)
    proto.lost(T0)
    proto.connected(T0)
    restored = [f for f in exchange.serve(proto) if f["method"] == "public/subscribe"]
    assert [f["params"]["channels"] for f in restored] == [["b.2"]]


def test_a_cancelled_call_is_never_sent_and_an_expired_one_is_failed_not_sent() -> None:
    proto, exchange = keeper(), Exchange()
    cancelled = proto.call("private/buy", {"amount": 1}, now=T0)
    expired = proto.call("private/buy", {"amount": 2}, now=T0, timeout=1.0)
    assert proto.cancel(cancelled) is True and proto.cancel(cancelled) is False
    proto.connected(T0 + 30)  # the outage outlived the second call's timeout
    frames = exchange.serve(proto, T0 + 30)
    assert "private/buy" not in methods(frames)
    events = proto.events_received()
    assert not any(getattr(e, "call_id", None) == cancelled for e in events)
    [failed] = [e for e in events if isinstance(e, CallFailed)]
    assert failed.call_id == expired and isinstance(failed.error, APITimeoutError)


def test_timeouts_fire_on_receive_too_so_a_busy_connection_cannot_starve_them() -> None:
    proto, exchange = keeper(timeout=1.0), Exchange()
    proto.connected(T0)
    exchange.serve(proto)
    late = proto.call("private/buy", {"amount": 1}, now=T0)
    exchange.take(proto)
    proto.receive('{"jsonrpc": "2.0", "method": "heartbeat", "params": {"type": "heartbeat"}}', T0 + 2)
    assert [e.call_id for e in proto.events_received() if isinstance(e, CallFailed)] == [late]


@pytest.mark.parametrize(
    ("method", "params", "now"),
    [("public/test", {}, float("nan")), ("public/test", {}, None), (42, {}, T0), ("public/test", [1, 2], T0)],
    ids=["nan-now", "no-now", "method-not-a-string", "params-not-a-mapping"],
)
def test_misuse_is_a_type_error(method: Any, params: Any, now: Any) -> None:
    with pytest.raises(TypeError):
        keeper().call(method, params, now=now)


def test_a_token_the_server_quotes_is_masked_in_replace_connection() -> None:
    quoted = {"code": 11050, "message": "heartbeat refused for tok-A"}  # (the token public/auth gave)
    proto2, exchange2 = keeper(), Exchange()
    proto2.connected(T0)
    exchange2.serve(proto2)
    proto2.lost(T0)
    exchange2.errors = {"public/set_heartbeat": quoted}
    proto2.connected(T0)
    exchange2.serve(proto2)
    [replace] = [e for e in proto2.events_received() if isinstance(e, ReplaceConnection)]
    assert "tok-A" not in replace.reason and "***" in replace.reason


# -- properties over random sequences ------------------------------------------------------------

USER_METHODS = ["public/get_time", "private/buy", "public/subscribe", "public/set_heartbeat"]
#: The order the setup puts things back in (the spec's x-connection-state order).
SETUP_RANK = {
    "public/auth": 0,
    "public/set_heartbeat": 1,
    "private/enable_cancel_on_disconnect": 2,
    "public/subscribe": 3,
}

ACTIONS = st.lists(
    st.one_of(
        st.just(("connect",)),
        st.just(("drop",)),
        st.just(("test_request",)),
        st.just(("collect",)),
        st.tuples(st.just("call"), st.sampled_from(USER_METHODS)),
        st.tuples(st.just("answer"), st.integers(min_value=0, max_value=5)),
        st.tuples(st.just("tick"), st.floats(min_value=0.0, max_value=30.0)),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ACTIONS, st.booleans())
def test_no_frame_twice_every_call_settled_once_and_the_setup_comes_first(
    actions: list[tuple[Any, ...]], collect_each_step: bool
) -> None:
    """Frames are collected after every step, or only now and then (``collect``): a host that
    sends later, so that losses and closes find frames not yet collected."""
    proto, exchange = keeper(timeout=10.0), Exchange()
    now = T0
    connected = False
    unanswered: list[dict[str, Any]] = []  # frames sent on this connection, not yet answered
    calls: list[int] = []
    settled: list[int] = []
    setup_frames: list[list[str]] = []  # per connection: what went out before it was ready
    firsts: dict[int, str] = {}  # connection -> the first frame it sent

    def collect() -> list[dict[str, Any]]:
        frames = exchange.take(proto)
        if connected:
            unanswered.extend(f for f in frames if "id" in f)
            sent = [f["method"] for f in frames if f["method"] != "public/test"]  # (answers may come first)
            if sent:
                firsts.setdefault(len(setup_frames), sent[0])
            if proto.state != "ready":  # still being set up: only the setup (and test_request answers)
                assert not [f for f in frames if f["method"] in ("public/get_time", "private/buy")]
                setup_frames[-1] += [f["method"] for f in frames if f["method"] != "public/test"]
        else:
            assert frames == []  # nothing is sent with no connection
        return frames

    def settle() -> None:
        for event in proto.events_received():
            if isinstance(event, (Answer, CallFailed)):
                settled.append(event.call_id)

    for action in actions:
        if action[0] == "connect" and not connected:
            connected = True
            setup_frames.append([])
            proto.connected(now)
        elif action[0] == "drop" and connected:
            connected = False
            unanswered.clear()
            proto.lost(now)
        elif action[0] == "test_request" and connected:
            proto.receive('{"jsonrpc": "2.0", "method": "heartbeat", "params": {"type": "test_request"}}', now)
            assert collect()[-1]["method"] == "public/test"  # answered in the same step
        elif action[0] == "collect":
            collect()
        elif action[0] == "call":
            params: dict[str, Any] = {"tag": len(calls)}  # (tells each call's frame apart)
            params = {"channels": ["c.1"]} if action[1] == "public/subscribe" else params
            params = {"interval": 10} if action[1] == "public/set_heartbeat" else params
            calls.append(proto.call(action[1], params, now=now))
        elif action[0] == "answer" and connected and unanswered:
            frame = unanswered.pop(action[1] % len(unanswered))
            proto.receive(exchange.answer(frame), now)
        elif action[0] == "tick":
            now += action[1]
            proto.tick(now)
        if collect_each_step:
            collect()
        settle()
    proto.close()
    collect()
    settle()
    assert proto.next_deadline() is None

    ids = [f["id"] for f in exchange.sent if "id" in f]
    assert len(ids) == len(set(ids))  # no frame (no request id) sent twice
    tags = [f["params"]["tag"] for f in exchange.sent if "tag" in f.get("params", {})]
    assert len(tags) == len(set(tags))  # no call sent again, even on a new connection
    assert sorted(settled) == sorted(calls)  # every call answered or failed, exactly once
    assert set(firsts.values()) <= {"public/auth"}  # every connection starts with authentication
    for names in setup_frames:  # each connection: authentication first, then the state in order
        if names:
            assert names[0] == "public/auth"
            ranks = [SETUP_RANK[name] for name in names]
            assert ranks == sorted(ranks)


# -- the engine's promises (each failed on e499af3) -----------------------------------------------

TEST_REQUEST = '{"jsonrpc": "2.0", "method": "heartbeat", "params": {"type": "test_request"}}'


def ready_keeper(**options: Any) -> tuple[SessionProtocol, Exchange]:
    proto, exchange = keeper(**options), Exchange()
    proto.connected(T0)
    exchange.serve(proto)
    proto.events_received()
    return proto, exchange


def test_a_frame_not_collected_before_a_loss_never_goes_out_and_its_call_waits_for_the_next_connection() -> None:
    proto, exchange = ready_keeper()
    order = proto.call("private/buy", {"amount": 10, "label": "o-1"}, now=T0)  # made, not collected
    proto.receive(TEST_REQUEST, T0)  # (its answer, not collected either)

    proto.lost(T0 + 1)

    events = proto.events_received()
    assert not any(isinstance(e, CallFailed) and e.call_id == order for e in events)  # it never left
    proto.connected(T0 + 2)
    frames = exchange.serve(proto, T0 + 2)
    assert methods(frames)[0] == "public/auth"  # the new connection starts with authentication
    assert methods(frames).count("private/buy") == 1 and methods(frames)[-1] == "private/buy"
    assert "public/test" not in methods(frames)  # the old connection's test_request answer is gone
    assert Answer(order, "ok") in proto.events_received()


def test_no_frame_goes_out_after_close_and_cancel_tells_the_truth() -> None:
    proto, _ = ready_keeper()
    order = proto.call("private/buy", {"amount": 10}, now=T0)  # made, not collected
    proto.close()
    assert proto.data_to_send() == []
    [failed] = [e for e in proto.events_received() if isinstance(e, CallFailed)]
    assert failed.call_id == order and isinstance(failed.error, APIConnectionError)
    assert proto.cancel(order) is False  # already settled (its event says it never left)


def test_cancel_before_collection_takes_the_frame_back() -> None:
    proto, exchange = ready_keeper()
    order = proto.call("private/buy", {"amount": 10}, now=T0)
    assert proto.cancel(order) is True
    assert exchange.take(proto) == []


def test_next_deadline_is_none_once_the_session_is_closed_or_failed() -> None:
    proto, exchange = ready_keeper(timeout=5.0)
    proto.call("public/get_time", now=T0)
    exchange.take(proto)
    assert proto.next_deadline() is not None
    proto.close()
    assert proto.next_deadline() is None
    proto.tick(T0 + 10_000)  # nothing due: no event, no frame
    assert proto.data_to_send() == [] and proto.next_deadline() is None

    refused, exchange2 = keeper(), Exchange(refuse_auth=True)
    refused.connected(T0)
    exchange2.serve(refused)
    assert refused.state == "failed" and refused.next_deadline() is None


@pytest.mark.parametrize("rpc_id", ["true", "false", '"1"', "1.0"])
def test_an_answer_whose_id_is_not_the_calls_int_settles_nothing(rpc_id: str) -> None:
    proto, exchange = SessionProtocol(), Exchange()  # (public, nothing to set up: the call is id 1)
    proto.connected(T0)
    asked = proto.call("public/get_time", now=T0)
    [frame] = exchange.take(proto)
    proto.receive(f'{{"jsonrpc": "2.0", "id": {rpc_id}, "result": 1}}', T0)
    assert not [e for e in proto.events_received() if isinstance(e, (Answer, CallFailed))]
    proto.receive(exchange.answer(frame), T0)
    assert Answer(asked, "ok") in proto.events_received()


def test_bool_ids_never_match_call_one() -> None:
    proto, exchange = keeper(), Exchange()
    first = proto.call("public/get_time", now=T0)  # before the connection: it waits
    proto.connected(T0)
    [auth] = exchange.take(proto)
    assert auth["id"] == 1
    proto.receive('{"jsonrpc": "2.0", "id": true, "result": {"access_token": "x"}}', T0)
    assert exchange.take(proto) == []  # true is not 1: authentication still waits for its answer
    proto.receive(exchange.answer(auth), T0)
    exchange.serve(proto)
    assert Answer(first, "ok") in proto.events_received()


@pytest.mark.parametrize(
    "frame",
    [
        "not json",
        "[1, 2]",
        '{"jsonrpc": "2.0", "id": 1}',
        '{"jsonrpc": "2.0", "method": 5}',
        '{"jsonrpc": "2.0", "method": "heartbeat", "params": "x"}',
        b"\xff\xfe",
        '{"jsonrpc": "2.0", "id": 999, "error": "no"}',
        "[" * 100_000,
    ],
    ids=["not-json", "array", "no-result", "method-int", "params-str", "bytes", "unknown-id", "deep"],
)
def test_receive_never_raises_on_what_a_server_sends(frame: str | bytes) -> None:
    proto, exchange = ready_keeper()
    proto.receive(frame, T0)
    assert proto.state == "ready"
    for event in proto.events_received():
        assert isinstance(event, (Error, Notification))  # (a frame with a method is a notification)
    asked = proto.call("public/get_time", now=T0)
    exchange.serve(proto)
    assert Answer(asked, "ok") in proto.events_received()


@pytest.mark.parametrize("result", [[{"channel": "g.a"}], [["g.a"]], "ok", None, {"g.a": 1}])
def test_a_malformed_restore_answer_is_a_refused_restore_not_a_raise_or_a_loop(result: Any) -> None:
    proto, exchange = ready_keeper()
    proto.call("public/subscribe", {"channels": ["g.a", "g.b"]}, now=T0)
    exchange.serve(proto)
    assert proto.channels == ["g.a", "g.b"]
    proto.lost(T0)
    proto.connected(T0)  # the restore's subscribe is answered with `result`
    frames = exchange.take(proto)
    while frames:
        for frame in frames:
            if frame["method"] == "public/subscribe":
                proto.receive(json.dumps({"jsonrpc": "2.0", "id": frame["id"], "result": result}), T0)
            else:
                proto.receive(exchange.answer(frame), T0)
        frames = exchange.take(proto)
    events = proto.events_received()
    assert proto.state == "ready"
    assert not any(isinstance(e, (ReplaceConnection, SessionFailed)) for e in events)
    [refused] = [e.error for e in events if isinstance(e, Error)]
    assert isinstance(refused, SubscriptionRefusedError) and refused.channels == ["g.a", "g.b"]
    assert proto.channels == []


def test_a_restore_refused_with_13009_drops_the_channels_and_the_session_goes_on() -> None:
    proto, exchange = ready_keeper()
    proto.call("private/subscribe", {"channels": ["user.orders.any.any.raw"]}, now=T0)
    exchange.serve(proto)
    proto.lost(T0)
    exchange.errors = {"private/subscribe": {"code": 13009, "message": "unauthorized"}}
    proto.connected(T0)
    exchange.serve(proto)
    events = proto.events_received()
    assert proto.state == "ready" and not any(isinstance(e, SessionFailed) for e in events)
    [refused] = [e.error for e in events if isinstance(e, Error)]
    assert isinstance(refused, SubscriptionRefusedError) and isinstance(refused.cause, AuthenticationError)


def test_replace_connection_carries_the_error_and_the_failure_outlives_close() -> None:
    proto, exchange = ready_keeper()
    proto.lost(T0)
    exchange.errors = {"public/set_heartbeat": {"code": 10028, "message": "too_many_requests"}}
    proto.connected(T0)
    exchange.serve(proto)
    [replace] = [e for e in proto.events_received() if isinstance(e, ReplaceConnection)]
    from deribit_session_client.errors import RateLimitError

    assert isinstance(replace.error, RateLimitError) and replace.error.code == 10028

    refused, exchange2 = keeper(), Exchange(refuse_auth=True)
    refused.connected(T0)
    exchange2.serve(refused)
    refused.close()
    assert isinstance(refused.failure, AuthenticationError) and refused.state == "closed"


def test_the_internals_are_private() -> None:
    proto = keeper()
    for name in ("session", "out", "life", "credentials"):
        assert not hasattr(proto, name)
    assert SECRET not in repr(proto)


def test_the_silence_limit_replaces_a_connection_that_hears_nothing() -> None:
    proto, exchange = ready_keeper(hung_after="heartbeats")  # heartbeat 10 s: 20 s of silence
    assert proto.next_deadline() == T0 + 20
    proto.receive(TEST_REQUEST, T0 + 15)
    exchange.take(proto)
    proto.tick(T0 + 34.9)
    assert not any(isinstance(e, ReplaceConnection) for e in proto.events_received())
    proto.tick(T0 + 35)
    [replace] = [e for e in proto.events_received() if isinstance(e, ReplaceConnection)]
    assert isinstance(replace.error, APIConnectionError) and "nothing received for 20.0 s" in replace.reason
    proto.tick(T0 + 60)  # told once per connection
    assert not any(isinstance(e, ReplaceConnection) for e in proto.events_received())
    quiet, _ = ready_keeper()  # (no limit unless asked: the host's keepalive watches)
    assert quiet.next_deadline() == T0 + 720


def test_a_call_whose_timeout_passes_before_collection_never_goes_out() -> None:
    proto, exchange = ready_keeper(timeout=1.0)
    order = proto.call("private/buy", {"amount": 10}, now=T0)  # made, not collected
    proto.tick(T0 + 1.0)
    [failed] = [e for e in proto.events_received() if isinstance(e, CallFailed)]
    assert failed.call_id == order and isinstance(failed.error, APITimeoutError)
    assert exchange.take(proto) == []


# -- orders: outcome unknown, and what a lost connection had (engine/orders.py) ---------------------


def _placed(frame: dict[str, Any], state: str = "open") -> str:
    order = {
        "order_id": f"BTC-{frame['id']}",
        "order_state": state,
        "label": frame["params"].get("label", ""),
        "instrument_name": frame["params"]["instrument_name"],
    }
    return json.dumps({"jsonrpc": "2.0", "id": frame["id"], "result": {"order": order, "trades": []}})


def test_a_lost_connection_reports_its_open_orders_and_its_order_calls_in_flight() -> None:
    proto, exchange = ready_keeper()  # (connection-scope cancel-on-disconnect on)
    for label in ("a", "b", "c"):
        proto.call("private/buy", {"instrument_name": "BTC-PERPETUAL", "amount": 10, "label": label}, now=T0)
    ids = {}
    for frame in exchange.take(proto):
        proto.receive(_placed(frame), T0)
        ids[frame["params"]["label"]] = f"BTC-{frame['id']}"
    cancelled = {"order_id": ids["b"], "order_state": "cancelled"}  # "b": closed by a notification
    note = {
        "jsonrpc": "2.0",
        "method": "subscription",
        "params": {"channel": "user.orders.BTC-PERPETUAL.raw", "data": cancelled},
    }
    proto.receive(json.dumps(note), T0)
    in_flight = proto.call("private/sell", {"instrument_name": "BTC-PERPETUAL", "amount": 1, "label": "d"}, now=T0)
    never_sent = proto.call("private/buy", {"instrument_name": "BTC-PERPETUAL", "amount": 1, "label": "e"}, now=T0)
    proto.cancel(never_sent)  # cancelled by its caller before it was collected: it never goes
    assert methods(exchange.take(proto)) == ["private/sell"]  # collected: it may reach the exchange
    proto.events_received()
    proto.lost(T0)
    [failed] = [e for e in proto.events_received() if isinstance(e, CallFailed)]
    assert failed.call_id == in_flight and isinstance(failed.error, OrderOutcomeUnknownError)
    assert (failed.error.label, failed.error.cancel_on_disconnect) == ("d", True)
    assert [(o["order_id"], o["label"], o["after_disconnect"]) for o in proto.lost_orders] == [
        (ids["a"], "a", "cancelled by the exchange"),
        (ids["c"], "c", "cancelled by the exchange"),
        (None, "d", "unknown"),
    ]
    proto.connected(T0)  # the next connection counts its own orders only
    exchange.serve(proto)
    proto.lost(T0)
    assert proto.lost_orders == []


def test_without_cancel_on_disconnect_a_lost_connections_orders_are_still_live() -> None:
    proto, exchange = ready_keeper(cancel_on_disconnect=None)
    proto.call("private/buy", {"instrument_name": "ETH-PERPETUAL", "amount": 1}, now=T0)
    [frame] = exchange.take(proto)
    proto.receive(_placed(frame), T0)
    proto.lost(T0)
    assert proto.lost_orders == [
        {
            "order_id": f"BTC-{frame['id']}",
            "label": "",
            "instrument_name": "ETH-PERPETUAL",
            "method": "private/buy",
            "after_disconnect": "still live",
        }
    ]


def test_a_call_that_is_not_an_order_keeps_a_plain_error_when_in_flight() -> None:
    proto, exchange = ready_keeper()
    sent = proto.call("public/test", now=T0)
    exchange.take(proto)
    proto.lost(T0)
    [failed] = [e for e in proto.events_received() if isinstance(e, CallFailed)]
    assert failed.call_id == sent and type(failed.error) is APIConnectionError


def test_an_order_frame_whose_write_failed_has_an_unknown_outcome_and_is_reported() -> None:
    proto, _ = ready_keeper()
    made = proto.call("private/sell", {"instrument_name": "BTC-PERPETUAL", "amount": 1, "label": "w"}, now=T0)
    [(frame, call)] = proto.frames()  # collected: the host's socket then raises while writing it
    assert call is not None and json.loads(frame)["method"] == "private/sell"
    assert proto.withdraw(call, APIConnectionError("private/sell: writing it failed (OSError)")) is False
    [failed] = [e for e in proto.events_received() if isinstance(e, CallFailed)]
    assert failed.call_id == made and isinstance(failed.error, OrderOutcomeUnknownError)
    proto.lost(T0)
    assert [(o["label"], o["method"], o["after_disconnect"]) for o in proto.lost_orders] == [
        ("w", "private/sell", "unknown")
    ]


def test_a_refused_cancel_all_forgets_no_order_and_a_cancel_in_flight_leaves_its_order_unknown() -> None:
    proto, exchange = ready_keeper(cancel_on_disconnect=None)
    proto.call("private/buy", {"instrument_name": "BTC-PERPETUAL", "amount": 1, "label": "kept"}, now=T0)
    proto.call("private/buy", {"instrument_name": "BTC-PERPETUAL", "amount": 1, "label": "cancelling"}, now=T0)
    ids = {}
    for frame in exchange.take(proto):
        proto.receive(_placed(frame), T0)
        ids[frame["params"]["label"]] = f"BTC-{frame['id']}"
    proto.call("private/cancel_all", now=T0)
    [refused] = exchange.take(proto)
    error = {"code": 10028, "message": "too_many_requests"}
    proto.receive(json.dumps({"jsonrpc": "2.0", "id": refused["id"], "error": error}), T0)
    proto.call("private/cancel", {"order_id": ids["cancelling"]}, now=T0)
    exchange.take(proto)  # in flight at the loss
    proto.lost(T0)
    assert {o["label"]: o["after_disconnect"] for o in proto.lost_orders} == {
        "kept": "still live",
        "cancelling": "unknown",
    }


def test_a_method_name_with_a_leading_slash_gets_its_methods_rules() -> None:
    proto, exchange = ready_keeper()
    proto.call("/private/buy", {"instrument_name": "BTC-PERPETUAL", "amount": 1, "label": "s"}, now=T0)
    [frame] = exchange.take(proto)
    assert frame["method"] == "private/buy"
    proto.lost(T0)
    [failed] = [e for e in proto.events_received() if isinstance(e, CallFailed)]
    assert isinstance(failed.error, OrderOutcomeUnknownError)
