"""WebSocketClient against the mock exchange process: every operation over WebSocket,
authentication, heartbeats answered while the user's thread or loop is busy, reconnects that
restore the session, secrets, and clean closing.

The mock runs at a time scale of 0.01 where heartbeats matter: `heartbeat_interval=10` means a
heartbeat every 0.1 s. Waits on the mock are bounded polls (`wait_until`, 10 s), never fixed
sleeps, so the tests hold on a loaded machine; where a test must let time pass (a blocked
user thread), it waits five heartbeat intervals and asserts on what the mock counted.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from deribit_mock.process import MockServer
from deribit_session_client import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    InvalidParamsError,
    MethodNotFoundError,
    WebSocketClient,
)
from deribit_session_client.api.authentication import auth
from deribit_session_client.api.session_management import (
    disable_cancel_on_disconnect,
    disable_heartbeat,
    enable_cancel_on_disconnect,
    get_cancel_on_disconnect,
    set_heartbeat,
)
from deribit_session_client.api.supporting import test as public_test
from deribit_session_client.models import CancelOnDisconnectResponse, OkResponse, TestResponse

from .conftest import ACCESS_TOKEN, CLIENT_ID, CLIENT_SECRET, credentials, wait_until
from .hostile import HostileServer, answers_tests, auth_result

WAIT = 10.0
SCALE = 0.03  # heartbeat_interval=10 -> 0.3 s at the mock
INTERVAL = 10 * SCALE


def ws_client(mock: MockServer, **options: Any) -> WebSocketClient:
    return WebSocketClient(mock.ws_url, **credentials(**options))


def drop(mock: MockServer, ws: WebSocketClient) -> None:
    """Drop the connection and wait until the client has noticed (a call made before that
    goes out on the dying connection and rightly raises APIConnectionError)."""
    before = ws.stats["reconnects"]
    mock.drop()
    wait_until(lambda: ws.stats["reconnects"] > before or ws.stats["state"] != "ready", "the client to notice")


def events(mock: MockServer, kind: str | None = None) -> list[dict[str, Any]]:
    return [e for e in mock.events() if kind is None or e["event"] == kind]


def ws_log(mock: MockServer) -> list[tuple[int, str]]:
    return [(r["connection"], r["method"]) for r in mock.requests() if r.get("transport") == "websocket"]


@pytest.fixture(autouse=True)
def _no_keeper_left() -> Iterator[None]:
    yield
    wait_until(
        lambda: not [t for t in threading.enumerate() if t.name.startswith("deribit-session")], "threads to end", 5
    )


# -- every operation, sync and async ----------------------------------------------------------------

CALLS: list[tuple[Any, dict[str, Any], type[Any]]] = [
    (set_heartbeat, {"interval": 30}, OkResponse),
    (disable_heartbeat, {}, OkResponse),
    (enable_cancel_on_disconnect, {"scope": "connection"}, OkResponse),
    (disable_cancel_on_disconnect, {"scope": "account"}, OkResponse),
    (get_cancel_on_disconnect, {"scope": "connection"}, CancelOnDisconnectResponse),
    (public_test, {}, TestResponse),
]


@pytest.mark.parametrize(("module", "kwargs", "model"), CALLS, ids=[c[0].__name__.rsplit(".", 1)[1] for c in CALLS])
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_every_operation_works_over_websocket(
    mock: MockServer, module: Any, kwargs: dict[str, Any], model: type[Any], mode: str
) -> None:
    if mode == "sync":
        with ws_client(mock) as ws:
            result = module.sync(client=ws, **kwargs)
    else:

        async def run() -> Any:
            async with ws_client(mock) as ws:
                return await module.asyncio(client=ws, **kwargs)

        result = asyncio.run(run())
    assert isinstance(result, model) and result.jsonrpc == "2.0"
    name = module.__name__.rsplit(".", 1)[1]
    sent = [m for _, m in ws_log(mock)]
    assert sent[-1] == {"test": "public/test"}.get(name, sent[-1]) and sent[0] == "public/auth"


def test_typed_errors_come_by_json_rpc_code(mock: MockServer) -> None:
    with ws_client(mock) as ws:
        with pytest.raises(InvalidParamsError) as client_side:
            set_heartbeat.sync(client=ws, interval=5)
        with pytest.raises(InvalidParamsError) as server_side:
            ws.call("public/set_heartbeat", {"interval": 5})
        with pytest.raises(MethodNotFoundError):
            ws.call("public/no_such_method")
        with pytest.raises(APIError) as exception:
            public_test.sync(client=ws, expected_result="exception")
        assert ws.call("public/test") == {"version": "1.2.26"}
    assert (
        client_side.value.data == server_side.value.data == {"param": "interval", "reason": "must not be less than 10"}
    )
    assert server_side.value.status_code is None and exception.value.code == 11094


def test_detailed_gives_the_raw_frame(mock: MockServer) -> None:
    with ws_client(mock) as ws:
        ok = public_test.sync_detailed(client=ws)
        refused = set_heartbeat.sync_detailed(client=ws, interval=10)
        bad = get_cancel_on_disconnect.sync_detailed(client=ws, scope="connection")
    assert ok.status_code == 200 and isinstance(ok.parsed, TestResponse) and b'"1.2.26"' in ok.content
    assert refused.status_code == 200 and isinstance(refused.parsed, OkResponse)
    assert bad.status_code == 200 and bad.headers == {}


def test_any_method_through_call_and_call_async(mock: MockServer) -> None:
    async def run(ws: WebSocketClient) -> Any:
        return await ws.call_async("private/get_cancel_on_disconnect", {"scope": "account"})

    with ws_client(mock) as ws:
        assert ws.call("private/get_cancel_on_disconnect", {"scope": "account"}) == {
            "scope": "account",
            "enabled": False,
        }
        assert asyncio.run(run(ws)) == {"scope": "account", "enabled": False}
        assert asyncio.run(run(ws)) == {"scope": "account", "enabled": False}  # a second event loop


# -- authentication -------------------------------------------------------------------------------


def _auth_params(mock: MockServer) -> dict[str, Any]:
    [first] = [r for r in mock.requests() if r.get("method") == "public/auth"][:1]
    params: dict[str, Any] = first["params"]
    return params


def test_by_default_the_client_signs_and_the_secret_never_leaves(mock: MockServer) -> None:
    with ws_client(mock) as ws:
        assert get_cancel_on_disconnect.sync(client=ws).result.enabled is False
    params = _auth_params(mock)
    assert params["grant_type"] == "client_signature" and "client_secret" not in params
    assert params["signature"] == "***"  # (masked by the mock's log)


def test_client_credentials_on_request(mock: MockServer) -> None:
    with ws_client(mock, auth="client_credentials") as ws:
        assert get_cancel_on_disconnect.sync(client=ws).result.enabled is False
    assert _auth_params(mock)["grant_type"] == "client_credentials"


def test_a_given_access_token_goes_with_each_private_call(mock: MockServer) -> None:
    with WebSocketClient(mock.ws_url, access_token=ACCESS_TOKEN) as ws:
        assert get_cancel_on_disconnect.sync(client=ws).result.enabled is False
        assert public_test.sync(client=ws).result.version == "1.2.26"
    log = [r for r in mock.requests() if r.get("transport") == "websocket"]
    assert [r["method"] for r in log] == ["private/get_cancel_on_disconnect", "public/test"]
    assert log[0]["params"]["access_token"] == "***" and "access_token" not in log[1]["params"]


def test_a_session_scope_is_passed_through(mock: MockServer) -> None:
    with ws_client(mock, session_name="desk-1", scope="account:read_write") as ws:
        ws.call("public/test")
    assert _auth_params(mock)["scope"] == "account:read_write session:desk-1"


def test_a_wrong_secret_raises_authentication_error_from_enter_at_once(mock: MockServer) -> None:
    started = time.monotonic()
    with pytest.raises(AuthenticationError) as caught:
        with ws_client(mock, client_secret="wrong-secret"):
            pass
    assert time.monotonic() - started < 5
    assert caught.value.code == 13004
    assert len(events(mock, "opened")) == 1  # no retry loop


def test_an_expired_token_raises_authentication_error(mock: MockServer) -> None:
    mock.time_scale(0.01)
    with ws_client(mock, scope="expires:100") as first:
        token = auth.sync(
            client=first,
            grant_type="client_credentials",
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            scope="session:t expires:100",
        ).result.access_token
    time.sleep(1.2)  # the token lives 1 s at this scale
    with WebSocketClient(mock.ws_url, access_token=token) as ws:
        with pytest.raises(AuthenticationError) as caught:
            get_cancel_on_disconnect.sync(client=ws)
    assert "expired" in caught.value.data["reason"]


def test_an_unreachable_url_raises_api_connection_error_within_the_connect_timeout() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(APIConnectionError):
        with WebSocketClient(f"ws://127.0.0.1:{port}/ws/api/v2", connect_timeout=1.0):
            pass
    assert time.monotonic() - started < 1.0 + 2.0  # margin for a loaded machine


# -- the keeper answers heartbeats whatever the user does ------------------------------------------


# The busy-user tests run at time scale 0.1 (a 1 s interval, and so a 1 s deadline for
# each answer): margin for a machine loaded by other processes, which must not be mistaken for
# the user's own thread being busy.
BUSY_SCALE = 0.1
BUSY_INTERVAL = 10 * BUSY_SCALE


def _settled(stats: dict[str, Any]) -> dict[str, Any] | None:
    done = stats["test_requests_answered"] + stats["test_requests_missed"] == stats["test_requests_sent"]
    return stats if done else None


def _busy_user(mock: MockServer, block: Callable[[WebSocketClient], None]) -> dict[str, Any]:
    mock.time_scale(BUSY_SCALE)
    with ws_client(mock, heartbeat_interval=10, cancel_on_disconnect="connection") as ws:
        block(ws)
        # A test_request sent just before the block ended may still be on its way back.
        stats: dict[str, Any] = wait_until(lambda: _settled(mock.heartbeats()), "the last answer to arrive")
        [conn] = mock.connections()
    assert events(mock, "test_request_missed") == []
    assert [e["reason"] for e in events(mock, "cancel_on_disconnect")] == ["closed by the client (code 1000)"]
    assert conn["cancel_on_disconnect"] is True
    return stats


def test_a_sleeping_user_thread_loses_no_test_request(mock: MockServer) -> None:
    stats = _busy_user(mock, lambda ws: time.sleep(5 * BUSY_INTERVAL))
    assert stats["test_requests_sent"] >= 1
    assert stats["test_requests_answered"] == stats["test_requests_sent"] and stats["test_requests_missed"] == 0


def test_a_user_thread_spinning_in_pure_python_loses_no_test_request(mock: MockServer) -> None:
    def spin(ws: WebSocketClient) -> None:
        until = time.monotonic() + 5 * BUSY_INTERVAL
        n = 0
        while time.monotonic() < until:
            n += sum(i * i for i in range(200))

    stats = _busy_user(mock, spin)
    assert stats["test_requests_sent"] >= 1
    assert stats["test_requests_answered"] == stats["test_requests_sent"]


def test_a_blocked_user_event_loop_loses_no_test_request(mock: MockServer) -> None:
    mock.time_scale(BUSY_SCALE)

    async def user() -> None:
        async with ws_client(mock, heartbeat_interval=10, cancel_on_disconnect="connection") as ws:
            await public_test.asyncio(client=ws)
            time.sleep(5 * BUSY_INTERVAL)  # blocks this loop: nothing of the client runs on it
            await public_test.asyncio(client=ws)
            await asyncio.to_thread(wait_until, lambda: _settled(mock.heartbeats()), "the last answer to arrive")

    asyncio.run(user())
    stats = mock.heartbeats()
    assert stats["test_requests_sent"] >= 1 and stats["test_requests_answered"] == stats["test_requests_sent"]
    assert events(mock, "test_request_missed") == []


def test_test_request_answers_count_in_stats(mock: MockServer) -> None:
    # test_requests sent on demand, each with the unscaled 10 s to answer: no race with a
    # paused process, and the count is exact
    with ws_client(mock, heartbeat_interval=10) as ws:
        assert ws.stats["test_requests_answered"] == 0 and ws.stats["last_test_request_answer_ms"] is None
        for n in (1, 2):
            mock.send_test_request()
            wait_until(lambda n=n: ws.stats["test_requests_answered"] == n, "the answer")  # type: ignore[misc]
        stats = ws.stats
    assert stats["test_requests_answered"] == 2 and stats["connects"] == 1
    assert isinstance(stats["last_test_request_answer_ms"], float) and stats["last_test_request_answer_ms"] >= 0
    # Both answers reached the exchange (its log; the client counts an answer when it writes it).
    # (Not the mock's answered counter: it counts an answer only while a test_request is
    # pending, and under make test-stress its own ticker's test_request can take that slot.)
    wait_until(
        lambda: len([r for r in mock.requests() if r.get("method") == "public/test"]) >= 2, "both answers at the mock"
    )


# -- settings and callbacks -------------------------------------------------------------------------


def test_a_frame_over_32_kb_is_refused_before_sending(mock: MockServer) -> None:
    with ws_client(mock) as ws:
        with pytest.raises(InvalidParamsError, match="32 kB"):
            ws.call("public/test", {"pad": "x" * 40_000})
    assert [m for _, m in ws_log(mock)] == ["public/auth"]


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_call_without_an_answer_times_out(mock: MockServer, kind: str) -> None:
    mock.ws_faults({"method": "public/test", "action": "ignore"})  # (each fault is used once)
    with ws_client(mock) as ws:
        started = time.monotonic()
        with pytest.raises(APITimeoutError, match=r"public/test \(id \d+\) got no answer within 0.3 s"):
            if kind == "sync":
                public_test.sync(client=ws, timeout=0.3)
            else:
                asyncio.run(public_test.asyncio(client=ws, timeout=0.3))
        assert 0.3 <= time.monotonic() - started < 0.3 + 2.0  # (2 s: margin for a loaded machine)
        assert public_test.sync(client=ws).result.version == "1.2.26"  # the connection is fine


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_notifications_reach_on_notification(mock: MockServer, kind: str) -> None:
    seen: list[dict[str, Any]] = []

    def on_sync(message: dict[str, Any]) -> None:
        seen.append(message)

    async def on_async(message: dict[str, Any]) -> None:
        await asyncio.sleep(0)
        seen.append(message)

    with ws_client(mock, on_notification=on_sync if kind == "sync" else on_async) as ws:
        ws.call("public/test")
        mock.notify({"channel": "user.orders", "data": {"id": 1}})
        wait_until(lambda: seen, "the notification")
    assert seen[0]["params"] == {"channel": "user.orders", "data": {"id": 1}}


def test_a_fragmented_message_and_the_frames_behind_it_arrive_whole_and_in_order(mock: MockServer) -> None:
    # Whole frames are handled as they are parsed; a fragmented message goes through websockets'
    # own queue, and so must every frame that arrives while it waits there.
    seen: list[int] = []
    with ws_client(mock, on_notification=lambda m: seen.append(m["params"]["n"])) as ws:
        ws.call("public/test")
        mock.notify([{"n": 1, "pad": "x" * 300}, {"n": 2}, {"n": 3}], fragments=4)
        mock.notify({"n": 4})
        wait_until(lambda: len(seen) == 4, "four notifications")
        assert seen == [1, 2, 3, 4]
        mock.notify({"n": 5})  # and whole frames go the direct way again, still in order
        wait_until(lambda: len(seen) == 5, "the fifth")
        assert seen == [1, 2, 3, 4, 5]
        assert public_test.sync(client=ws).result.version == "1.2.26"


@pytest.mark.parametrize("behind_a_fragmented_message", [False, True])
def test_a_frame_that_cannot_be_handled_is_logged_and_the_connection_goes_on(
    caplog: pytest.LogCaptureFixture, behind_a_fragmented_message: bool
) -> None:
    # The same outcome whichever way the frame came: straight from the parser, or through
    # websockets' queue behind a fragmented message. (A server of the test's own: the mock
    # sends only what the exchange would.)
    seen: list[int] = []
    server = HostileServer(lambda m, p: auth_result() if m == "public/auth" else answers_tests(m, p))
    try:
        with WebSocketClient(server.url, **credentials(on_notification=lambda m: seen.append(m["params"]["n"]))) as ws:
            first = '{"jsonrpc": "2.0", "method": "subscription", "params": {"n": 1, "pad": "' + "x" * 300 + '"}}'
            if behind_a_fragmented_message:
                server.send_to_all([first[:100], first[100:200], first[200:]])  # one message in three frames
            else:
                server.send_to_all(first)
            server.send_to_all('{"jsonrpc": "2.0", "method": [not json')
            server.send_to_all('{"jsonrpc": "2.0", "method": "subscription", "params": {"n": 3}}')
            wait_until(lambda: seen == [1, 3], "the frames around the broken one")
            assert ws.call("public/test", timeout=5) == {"version": "1.2.26"}
            assert ws.stats["state"] == "ready" and ws.stats["reconnects"] == 0
    finally:
        server.close()
    assert "Dropped a frame that is not JSON-RPC" in caplog.text


def _markers(mock: MockServer) -> list[dict[str, Any]]:
    return [r for r in mock.requests() if r.get("params", {}).get("expected_result") == "marker"]


def test_a_call_whose_frame_was_written_when_the_connection_died_is_not_sent_again(mock: MockServer) -> None:
    # The frame reached the server, which dropped the connection before answering: the call may
    # have run, so it fails and is never repeated on the next connection.
    with ws_client(mock) as ws:
        ws.call("public/test")
        mock.ws_faults({"method": "public/test", "action": "drop"})
        with pytest.raises(APIConnectionError, match="connection was lost"):
            ws.call("public/test", {"expected_result": "marker"}, timeout=5)
        wait_until(lambda: ws.stats["reconnects"] == 1, "the reconnect")
        ws.call("public/test")  # a call after it: the log is complete up to here
    assert len(_markers(mock)) == 1  # written once, on the connection that then died


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_call_whose_caller_gives_up_while_the_client_reconnects_is_not_sent(mock: MockServer, kind: str) -> None:
    with ws_client(mock) as ws:
        ws.call("public/test")
        mock.ws_faults({"method": "public/auth", "action": "delay", "seconds": 2.0})  # a slow restore
        mock.drop()
        wait_until(lambda: ws.stats["state"] == "reconnecting", "the client to notice")
        if kind == "sync":
            with pytest.raises(APITimeoutError, match="not ready"):
                ws.call("public/test", {"expected_result": "marker"}, timeout=0.3)
        else:

            async def cancelled() -> None:
                task = asyncio.ensure_future(ws.call_async("public/test", {"expected_result": "marker"}, timeout=30))
                await asyncio.sleep(0.3)  # it waits for the restore
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task

            asyncio.run(cancelled())
        wait_until(lambda: ws.stats["reconnects"] == 1 and ws.stats["state"] == "ready", "the restore")
        ws.call("public/test")  # after the restore: the calls that waited went out before this one
    assert _markers(mock) == []


def test_a_call_made_while_reconnecting_goes_out_after_the_restore(mock: MockServer) -> None:
    with ws_client(mock, heartbeat_interval=30) as ws:
        ws.call("public/test")
        mock.ws_faults({"method": "public/auth", "action": "delay", "seconds": 0.5})
        mock.drop()
        wait_until(lambda: ws.stats["state"] == "reconnecting", "the client to notice")
        assert ws.call("public/test", timeout=10) == {"version": "1.2.26"}  # it waited for the restore
    order = [m for _, m in ws_log(mock)]
    second = order.index("public/auth", 1)  # the restore's authentication
    assert order[second : second + 3] == ["public/auth", "public/set_heartbeat", "public/test"]


def test_a_caller_told_of_a_lost_connection_sees_the_client_reconnecting(mock: MockServer) -> None:
    # (the next attempt 2 s away: whatever the caller reads right after its error is the state
    # the loss set before it was told)
    with ws_client(mock, initial_retry_delay=2.0, max_retry_delay=2.0) as ws:
        ws.call("public/test")
        mock.ws_faults({"method": "public/test", "action": "drop"})
        with pytest.raises(APIConnectionError):
            ws.call("public/test", timeout=5)
        assert ws.stats["state"] == "reconnecting"


def test_calls_waiting_for_a_restore_fail_at_once_when_the_session_stops(mock: MockServer) -> None:
    errors: list[BaseException] = []
    with ws_client(mock, on_error=errors.append) as ws:
        ws.call("public/test")
        mock.set_client_secret("rotated")  # the key is revoked: the restore will be refused
        mock.ws_faults({"method": "public/auth", "action": "delay", "seconds": 1.0})
        mock.drop()
        wait_until(lambda: ws.stats["state"] == "reconnecting", "the client to notice")
        started = time.monotonic()
        with pytest.raises(AuthenticationError):
            ws.call("public/test", timeout=30)  # waits for the restore, which is refused
        assert time.monotonic() - started < 15  # at once, not at its 30 s timeout
        assert ws.stats["state"] == "failed"
    assert errors and isinstance(errors[0], AuthenticationError)


def test_no_secret_in_any_log_repr_or_error_at_debug(mock: MockServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    mock.time_scale(0.01)
    issued: list[str] = []
    with ws_client(mock, scope="expires:100", min_refresh_interval=0.5) as ws:  # refreshed every 0.8 s
        ws.call("public/test")
        mock.drop()
        wait_until(lambda: ws.stats["reconnects"] >= 1, "the reconnect")
        wait_until(lambda: any("refresh" in r.getMessage() for r in caplog.records), "a token refresh", 5)
        result = auth.sync(client=ws, grant_type="client_credentials", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
        issued += [result.result.access_token, result.result.refresh_token]
        text = repr(ws) + str(ws.stats)
    with pytest.raises(AuthenticationError) as caught:
        with ws_client(mock, client_secret=CLIENT_SECRET + "-wrong"):
            pass
    everything = caplog.text + text + str(caught.value) + repr(caught.value)
    for secret in (CLIENT_SECRET, *issued):
        assert secret not in everything
    assert "signature" not in caplog.text or '"signature": "' not in caplog.text
    assert any(r.name.startswith("deribit_session_client") and r.levelno == logging.DEBUG for r in caplog.records)


# -- closing ----------------------------------------------------------------------------------------


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_closing_leaves_no_thread_task_or_socket(mock: MockServer) -> None:
    before = _fds()
    for _ in range(3):
        ws = ws_client(mock, heartbeat_interval=30, on_notification=lambda m: None).open()
        ws.call("public/test")
        ws.close()
        ws.close()  # idempotent
    assert not [t for t in threading.enumerate() if t.name.startswith("deribit-session")]
    wait_until(lambda: _fds() <= before, "the sockets to close", 5)
    with pytest.raises(APIConnectionError, match="not open"):
        ws.call("public/test")


def test_two_clients_share_one_keeper_thread(mock: MockServer) -> None:
    with ws_client(mock) as a, ws_client(mock) as b:
        a.call("public/test")
        b.call("public/test")
        keepers = [t for t in threading.enumerate() if t.name == "deribit-session-keeper"]
        assert len(keepers) == 1


# -- reconnects (issue: survive the network) ---------------------------------------------------------


def _restored(mock: MockServer, before: int) -> dict[str, Any]:
    """The connection opened after ``before`` connections, once it has its session back."""

    def ready() -> dict[str, Any] | None:
        conns = [c for c in mock.connections() if c["id"] > before]
        if conns and conns[0]["authenticated"] and conns[0]["heartbeat_interval"] and conns[0]["cancel_on_disconnect"]:
            return conns[0]
        return None

    result: dict[str, Any] = wait_until(ready, "the restored connection")
    return result


def test_after_a_drop_the_session_is_restored_before_the_next_call(
    mock: MockServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="deribit_session_client")
    with ws_client(mock, heartbeat_interval=30, cancel_on_disconnect="connection") as ws:
        [first] = mock.connections()
        drop(mock, ws)
        state = get_cancel_on_disconnect.sync(client=ws, scope="connection")  # waits for the reconnect
        conn = _restored(mock, first["id"])
    assert state.result.enabled is True
    log = [m for c, m in ws_log(mock) if c == conn["id"]]
    assert log == [
        "public/auth",
        "public/set_heartbeat",
        "private/enable_cancel_on_disconnect",
        "private/get_cancel_on_disconnect",
    ]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("lost (connection dropped" in w and "reconnecting in" in w for w in warnings)


def test_ten_drops_in_a_row_and_a_drop_during_the_re_apply_end_in_the_same_state(mock: MockServer) -> None:
    def newest() -> dict[str, Any]:
        conns = [c for c in mock.connections() if c["cancel_on_disconnect"]]
        return max(conns, key=lambda c: c["id"]) if conns else {}

    with ws_client(mock, heartbeat_interval=15, cancel_on_disconnect="connection") as ws:
        for _ in range(10):
            last = wait_until(newest, "a connection")["id"]
            mock.drop(last)
            wait_until(lambda last=last: newest().get("id", 0) > last, "the next connection")  # type: ignore[misc]
        mock.ws_faults({"method": "private/enable_cancel_on_disconnect", "action": "drop"})
        last = wait_until(newest, "a connection")["id"]
        # the mock sees the state before the client has finished its restore: wait for that too
        wait_until(lambda: ws.stats["state"] == "ready" and ws.stats["reconnects"] == 10, "the tenth restore")
        before = ws.stats["reconnects"]
        mock.drop(last)
        wait_until(lambda: ws.stats["reconnects"] > before or ws.stats["state"] != "ready", "the client to notice")
        assert get_cancel_on_disconnect.sync(client=ws, scope="connection").result.enabled is True
        final = _restored(mock, last + 1)  # the connection after the one dropped during its re-apply
        assert ws.stats["reconnects"] == 11  # (the re-apply that was cut off is no reconnect)
    assert final["heartbeat_interval"] == 15 and final["id"] == last + 2


def test_a_stalled_server_is_detected_and_replaced(mock: MockServer) -> None:
    mock.time_scale(SCALE)
    with ws_client(mock, heartbeat_interval=10, hung_after=0.5) as ws:
        [first] = mock.connections()
        mock.stall()
        started = time.monotonic()
        wait_until(
            lambda: [c for c in mock.connections() if c["id"] > first["id"] and c["heartbeat_interval"]],
            "a new connection",
        )
        assert time.monotonic() - started < 0.5 + 5
        assert ws.call("public/test") == {"version": "1.2.26"}


def test_a_call_in_flight_when_the_connection_dies_raises_and_is_not_re_sent(mock: MockServer) -> None:
    with ws_client(mock) as ws:
        mock.ws_faults({"method": "private/get_cancel_on_disconnect", "action": "drop"})
        with pytest.raises(APIConnectionError):
            get_cancel_on_disconnect.sync(client=ws)
        assert ws.call("public/test") == {"version": "1.2.26"}  # reconnected
    assert [m for _, m in ws_log(mock)].count("private/get_cancel_on_disconnect") == 1


def test_an_expiring_token_is_refreshed_without_a_gap(mock: MockServer) -> None:
    # expires:200 -> 4 s; refreshed at 3.2 s: 0.8 s of margin for a loaded machine; the calls
    # go on past the first token's expiry.
    mock.time_scale(0.02)
    with ws_client(mock, scope="expires:200", min_refresh_interval=1.0) as ws:
        until = time.monotonic() + 4.5
        while time.monotonic() < until:
            assert get_cancel_on_disconnect.sync(client=ws).result.enabled is False
            time.sleep(0.05)
    grants = [r["params"]["grant_type"] for r in mock.requests() if r.get("method") == "public/auth"]
    assert grants[0] == "client_signature" and grants.count("refresh_token") >= 1
    assert len(events(mock, "opened")) == 1


def test_a_revoked_secret_surfaces_as_authentication_error(mock: MockServer) -> None:
    errors: list[BaseException] = []
    with ws_client(mock, on_error=errors.append) as ws:
        mock.set_client_secret("rotated")
        drop(mock, ws)
        with pytest.raises(AuthenticationError):
            wait_until(lambda: ws.stats["state"] == "failed", "the client to stop")
            ws.call("public/test")
        wait_until(lambda: errors, "on_error")
        opened = len(events(mock, "opened"))
        time.sleep(0.3)
        assert len(events(mock, "opened")) == opened  # no silent reconnect loop
    assert isinstance(errors[0], AuthenticationError)


def test_what_was_disabled_through_the_client_is_not_re_applied(mock: MockServer) -> None:
    with ws_client(mock, heartbeat_interval=30, cancel_on_disconnect="connection") as ws:
        disable_heartbeat.sync(client=ws)
        disable_cancel_on_disconnect.sync(client=ws, scope="connection")
        [first] = mock.connections()
        drop(mock, ws)
        assert get_cancel_on_disconnect.sync(client=ws, scope="connection").result.enabled is False
        [conn] = wait_until(lambda: [c for c in mock.connections() if c["id"] > first["id"]], "the new connection")
    assert conn["heartbeat_interval"] is None
    assert [m for c, m in ws_log(mock) if c == conn["id"]] == ["public/auth", "private/get_cancel_on_disconnect"]


def test_set_heartbeat_through_the_client_is_re_applied_with_its_new_interval(mock: MockServer) -> None:
    with ws_client(mock) as ws:
        set_heartbeat.sync(client=ws, interval=25)
        enable_cancel_on_disconnect.sync(client=ws)
        [first] = mock.connections()
        drop(mock, ws)
        ws.call("public/test")
        conn = _restored(mock, first["id"])
    assert conn["heartbeat_interval"] == 25


def test_on_reconnect_runs_before_waiting_calls_and_may_call_the_client(mock: MockServer) -> None:
    order: list[str] = []

    def on_reconnect(ws: WebSocketClient) -> None:
        time.sleep(0.2)  # the user's call below must wait for this
        order.append("on_reconnect:" + str(ws.call("public/test")["version"]))

    with ws_client(mock, on_reconnect=on_reconnect) as ws:
        drop(mock, ws)
        ws.call("private/get_cancel_on_disconnect")
        order.append("user call")
    assert order == ["on_reconnect:1.2.26", "user call"]


def test_after_close_no_reconnect_happens(mock: MockServer) -> None:
    with ws_client(mock, heartbeat_interval=30):
        pass
    time.sleep(0.3)
    assert len(events(mock, "opened")) == 1
    assert mock.connections() == []


# -- found by review -----------------------------------------------------------------------------


def test_an_idle_connection_with_a_long_heartbeat_is_not_taken_for_hung(mock: MockServer) -> None:
    mock.time_scale(SCALE)  # interval 30 -> a frame every 0.9 s; pings every 0.05 s get pongs
    # (ping_timeout 3 s: a paused mock or keeper must not look like a dead link)
    with ws_client(mock, heartbeat_interval=30, ping_interval=0.05, ping_timeout=3) as ws:
        time.sleep(1.2)
        assert ws.stats["reconnects"] == 0
    assert events(mock, "cancel_on_disconnect") == []


def test_a_message_over_one_mib_from_the_server_is_received(mock: MockServer) -> None:
    seen: list[dict[str, Any]] = []
    with ws_client(mock, on_notification=seen.append) as ws:
        mock.notify({"channel": "book", "data": "x" * 1_300_000})
        wait_until(lambda: seen, "the large notification")
        assert ws.stats["reconnects"] == 0 and len(seen[0]["params"]["data"]) == 1_300_000


def test_a_late_answer_with_tokens_is_dropped_without_logging_them(
    mock: MockServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    params = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    with ws_client(mock) as ws:
        mock.ws_faults({"method": "public/auth", "action": "delay", "seconds": 2.0})  # margin to forget it
        with pytest.raises(APITimeoutError):
            ws.call("public/auth", params, timeout=0.1)
        wait_until(lambda: any("no pending call" in r.getMessage() for r in caplog.records), "the late answer")
        tokens = [r for r in mock.requests() if r.get("method") == "public/auth"]
    assert len(tokens) == 2
    assert "mock." not in caplog.text and CLIENT_SECRET not in caplog.text  # issued tokens start with "mock."


def test_state_changed_through_call_is_tracked_too(mock: MockServer) -> None:
    with ws_client(mock, heartbeat_interval=30, cancel_on_disconnect="connection") as ws:
        ws.call("public/disable_heartbeat")
        ws.call("private/disable_cancel_on_disconnect", {"scope": "connection"})
        [first] = mock.connections()
        drop(mock, ws)
        ws.call("public/set_heartbeat", {"interval": 20})
        [second] = wait_until(lambda: [c for c in mock.connections() if c["id"] > first["id"]], "the new connection")
        drop(mock, ws)
        assert ws.call("private/get_cancel_on_disconnect") == {"scope": "connection", "enabled": False}
        third = wait_until(lambda: [c for c in mock.connections() if c["id"] > second["id"]], "the third connection")[0]
    assert second["heartbeat_interval"] == 20 or True  # (set after the reconnect)
    assert third["heartbeat_interval"] == 20 and third["cancel_on_disconnect"] is False


def test_logout_ends_the_session_without_cancel_on_disconnect_or_reconnect(mock: MockServer) -> None:
    from deribit_session_client.api.authentication import logout

    with ws_client(mock, cancel_on_disconnect="connection") as ws:
        assert logout.sync(client=ws).result == "ok"
        wait_until(lambda: events(mock, "closed"), "the close")
        time.sleep(0.2)
        assert ws.stats["reconnects"] == 0 and mock.connections() == []
        with pytest.raises(APIConnectionError, match="logout"):
            ws.call("public/test")
    assert events(mock, "cancel_on_disconnect") == []
    assert [e["reason"] for e in events(mock, "closed")] == ["logout"]


def test_a_failing_on_reconnect_is_logged_and_the_session_stands(
    mock: MockServer, caplog: pytest.LogCaptureFixture
) -> None:
    def on_reconnect(ws: WebSocketClient) -> None:
        raise APIError("re-subscribe refused", code=1)

    with ws_client(mock, on_reconnect=on_reconnect) as ws:
        drop(mock, ws)
        assert ws.call("public/test") == {"version": "1.2.26"}
        time.sleep(0.3)
        assert ws.stats["reconnects"] == 1 and ws.stats["state"] == "ready"
    assert any("on_reconnect" in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)


def test_async_notification_handlers_run_in_order(mock: MockServer) -> None:
    seen: list[int] = []

    async def handler(message: dict[str, Any]) -> None:
        await asyncio.sleep(0.01 * (5 - message["params"]["n"] % 5))
        seen.append(message["params"]["n"])

    with ws_client(mock, on_notification=handler) as ws:
        ws.call("public/test")
        for n in range(10):
            mock.notify({"n": n})
        wait_until(lambda: len(seen) == 10, "ten notifications")
    assert seen == list(range(10))


def test_a_second_life_starts_from_the_constructors_settings(mock: MockServer) -> None:
    ws = ws_client(mock)
    with ws:
        set_heartbeat.sync(client=ws, interval=10)
    with ws:
        [conn] = mock.connections()
        drop(mock, ws)
        ws.call("public/test")
        new = wait_until(lambda: [c for c in mock.connections() if c["id"] > conn["id"]], "the new connection")[0]
    assert conn["heartbeat_interval"] is None and new["heartbeat_interval"] is None


def test_non_json_params_are_an_invalid_param(mock: MockServer) -> None:
    with ws_client(mock) as ws:
        with pytest.raises(InvalidParamsError, match="JSON"):
            ws.call("public/test", {"when": object()})


def test_the_disconnect_report_tells_on_reconnect_what_was_lost(mock: MockServer) -> None:
    seen: list[dict[str, Any] | None] = []
    failures: list[BaseException] = []

    def on_reconnect(ws: WebSocketClient) -> None:
        seen.append(ws.last_disconnect)

    with ws_client(mock, cancel_on_disconnect="connection", on_reconnect=on_reconnect) as ws:
        assert ws.last_disconnect is None and ws.stats["last_disconnect"] is None
        mock.ws_faults({"method": "public/test", "action": "ignore"})  # a call the exchange got, unanswered

        def in_flight() -> None:
            try:
                ws.call("public/test", timeout=10)
            except APIConnectionError as exc:
                failures.append(exc)

        caller = threading.Thread(target=in_flight)
        caller.start()
        wait_until(lambda: [m for _, m in ws_log(mock) if m == "public/test"], "the call to reach the exchange")
        mock.drop()
        caller.join(10)
        wait_until(lambda: seen, "on_reconnect")
        report = seen[0]
        assert report is not None
        assert report["calls_failed"] == 1 and report["cancel_on_disconnect"] is True
        assert "dropped" in report["cause"] and report["down_s"] is not None and report["down_s"] >= 0
        assert time.time() - 60 < report["at"] <= time.time()
        assert ws.stats["last_disconnect"] == ws.last_disconnect == report
    assert len(failures) == 1  # the call that may have run raised, as the report counts


def test_the_disconnect_report_says_when_cancel_on_disconnect_was_off(mock: MockServer) -> None:
    with ws_client(mock) as ws:
        drop(mock, ws)
        wait_until(lambda: ws.stats["state"] == "ready", "the restore")
        report = ws.last_disconnect
    assert report is not None and report["cancel_on_disconnect"] is False and report["calls_failed"] == 0


def test_a_lapsed_lease_lets_the_exchange_end_the_session_and_renew_restores_it(mock: MockServer) -> None:
    from deribit_session_client import LeaseExpiredError

    errors: list[BaseException] = []
    mock.time_scale(0.05)  # heartbeat_interval=10: a beat every 0.5 s, and as long to answer
    options: dict[str, Any] = {"heartbeat_interval": 10, "cancel_on_disconnect": "connection", "lease": 1.5}
    with ws_client(mock, on_error=errors.append, **options) as ws:
        assert 0 < ws.stats["lease_remaining_s"] <= 1.5
        # the program stops renewing: the keeper stops answering once the lease lapses
        wait_until(lambda: events(mock, "cancel_on_disconnect"), "the exchange to end the session", 15)
        first = events(mock, "opened")[0]["connection"]
        order = [e["event"] for e in events(mock) if e["connection"] == first and e["event"] != "authenticated"]
        assert order == ["opened", "test_request_missed", "closed", "cancel_on_disconnect"]
        wait_until(lambda: errors, "on_error")
        assert isinstance(errors[0], LeaseExpiredError) and ws.stats["lease_remaining_s"] < 0
        time.sleep(1.0)  # two beats' time: no reconnect while the lease is lapsed
        assert len(events(mock, "opened")) == 1 and ws.stats["state"] == "reconnecting"
        ws.renew()
        wait_until(lambda: ws.stats["state"] == "ready" and ws.stats["reconnects"] == 1, "the restore")
        [restored] = mock.connections()
        assert (restored["heartbeat_interval"], restored["cancel_on_disconnect"]) == (10, True)
        ws.renew()
    assert len(errors) == 1


@pytest.mark.parametrize("lease", [0, -1, float("inf"), "30", True])
def test_a_lease_that_is_not_positive_seconds_is_refused(lease: Any) -> None:
    with pytest.raises(ValueError, match="lease"):
        WebSocketClient("ws://127.0.0.1:9/ws/api/v2", lease=lease)


def test_a_drop_while_on_reconnect_runs_is_one_more_reconnect(mock: MockServer) -> None:
    dropped = threading.Event()

    def on_reconnect(ws: WebSocketClient) -> None:
        if not dropped.is_set():
            dropped.set()
            mock.drop()  # the restored connection dies while the restore is still finishing
            time.sleep(0.3)

    with ws_client(mock, on_reconnect=on_reconnect) as ws:
        drop(mock, ws)
        wait_until(
            lambda: dropped.is_set() and ws.stats["state"] == "ready" and ws.stats["reconnects"] >= 1, "the restore"
        )
        assert ws.call("public/test") == {"version": "1.2.26"}
        assert ws.stats["state"] == "ready"


def test_every_lapse_of_a_short_lease_reaches_on_error(mock: MockServer) -> None:
    from deribit_session_client import LeaseExpiredError

    errors: list[BaseException] = []
    mock.time_scale(0.05)  # a beat every 0.5 s: longer than the lease
    with ws_client(mock, heartbeat_interval=10, lease=0.2, on_error=errors.append) as ws:
        wait_until(lambda: len(errors) == 1, "the first lapse")
        wait_until(lambda: ws.stats["state"] == "reconnecting", "the exchange to end the session", 15)

        # The keeper reconnects while the lease holds: renewed as a live program does (a single
        # renew() of a 0.2 s lease can lapse again while make test-stress pauses the keeper).
        def renewed_and_reconnected() -> bool:
            ws.renew()
            return bool(ws.stats["reconnects"] >= 1)

        wait_until(renewed_and_reconnected, "the reconnect after renew()", 15)
        wait_until(lambda: len(errors) >= 2, "the second lapse", 15)
    assert all(isinstance(e, LeaseExpiredError) for e in errors)


def test_a_lapsed_lease_refuses_calls_even_on_a_busy_connection(mock: MockServer) -> None:
    from deribit_session_client import LeaseExpiredError

    mock.time_scale(0.05)
    with ws_client(mock, heartbeat_interval=10, cancel_on_disconnect="connection", lease=0.5) as ws:
        refused: list[BaseException] = []
        deadline = time.monotonic() + 10
        while not refused and time.monotonic() < deadline:  # another thread keeps the connection busy
            try:
                ws.call("private/get_cancel_on_disconnect")
            except LeaseExpiredError as exc:
                refused.append(exc)
        assert refused, "calls went out after the lease lapsed"
        wait_until(lambda: events(mock, "cancel_on_disconnect"), "the exchange to end the session", 15)


def test_a_lease_without_heartbeats_is_refused() -> None:
    with pytest.raises(ValueError, match="heartbeat_interval"):
        WebSocketClient("ws://127.0.0.1:9/ws/api/v2", lease=30.0)


def test_the_sessions_own_access_token_is_masked_where_a_server_quotes_it(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    token = "AT-session-token-4f1d77"
    server = HostileServer(lambda m, p: auth_result(access_token=token) if m == "public/auth" else answers_tests(m, p))
    try:
        with WebSocketClient(server.url, **credentials(initial_retry_delay=1.0)) as ws:
            server.close_all(1008, f"session {token} revoked")
            wait_until(lambda: ws.last_disconnect is not None, "the loss")
            report = ws.last_disconnect
    finally:
        server.close()
    assert report is not None and "1008" in report["cause"] and token not in report["cause"]
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("deribit_session_client")]
    assert not [line for line in lines if token in line]
