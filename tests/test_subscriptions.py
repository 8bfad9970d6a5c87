"""Subscriptions are session state (docs/subscriptions.md): subscribed through the spec's
methods, routed by channel to handlers on the client's notification thread, restored after
every reconnect (after authentication, heartbeat and cancel-on-disconnect, before on_reconnect
and the calls that waited), and delivered without ever starving the heartbeat. Against the mock
process, plus the session's set rules without a network."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from typing import Any

import pytest

from deribit_mock.process import MockServer
from deribit_session_client import (
    AuthenticationError,
    Client,
    DeribitError,
    SubscriptionRefusedError,
    WebSocketClient,
    WebSocketOnlyError,
)
from deribit_session_client._core.engine.session import MAX_FRAME_BYTES, RpcSession
from deribit_session_client._operations import OPERATIONS
from deribit_session_client.api.subscriptions import private_subscribe, public_subscribe

from .conftest import ACCESS_TOKEN, credentials, wait_until
from .hostile import HostileServer, auth_result

TICKER = "ticker.BTC-PERPETUAL.100ms"
BOOK = "book.BTC-PERPETUAL.100ms"
ORDERS = "user.orders.any.any.raw"


def channels_at_mock(mock: MockServer) -> list[str]:
    (connection,) = mock.connections()
    found: list[str] = connection["channels"]
    return found


def drop(mock: MockServer, ws: WebSocketClient) -> None:
    """Drop the connection and wait until the client has noticed (a call made before that goes
    out on the dying connection and rightly raises APIConnectionError)."""
    before = ws.stats["reconnects"]
    mock.drop()
    wait_until(lambda: ws.stats["reconnects"] > before or ws.stats["state"] != "ready", "the client to notice")


def ws_log(mock: MockServer) -> list[tuple[int, str]]:
    return [(r["connection"], r["method"]) for r in mock.requests() if r.get("transport") == "websocket"]


# -- the session's sets (sans-I/O) ----------------------------------------------------------------


def _record(session: RpcSession, name: str, params: dict[str, Any], result: Any = None) -> None:
    op = OPERATIONS[name]
    session.record(op.connection_state, op.rpc_method, params, result)


def test_the_session_restores_what_the_exchange_confirmed_in_the_specs_order() -> None:
    session = RpcSession()
    _record(session, "private_subscribe", {"channels": [ORDERS, "x"]}, [ORDERS])  # "x" was left out
    _record(session, "public_subscribe", {"channels": [TICKER, BOOK]}, [TICKER, BOOK])
    _record(session, "set_heartbeat", {"interval": 30})
    _record(session, "public_unsubscribe", {"channels": [BOOK]}, [BOOK])
    assert session.reapply() == [
        ("public/set_heartbeat", {"interval": 30}),
        ("public/subscribe", {"channels": [TICKER]}),
        ("private/subscribe", {"channels": [ORDERS]}),
    ]
    _record(session, "public_unsubscribe_all", {}, "ok")  # public and private alike
    assert session.reapply() == [("public/set_heartbeat", {"interval": 30})]


def test_a_large_set_is_restored_in_calls_that_each_fit_a_frame() -> None:
    session = RpcSession()
    channels = [f"book.BTC-{n:06d}-C.none.20.100ms" for n in range(3000)]
    _record(session, "public_subscribe", {"channels": channels}, channels)
    calls = session.reapply()
    assert len(calls) > 1 and [c for _, p in calls for c in p["channels"]] == channels
    for method, params in calls:
        assert len(session.request(method, params, "token")[1].encode()) < MAX_FRAME_BYTES


# -- against the mock -----------------------------------------------------------------------------


def test_notifications_reach_the_handler_of_their_channel(mock: MockServer) -> None:
    tickers: list[dict[str, Any]] = []
    others: list[dict[str, Any]] = []
    with WebSocketClient(mock.ws_url, on_notification=others.append, **credentials()) as ws:
        subscription = ws.subscribe([TICKER], tickers.append)
        assert subscription.channels == (TICKER,) and channels_at_mock(mock) == [TICKER]
        assert mock.publish(TICKER, {"last": 1}, count=3) == 3
        mock.notify({"channel": "other.channel", "data": 7})
        wait_until(lambda: len(tickers) == 3 and others, "the notifications")
        assert tickers[0] == {"channel": TICKER, "data": {"last": 1}}
        assert others[0]["params"] == {"channel": "other.channel", "data": 7}
        assert ws.stats["notifications"] == 4 and ws.stats["notifications_dropped"] == 0
        # the handler never runs on the keeper thread (nor the caller's)
        threads: list[str] = []
        ws.subscribe([BOOK], lambda params: threads.append(threading.current_thread().name))
        mock.publish(BOOK, 1)
        wait_until(lambda: threads, "the book notification")
        assert threads == ["deribit-session-notifications"]


def test_subscriptions_come_back_after_each_of_ten_drops_before_any_waiting_call(mock: MockServer) -> None:
    got: list[dict[str, Any]] = []
    with WebSocketClient(mock.ws_url, heartbeat_interval=10, **credentials()) as ws:
        ws.subscribe([TICKER], got.append)
        ws.subscribe([ORDERS], got.append)  # (a private channel: private/subscribe)
        for n in range(10):
            drop(mock, ws)
            ws.call("private/get_cancel_on_disconnect")  # waits for the session if it is not back yet
            connection = max(c for c, _ in ws_log(mock))
            methods = [m for c, m in ws_log(mock) if c == connection]
            assert methods == [
                "public/auth",
                "public/set_heartbeat",
                "public/subscribe",
                "private/subscribe",
                "private/get_cancel_on_disconnect",
            ], f"drop {n + 1}"
            assert channels_at_mock(mock) == [TICKER, ORDERS]
        assert ws.stats["reconnects"] == 10
        mock.publish(ORDERS, {"order_id": "1"})
        wait_until(lambda: got, "a private notification after ten drops")


def test_an_unsubscribed_channel_stays_off_after_a_drop(mock: MockServer) -> None:
    with WebSocketClient(mock.ws_url, **credentials()) as ws:
        ticker = ws.subscribe([TICKER], lambda params: None)
        ws.subscribe([BOOK], lambda params: None)
        ticker.unsubscribe()
        assert channels_at_mock(mock) == [BOOK]
        drop(mock, ws)
        ws.call("public/test")
        assert channels_at_mock(mock) == [BOOK]


def test_an_unsubscribe_sent_before_the_subscribes_answer_stays_after_a_drop(mock: MockServer) -> None:
    mock.ws_faults({"method": "public/subscribe", "action": "delay", "seconds": 0.5})  # its answer comes late
    with WebSocketClient(mock.ws_url, **credentials()) as ws:
        late = threading.Thread(target=ws.call, args=("public/subscribe", {"channels": [TICKER, BOOK]}))
        late.start()
        wait_until(lambda: any(r.get("method") == "public/subscribe" for r in mock.requests()), "the subscribe")
        ws.call("public/unsubscribe", {"channels": [TICKER]})  # sent before the subscribe's answer
        late.join(10)
        drop(mock, ws)
        ws.call("public/test")
        assert channels_at_mock(mock) == [BOOK]


def test_a_channel_two_handlers_share_is_unsubscribed_when_the_last_one_goes(mock: MockServer) -> None:
    with WebSocketClient(mock.ws_url, **credentials()) as ws:
        first = ws.subscribe([TICKER], lambda params: None)
        second = ws.subscribe([TICKER], lambda params: None)
        first.unsubscribe()
        assert channels_at_mock(mock) == [TICKER]
        second.unsubscribe()
        assert channels_at_mock(mock) == []


def test_a_channel_refused_on_restore_is_reported_and_dropped_and_the_session_goes_on(mock: MockServer) -> None:
    errors: list[DeribitError] = []
    with WebSocketClient(mock.ws_url, on_error=errors.append, **credentials()) as ws:
        ws.subscribe([TICKER, BOOK], lambda params: None)
        mock.refuse_channels(BOOK)
        drop(mock, ws)
        assert ws.call("public/test") == {"version": "1.2.26"}
        wait_until(lambda: errors, "the refusal reported")
        (error,) = errors
        assert isinstance(error, SubscriptionRefusedError) and error.channels == [BOOK]
        assert channels_at_mock(mock) == [TICKER] and ws.stats["state"] == "ready"
        mock.refuse_channels()  # the exchange would take it again, but the client dropped it
        drop(mock, ws)
        ws.call("public/test")
        assert channels_at_mock(mock) == [TICKER]


def test_subscribing_to_channels_the_exchange_refuses(mock: MockServer) -> None:
    mock.refuse_channels(BOOK)
    with WebSocketClient(mock.ws_url, **credentials()) as ws:
        with pytest.raises(SubscriptionRefusedError) as refused:
            ws.subscribe([BOOK], lambda params: None)
        assert refused.value.channels == [BOOK]
        partly = ws.subscribe([TICKER, BOOK], lambda params: None)
        assert partly.channels == (TICKER,) and partly.refused == (BOOK,)


def test_private_channels_without_credentials_are_refused_before_sending(mock: MockServer) -> None:
    with WebSocketClient(mock.ws_url) as ws:
        with pytest.raises(AuthenticationError, match="private channels need an authenticated client"):
            ws.subscribe([TICKER, ORDERS], lambda params: None)
        with pytest.raises(TypeError):
            ws.subscribe(TICKER, lambda params: None)
        with pytest.raises(ValueError):
            ws.subscribe([], lambda params: None)
    assert "public/subscribe" not in [m for _, m in ws_log(mock)]


def test_the_generated_operation_records_the_channels_as_subscribe_does(mock: MockServer) -> None:
    with WebSocketClient(mock.ws_url, **credentials()) as ws:
        assert public_subscribe.sync(client=ws, channels=[TICKER]).result == [TICKER]
        assert private_subscribe.sync(client=ws, channels=[ORDERS]).result == [ORDERS]
        drop(mock, ws)
        ws.call("public/test")
        assert channels_at_mock(mock) == [TICKER, ORDERS]


def test_subscribing_over_http_is_websocket_only(mock: MockServer) -> None:
    with Client(base_url=mock.api_url) as client, pytest.raises(WebSocketOnlyError):
        public_subscribe.sync(client=client, channels=[TICKER])


def test_a_stream_yields_notifications_and_ends_when_the_client_closes(mock: MockServer) -> None:
    async def main() -> list[Any]:
        seen: list[Any] = []
        ws = await WebSocketClient(mock.ws_url, **credentials()).open_async()
        async with ws.stream([TICKER]) as messages:
            await asyncio.to_thread(mock.publish, TICKER, {"n": 1}, count=2)
            async for message in messages:
                seen.append(message["data"])
                if len(seen) == 2:
                    break
        assert channels_at_mock(mock) == []  # leaving the block unsubscribed
        stream = ws.stream([BOOK])
        reader = asyncio.ensure_future(anext(stream, "ended"))
        await asyncio.sleep(0.2)
        await ws.aclose()
        seen.append(await asyncio.wait_for(reader, 5))
        return seen

    assert asyncio.run(main()) == [{"n": 1}, {"n": 1}, "ended"]


def test_a_slow_handler_under_a_flood_never_delays_a_heartbeat(
    mock: MockServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "deribit_session_client")
    # heartbeat_interval 10 -> each test_request must be answered within 1 s: twice the longest
    # pause make test-stress gives a process (0.5 s), so only a late answer can fail this
    mock.time_scale(0.1)
    handled: list[int] = []

    def slow(params: dict[str, Any]) -> None:
        time.sleep(0.001)
        handled.append(1)

    with WebSocketClient(
        mock.ws_url, heartbeat_interval=10, max_pending_notifications=500, rate_limit=None, **credentials()
    ) as ws:
        ws.subscribe([TICKER], slow)
        stop = threading.Event()

        def probe() -> None:  # test_requests mid-flood (the mock sends them only to a silent connection)
            while not stop.wait(0.1):
                mock.send_test_request()

        prober = threading.Thread(target=probe)
        prober.start()
        try:
            sent = mock.publish(TICKER, {"bid": 1, "ask": 2, "pad": "x" * 200}, count=20_000, rate=10_000)
        finally:
            stop.set()
            prober.join(10)
        wait_until(lambda: ws.stats["notifications"] + ws.stats["notifications_dropped"] >= sent, "the flood handled")
        beats = mock.heartbeats()
        assert beats["test_requests_missed"] == 0 and beats["test_requests_sent"] >= 5
        assert ws.stats["reconnects"] == 0 and ws.stats["state"] == "ready"
        assert ws.stats["notifications_dropped"] > 0  # 1 ms a message cannot keep up with 10,000 a second
    warnings = [r for r in caplog.records if "dropping the oldest notifications" in r.getMessage()]
    assert 1 <= len(warnings) <= 5  # once per burst, not once per message


def test_a_compact_notification_frame_is_routed_and_a_broken_one_is_dropped(
    hostile: list[HostileServer], caplog: pytest.LogCaptureFixture
) -> None:
    def script(method: str, params: dict[str, Any]) -> dict[str, Any] | None:
        if method == "public/auth":
            return auth_result()
        if method == "public/subscribe":
            return {"result": params["channels"]}
        return None

    server = HostileServer(script)
    hostile.append(server)
    got: list[dict[str, Any]] = []
    with WebSocketClient(server.url, **credentials()) as ws:
        ws.subscribe([TICKER], got.append)
        compact = json.dumps(
            {"jsonrpc": "2.0", "method": "subscription", "params": {"channel": TICKER, "data": 5}},
            separators=(",", ":"),
        )
        server.send_to_all('{"jsonrpc":"2.0","method":"subscription", not json')
        server.send_to_all(compact)
        wait_until(lambda: got, "the compact notification")
        assert got == [{"channel": TICKER, "data": 5}] and ws.stats["state"] == "ready"
    assert "Dropped a notification that is not JSON" in caplog.text


@pytest.fixture
def hostile() -> Any:
    started: list[HostileServer] = []
    yield started
    for server in started:
        server.close()


# -- found by review -------------------------------------------------------------------------------


def test_a_client_with_a_token_only_restores_its_private_subscriptions(mock: MockServer) -> None:
    with WebSocketClient(mock.ws_url, access_token=ACCESS_TOKEN, initial_retry_delay=0.02) as ws:
        ws.subscribe([ORDERS], lambda params: None)
        drop(mock, ws)
        assert ws.call("public/test") == {"version": "1.2.26"}
        assert channels_at_mock(mock) == [ORDERS] and ws.stats["state"] == "ready"


def test_an_unsubscribe_lost_with_its_connection_is_not_undone_by_the_restore(hostile: list[HostileServer]) -> None:
    def script(method: str, params: dict[str, Any]) -> dict[str, Any] | None:
        if method == "public/auth":
            return auth_result()
        if method.endswith("/subscribe"):
            return {"result": params["channels"]}
        if method == "public/test":
            return {"result": {"version": "1.2.26"}}
        return None  # an unsubscribe gets no answer: its connection dies first

    server = HostileServer(script)
    hostile.append(server)
    with WebSocketClient(server.url, **credentials(timeout=5)) as ws:
        subscription = ws.subscribe([TICKER], lambda params: None)

        def kill_when_unsubscribing() -> None:
            wait_until(lambda: server.count("public/unsubscribe"), "the unsubscribe")
            server.close_all(1011, "gone")

        killer = threading.Thread(target=kill_when_unsubscribing)
        killer.start()
        with pytest.raises(DeribitError):
            subscription.unsubscribe()
        killer.join(10)
        assert ws.call("public/test") == {"version": "1.2.26"}  # (on the new connection)
    assert server.count("public/subscribe") == 1  # not subscribed again by the restore


def test_a_channel_unsubscribed_from_both_scopes_stays_off(mock: MockServer) -> None:
    with WebSocketClient(mock.ws_url, **credentials()) as ws:
        public = ws.subscribe([TICKER], lambda params: None)
        both = ws.subscribe([TICKER, ORDERS], lambda params: None)  # private/subscribe of both
        public.unsubscribe()
        both.unsubscribe()
        assert channels_at_mock(mock) == []
        drop(mock, ws)
        ws.call("public/test")
        assert channels_at_mock(mock) == []


def test_two_subscriptions_of_one_function_are_independent(mock: MockServer) -> None:
    got: list[str] = []

    def on_tick(params: dict[str, Any]) -> None:
        got.append(params["channel"])

    with WebSocketClient(mock.ws_url, **credentials()) as ws:
        first = ws.subscribe([TICKER], on_tick)
        second = ws.subscribe([TICKER, BOOK], on_tick)
        first.unsubscribe()
        assert channels_at_mock(mock) == [TICKER, BOOK]
        mock.publish(TICKER, 1)
        wait_until(lambda: got, "the ticker for the second subscription")
        assert got == [TICKER] and second.active


def test_a_handler_that_raises_anything_leaves_delivery_running_and_is_reported_boundedly(
    mock: MockServer,
) -> None:
    errors: list[DeribitError] = []
    delivered: list[int] = []

    async def cancelled(params: dict[str, Any]) -> None:
        raise asyncio.CancelledError

    with WebSocketClient(mock.ws_url, on_error=errors.append, **credentials()) as ws:
        ws.subscribe([TICKER], cancelled)
        ws.subscribe([BOOK], lambda params: delivered.append(1))
        mock.publish(TICKER, 1, count=500)
        mock.publish(BOOK, 1, count=50)
        wait_until(lambda: len(delivered) == 50, "the book notifications after the failing ones")
        assert ws.stats["notification_handler_errors"] == 500
    assert 1 <= len(errors) <= 30  # at most 10 a second (the flood takes a second or two), not 500


def test_calls_from_on_reconnect_never_stall_the_restore(mock: MockServer) -> None:
    failures: list[DeribitError] = []

    def on_reconnect(ws: WebSocketClient) -> None:
        ws.call("public/test", timeout=5)

    with WebSocketClient(mock.ws_url, on_reconnect=on_reconnect, on_error=failures.append, **credentials()) as ws:
        for _ in range(8):
            drop(mock, ws)
            started = time.monotonic()
            ws.call("public/test", timeout=10)
            assert time.monotonic() - started < 4.0  # a stall waits out on_reconnect's 5 s timeout
    assert failures == []


def test_a_stream_whose_event_loop_ended_unsubscribes_quietly(
    mock: MockServer, caplog: pytest.LogCaptureFixture
) -> None:
    errors: list[DeribitError] = []
    with WebSocketClient(mock.ws_url, on_error=errors.append, **credentials()) as ws:

        async def read_one() -> None:
            async for _ in ws.stream([TICKER]):
                return  # leaves the stream without closing it; asyncio.run then closes its loop

        reader = threading.Thread(target=lambda: asyncio.run(read_one()))
        reader.start()
        wait_until(lambda: channels_at_mock(mock) == [TICKER], "the stream's subscription")
        mock.publish(TICKER, 1)
        reader.join(10)
        mock.publish(TICKER, 2, count=5)
        wait_until(lambda: channels_at_mock(mock) == [], "the abandoned stream unsubscribed")
    assert errors == [] and "Event loop is closed" not in caplog.text


def test_thousands_of_channels_are_subscribed_in_calls_that_each_fit_a_frame(mock: MockServer) -> None:
    channels = [f"book.BTC-{n:06d}-C.none.20.100ms" for n in range(3000)]
    with WebSocketClient(mock.ws_url, **credentials()) as ws:
        subscription = ws.subscribe(channels, lambda params: None)
        assert subscription.channels == tuple(channels) and channels_at_mock(mock) == channels
        calls = [m for _, m in ws_log(mock) if m == "public/subscribe"]
        assert len(calls) > 1
        subscription.unsubscribe()
        assert channels_at_mock(mock) == []
