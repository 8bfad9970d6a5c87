"""Orders and cancel-on-disconnect end to end, over the mock process: its order book, what
cancel-on-disconnect cancels (and what it leaves), OrderOutcomeUnknownError for an order call
whose outcome is unknown, and ``last_disconnect["orders"]``.

Durations run under the mock's time scale; every wait is bounded by ``wait_until`` (10 s), a
margin for a loaded machine, never a fixed sleep.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from websockets.asyncio.client import connect

from deribit_mock.process import MockServer
from deribit_session_client import (
    APIConnectionError,
    APITimeoutError,
    AuthenticatedClient,
    OrderOutcomeUnknownError,
    WebSocketClient,
)
from deribit_session_client.api.session_management import enable_cancel_on_disconnect
from deribit_session_client.api.trading import (
    buy,
    cancel,
    cancel_all,
    cancel_by_label,
    edit,
    get_open_orders_by_currency,
    get_order_state,
    sell,
)
from deribit_session_client.errors import APIError

from .conftest import ACCESS_TOKEN, FAST_RETRIES, credentials, wait_until

BTC = "BTC-PERPETUAL"
BELOW = 30_000.0  # a buy there rests (the mock's BTC mark is 60,000)


@contextmanager
def session(mock: MockServer, **options: Any) -> Iterator[WebSocketClient]:
    with WebSocketClient(mock.ws_url, **credentials(**options)) as ws:
        yield ws


def rest(client: WebSocketClient | AuthenticatedClient, label: str) -> str:
    """A limit buy that rests; its order id."""
    placed = buy.sync(client=client, instrument_name=BTC, amount=10, price=BELOW, label=label)
    assert placed.result.order.order_state == "open"
    return placed.result.order.order_id


def by_label(mock: MockServer) -> dict[str, dict[str, Any]]:
    return {order["label"]: order for order in mock.orders()}


def cancelled_by_cod(mock: MockServer, *labels: str) -> bool:
    orders = by_label(mock)
    return all(
        orders[label]["order_state"] == "cancelled" and orders[label]["cancel_reason"] == "cancel_on_disconnect"
        for label in labels
    )


@pytest.fixture
def http(mock: MockServer) -> Iterator[AuthenticatedClient]:
    with AuthenticatedClient(base_url=mock.api_url, token=ACCESS_TOKEN, **FAST_RETRIES) as c:
        yield c


# -- the mock's book ------------------------------------------------------------------------------


def test_limit_orders_rest_until_they_cross_and_market_orders_fill_at_the_mark(
    mock: MockServer, http: AuthenticatedClient
) -> None:
    resting = buy.sync(client=http, instrument_name=BTC, amount=10, price=BELOW, label="r")
    assert (resting.result.order.order_state, resting.result.trades) == ("open", [])
    crossing = sell.sync(client=http, instrument_name=BTC, amount=20, price=50_000, label="x")
    assert crossing.result.order.order_state == "filled" and crossing.result.order.filled_amount == 20
    assert [t.price for t in crossing.result.trades] == [60_000]  # at the mark
    mock.set_marks(**{BTC: 65_000})
    market = buy.sync(client=http, instrument_name=BTC, amount=10, type_="market", label="m")
    assert market.result.order.order_state == "filled" and market.result.order.average_price == 65_000
    assert get_order_state.sync(client=http, order_id=resting.result.order.order_id).result.order_state == "open"
    open_btc = get_open_orders_by_currency.sync(client=http, currency="BTC").result
    assert [o.label for o in open_btc] == ["r"]
    assert get_open_orders_by_currency.sync(client=http, currency="ETH").result == []


def test_post_only_orders_are_moved_beside_the_mark_or_refused_with_11054(http: AuthenticatedClient) -> None:
    moved = buy.sync(client=http, instrument_name=BTC, amount=10, price=70_000, post_only=True, label="p")
    assert moved.result.order.order_state == "open" and moved.result.order.price == 60_000 - 0.5
    with pytest.raises(APIError) as refused:
        buy.sync(client=http, instrument_name=BTC, amount=10, price=70_000, post_only=True, reject_post_only=True)
    assert refused.value.code == 11054 and refused.value.message == "post_only_reject"


def test_cancel_edit_and_their_errors_answer_as_the_exchange_does(http: AuthenticatedClient) -> None:
    order_id = rest(http, "e")
    edited = edit.sync(client=http, order_id=order_id, amount=30, price=31_000)
    assert (edited.result.order.amount, edited.result.order.price, edited.result.order.order_id) == (
        30,
        31_000,
        order_id,
    )
    cancelled = cancel.sync(client=http, order_id=order_id).result
    assert (cancelled.order_state, cancelled.cancel_reason) == ("cancelled", "user_request")
    with pytest.raises(APIError) as again:
        cancel.sync(client=http, order_id=order_id)
    assert again.value.code == 11044  # not_open_order
    with pytest.raises(APIError) as unknown:
        get_order_state.sync(client=http, order_id="BTC-999999")
    assert unknown.value.code == 10004  # order_not_found
    with pytest.raises(APIError) as instrument:
        buy.sync(client=http, instrument_name="DOGE-PERPETUAL", amount=10, price=1)
    assert instrument.value.code == 10004


def test_cancel_all_and_cancel_by_label_count_what_they_cancel(mock: MockServer, http: AuthenticatedClient) -> None:
    for label in ("a", "a", "b"):
        rest(http, label)
    assert cancel_by_label.sync(client=http, label="a").result == 2
    assert cancel_by_label.sync(client=http, label="a").result == 0
    assert cancel_all.sync(client=http).result == 1
    assert {o["order_state"] for o in mock.orders()} == {"cancelled"}
    mock.reset()
    assert mock.orders() == []


def test_a_leading_slash_in_a_method_name_is_accepted(mock: MockServer) -> None:
    # Three peer clients send "/public/test"; the mock accepts it (docs/exchange.md).
    async def go() -> dict[str, Any]:
        async with connect(mock.ws_url, compression=None, ping_interval=None) as raw:
            await raw.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "/public/test", "params": {}}))
            answer: dict[str, Any] = json.loads(await asyncio.wait_for(raw.recv(), 10))
            return answer

    assert "version" in asyncio.run(go())["result"]


# -- cancel-on-disconnect --------------------------------------------------------------------------


def _end(mock: MockServer, ws: WebSocketClient, how: str) -> None:
    connection = mock.connections()[-1]["id"] if how != "close" else None
    if how == "close":
        ws.close()
    elif how == "drop":
        mock.drop(connection)
    elif how == "stall":  # the mock stops reading: the client's keepalive gives the connection up
        mock.stall(connection)
    elif how == "missed heartbeat":  # the lease lapses: the keeper stops answering test_requests
        pass


@pytest.mark.parametrize("how", ["close", "drop", "stall", "missed heartbeat"])
def test_cod_cancels_exactly_the_connections_open_orders_when_it_ends(
    mock: MockServer, http: AuthenticatedClient, how: str
) -> None:
    mock.time_scale(0.02)  # a 10 s heartbeat every 0.2 s
    options: dict[str, Any] = {"cancel_on_disconnect": "connection", "ping_interval": 0.2, "ping_timeout": 0.5}
    if how == "missed heartbeat":
        options.update(heartbeat_interval=10, lease=1.0)  # never renewed: lapses after 1 s
    with session(mock) as other:
        rest(other, "other connection, no COD")
        rest(http, "over HTTP")
        with session(mock, **options) as ws:
            rest(ws, "mine 1")
            rest(ws, "mine 2")
            _end(mock, ws, how)
            wait_until(lambda: cancelled_by_cod(mock, "mine 1", "mine 2"), "cancel-on-disconnect")
        orders = by_label(mock)
        assert orders["other connection, no COD"]["order_state"] == "open"
        assert orders["over HTTP"]["order_state"] == "open" and orders["over HTTP"]["connection"] is None
    # (the connection that replaced a lost one fires too, when the test closes it: with no orders)
    [fired] = [e for e in mock.events() if e["event"] == "cancel_on_disconnect" and e["orders"]]
    assert sorted(fired["orders"]) == sorted(o["order_id"] for o in mock.orders() if o["label"].startswith("mine"))
    if how == "missed heartbeat":
        assert any(e["event"] == "test_request_missed" for e in mock.events())


def test_without_cod_or_after_logout_the_orders_stay(mock: MockServer) -> None:
    with session(mock) as ws:
        rest(ws, "no cod")
    with session(mock, cancel_on_disconnect="connection") as ws:
        rest(ws, "logged out")
        ws.call("private/logout")  # closes the session: no cancel-on-disconnect
        wait_until(lambda: ws.stats["state"] == "closed", "the logout")
    wait_until(lambda: len(mock.connections()) == 0, "the connections to close")
    assert {o["label"]: o["order_state"] for o in mock.orders()} == {"no cod": "open", "logged out": "open"}


def test_account_scope_cod_applies_to_connections_opened_after_it(mock: MockServer, http: AuthenticatedClient) -> None:
    with session(mock) as before:
        rest(before, "before")
        enable_cancel_on_disconnect.sync(client=http, scope="account")
        with session(mock) as after:
            rest(after, "after")
        wait_until(lambda: cancelled_by_cod(mock, "after"), "account-scope cancel-on-disconnect")
    wait_until(lambda: len(mock.connections()) == 0, "the connections to close")
    assert by_label(mock)["before"]["order_state"] == "open"


def test_another_connection_sees_the_cancellations_on_user_orders(mock: MockServer) -> None:
    seen: list[dict[str, Any]] = []
    with session(mock) as watcher:
        watcher.subscribe([f"user.orders.{BTC}.raw"], lambda params: seen.append(params["data"]))
        with session(mock, cancel_on_disconnect="connection") as ws:
            order_id = rest(ws, "watched")
        wait_until(lambda: any(o.get("order_state") == "cancelled" for o in seen), "the notification")
    [cancelled] = [o for o in seen if o["order_state"] == "cancelled"]
    assert (cancelled["order_id"], cancelled["cancel_reason"]) == (order_id, "cancel_on_disconnect")


# -- the client: outcome unknown, and the disconnect report ------------------------------------------


def test_an_order_call_in_flight_at_a_drop_has_an_unknown_outcome(mock: MockServer) -> None:
    with session(mock, cancel_on_disconnect="connection") as ws:
        mock.ws_faults({"method": "private/buy", "action": "drop"})  # the connection dies as it arrives
        with pytest.raises(OrderOutcomeUnknownError) as caught:
            buy.sync(client=ws, instrument_name=BTC, amount=10, price=BELOW, label="in flight")
        error = caught.value
        assert (error.method, error.label, error.instrument_name, error.cancel_on_disconnect) == (
            "private/buy",
            "in flight",
            BTC,
            True,
        )
        assert isinstance(error, APIConnectionError) and "find it by label 'in flight'" in str(error)
        wait_until(lambda: ws.last_disconnect is not None and ws.last_disconnect["down_s"] is not None, "the restore")
        report = ws.last_disconnect
        assert report is not None
        assert report["orders"] == [
            {
                "order_id": None,
                "label": "in flight",
                "instrument_name": BTC,
                "method": "private/buy",
                "after_disconnect": "unknown",
            }
        ]


def test_an_order_call_that_never_left_keeps_a_plain_error(mock: MockServer) -> None:
    with session(mock) as ws:
        mock.ws_faults({"method": "public/auth", "action": "ignore"})  # the next connection never authenticates
        mock.drop()
        wait_until(lambda: ws.stats["state"] == "reconnecting", "the reconnect")
        with pytest.raises(APITimeoutError) as caught:  # queued, never written: safe to send again
            buy.sync(client=ws, instrument_name=BTC, amount=10, price=BELOW, label="never sent", timeout=0.3)
        assert not isinstance(caught.value, OrderOutcomeUnknownError)
    assert mock.orders() == []


def test_a_written_order_call_whose_answer_never_comes_has_an_unknown_outcome(mock: MockServer) -> None:
    with session(mock) as ws:
        mock.ws_faults({"method": "private/sell", "action": "ignore"})
        with pytest.raises(OrderOutcomeUnknownError) as caught:
            sell.sync(client=ws, instrument_name=BTC, amount=10, price=90_000, label="slow", timeout=0.3)
        assert caught.value.cancel_on_disconnect is False  # (the connection stays: nothing cancels it)
        assert isinstance(caught.value.__cause__, APITimeoutError) and "got no answer within 0.3 s" in str(caught.value)


def test_an_http_order_call_that_may_have_arrived_has_an_unknown_outcome(
    mock: MockServer, http: AuthenticatedClient
) -> None:
    mock.faults({"kind": "drop", "method": "private/buy"})  # the connection closes mid-answer
    with pytest.raises(OrderOutcomeUnknownError) as caught:
        buy.sync(client=http, instrument_name=BTC, amount=10, price=BELOW, label="http")
    assert caught.value.label == "http" and caught.value.cancel_on_disconnect is False
    with AuthenticatedClient(base_url="http://127.0.0.1:9/api/v2", token=ACCESS_TOKEN, max_retries=0) as nowhere:
        with pytest.raises(APIConnectionError) as refused:  # refused: it never left
            buy.sync(client=nowhere, instrument_name=BTC, amount=10, price=BELOW)
    assert not isinstance(refused.value, OrderOutcomeUnknownError)


@pytest.mark.parametrize("cod", [True, False])
def test_last_disconnect_names_the_orders_the_connection_had(
    mock: MockServer, http: AuthenticatedClient, cod: bool
) -> None:
    options = {"cancel_on_disconnect": "connection"} if cod else {}
    seen: list[Any] = []
    with session(mock, **options) as ws:
        ws.subscribe([f"user.orders.{BTC}.raw"], lambda params: seen.append(params["data"]))
        kept = [rest(ws, "one"), rest(ws, "two")]
        cancel.sync(client=ws, order_id=rest(ws, "cancelled before"))
        elsewhere = rest(ws, "cancelled elsewhere")
        cancel.sync(client=http, order_id=elsewhere)  # learned from the user.orders notification
        wait_until(lambda: any(o["order_id"] == elsewhere and o["order_state"] == "cancelled" for o in seen), "it")
        mock.drop()
        wait_until(lambda: ws.last_disconnect is not None and ws.last_disconnect["down_s"] is not None, "the restore")
        report = ws.last_disconnect
        assert report is not None and report["cancel_on_disconnect"] is cod
        meant = "cancelled by the exchange" if cod else "still live"
        buy_ = "private/buy"
        assert report["orders"] == [
            {"order_id": kept[0], "label": "one", "instrument_name": BTC, "method": buy_, "after_disconnect": meant},
            {"order_id": kept[1], "label": "two", "instrument_name": BTC, "method": buy_, "after_disconnect": meant},
        ]
        # confirmed afterwards as docs/websocket.md shows: the exchange's own word on each
        states = {
            o["order_id"]: get_order_state.sync(client=ws, order_id=o["order_id"]).result for o in report["orders"]
        }
        assert {s.order_state for s in states.values()} == ({"cancelled"} if cod else {"open"})
        assert "SECRET" not in json.dumps(report)


def test_the_mock_controls_refuse_bad_marks(mock: MockServer) -> None:
    with pytest.raises(ValueError, match="unknown instrument 'DOGE-PERPETUAL'"):
        mock.set_marks(**{"DOGE-PERPETUAL": 1.0})
    with pytest.raises(ValueError, match="must be a positive number"):
        mock.set_marks(**{BTC: -1.0})


def test_a_refused_edit_leaves_the_order_as_it_was(http: AuthenticatedClient) -> None:
    placed = buy.sync(
        client=http, instrument_name=BTC, amount=10, price=BELOW, post_only=True, reject_post_only=True, label="e"
    )
    order_id = placed.result.order.order_id
    with pytest.raises(APIError) as refused:  # it would trade at once: refused, as it was placed
        edit.sync(client=http, order_id=order_id, amount=5, price=70_000)
    assert refused.value.code == 11054
    state = get_order_state.sync(client=http, order_id=order_id).result
    assert (state.order_state, state.amount, state.price) == ("open", 10, BELOW)


def test_an_immediate_or_cancel_order_that_does_not_fill_is_cancelled_at_once(http: AuthenticatedClient) -> None:
    placed = buy.sync(
        client=http, instrument_name=BTC, amount=10, price=BELOW, time_in_force="immediate_or_cancel", label="ioc"
    )
    assert placed.result.order.order_state == "cancelled"
    assert get_open_orders_by_currency.sync(client=http, currency="BTC").result == []


def test_an_http_order_call_answered_by_a_gateway_504_has_an_unknown_outcome(
    mock: MockServer, http: AuthenticatedClient
) -> None:
    mock.faults({"kind": "status", "status": 504, "method": "private/buy"})
    with pytest.raises(OrderOutcomeUnknownError):
        buy.sync(client=http, instrument_name=BTC, amount=10, price=BELOW, label="gateway")
    mock.faults({"kind": "status", "status": 503, "method": "public/test"})
    from deribit_session_client.api.supporting import test as public_test
    from deribit_session_client.errors import InternalServerError

    with AuthenticatedClient(base_url=mock.api_url, token=ACCESS_TOKEN, max_retries=0) as once:
        with pytest.raises(InternalServerError):  # (not an order: a plain error)
            public_test.sync(client=once)


def test_an_async_http_order_call_that_timed_out_connecting_never_left() -> None:
    # A listener that accepts and never answers the TLS handshake: the request is never written.
    import socket

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        port = server.getsockname()[1]

        async def go() -> None:
            async with AuthenticatedClient(
                base_url=f"https://127.0.0.1:{port}/api/v2", token=ACCESS_TOKEN, timeout=0.5, max_retries=0
            ) as client:
                await buy.asyncio(client=client, instrument_name=BTC, amount=10, price=BELOW)

        with pytest.raises(APITimeoutError) as caught:
            asyncio.run(go())
    assert not isinstance(caught.value, OrderOutcomeUnknownError)


def test_orders_placed_in_on_reconnect_on_a_connection_lost_before_ready_are_reported(mock: MockServer) -> None:
    placed: list[str] = []

    def on_reconnect(ws: WebSocketClient) -> None:
        if not placed:
            placed.append(rest(ws, "from on_reconnect"))
            mock.drop()  # (this connection is still held short of ready: on_reconnect runs)

    with session(mock, on_reconnect=on_reconnect) as ws:
        mock.drop()
        wait_until(lambda: placed and ws.stats["state"] == "ready" and ws.stats["reconnects"] >= 1, "the restores")
        wait_until(lambda: ws.last_disconnect and ws.last_disconnect["orders"], "the report")
        report = ws.last_disconnect
        assert report is not None
        assert [(o["order_id"], o["after_disconnect"]) for o in report["orders"]] == [(placed[0], "still live")]
