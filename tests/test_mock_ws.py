"""The mock exchange's WebSocket endpoint, driven with the `websockets` library alone (no code
of this project's client): JSON-RPC framing and errors, public/auth, tokens, heartbeats,
cancel-on-disconnect, the controls and time scaling.

Durations run under the mock's time scale, so a 10 s heartbeat takes 0.1 s or less; every
wait for the server is bounded by a generous timeout (5 s) instead of a fixed sleep, so the
tests pass on a loaded machine.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from deribit_mock.methods import client_signature
from deribit_mock.process import MockServer, start_mock, stop_mock

from .conftest import ACCESS_TOKEN, CLIENT_ID, CLIENT_SECRET, wait_until

WAIT = 5.0  # the longest any step waits for the server: a margin for a loaded machine


def run(coroutine: Awaitable[Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coroutine, 30))


def open_ws(mock: MockServer) -> Any:
    return connect(mock.ws_url, compression=None, ping_interval=None, open_timeout=WAIT)


class Rpc:
    """Requests with increasing ids; notifications that arrive meanwhile are kept."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.next_id = 0
        self.notifications: list[dict[str, Any]] = []

    async def send(self, method: str, params: dict[str, Any] | None = None, *, rpc_id: Any = None) -> Any:
        if rpc_id is None:
            self.next_id += 1
            rpc_id = self.next_id
        await self.ws.send(json.dumps({"jsonrpc": "2.0", "id": rpc_id, "method": method, "params": params or {}}))
        return rpc_id

    async def answer(self, rpc_id: Any) -> dict[str, Any]:
        while True:
            message = json.loads(await asyncio.wait_for(self.ws.recv(), WAIT))
            if "id" not in message and message.get("method"):
                self.notifications.append(message)
                continue
            assert message.get("id") == rpc_id, message
            result: dict[str, Any] = message
            return result

    async def call(self, method: str, params: dict[str, Any] | None = None, *, rpc_id: Any = None) -> dict[str, Any]:
        return await self.answer(await self.send(method, params, rpc_id=rpc_id))

    async def raw(self, frame: str) -> dict[str, Any]:
        await self.ws.send(frame)
        result: dict[str, Any] = json.loads(await asyncio.wait_for(self.ws.recv(), WAIT))
        return result

    async def notification(self) -> dict[str, Any]:
        if self.notifications:
            return self.notifications.pop(0)
        result: dict[str, Any] = json.loads(await asyncio.wait_for(self.ws.recv(), WAIT))
        assert "id" not in result, result
        return result

    async def auth(self, **params: Any) -> dict[str, Any]:
        params = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, **params}
        answer = await self.call("public/auth", params)
        assert "result" in answer, answer
        result: dict[str, Any] = answer["result"]
        return result


def signed(**extra: Any) -> dict[str, Any]:
    timestamp = int(time.time() * 1000)
    nonce = secrets.token_hex(8)
    data = extra.pop("data", "")
    return {
        "grant_type": "client_signature",
        "client_id": CLIENT_ID,
        "timestamp": timestamp,
        "nonce": nonce,
        "data": data,
        "signature": client_signature(CLIENT_SECRET, timestamp, nonce, data),
        **extra,
    }


def events(mock: MockServer, kind: str | None = None) -> list[dict[str, Any]]:
    return [e for e in mock.events() if kind is None or e["event"] == kind]


async def closed(ws: ClientConnection) -> ConnectionClosed:
    try:
        while True:
            await asyncio.wait_for(ws.recv(), WAIT)
    except ConnectionClosed as exc:
        return exc


# -- JSON-RPC framing --------------------------------------------------------------------------


def test_ids_are_echoed_and_answers_carry_the_exchange_fields(mock: MockServer) -> None:
    async def go() -> list[dict[str, Any]]:
        async with open_ws(mock) as ws:
            rpc = Rpc(ws)
            return [await rpc.call("public/test", rpc_id=42), await rpc.call("public/test", rpc_id="abc-1")]

    by_int, by_str = run(go())
    assert by_int["id"] == 42 and by_str["id"] == "abc-1"
    for answer in (by_int, by_str):
        assert answer["jsonrpc"] == "2.0" and answer["result"] == {"version": "1.2.26"}
        assert answer["testnet"] is True
        assert answer["usOut"] - answer["usIn"] == answer["usDiff"] >= 0


@pytest.mark.parametrize(
    ("frame", "code", "message", "echoed"),
    [
        ("not json", -32700, "Parse error", None),
        ('[{"jsonrpc": "2.0", "id": 1, "method": "public/test"}]', -32600, "Invalid Request", None),
        ('"public/test"', -32600, "Invalid Request", None),
        ('{"jsonrpc": "2.0", "id": 7}', -32600, "Invalid Request", 7),
        ('{"jsonrpc": "2.0", "id": 1.5, "method": "public/test"}', -32600, "Invalid Request", None),
        ('{"jsonrpc": "2.0", "id": 8, "method": "public/nothing"}', -32601, "Method not found", 8),
        ('{"jsonrpc": "2.0", "id": 9, "method": "public/test", "params": [1]}', -32602, "Invalid params", 9),
        ('{"jsonrpc": "2.0", "id": 10, "method": "private/get_cancel_on_disconnect"}', 13009, "unauthorized", 10),
    ],
    ids=["not-json", "batch", "not-an-object", "no-method", "float-id", "unknown-method", "positional", "private"],
)
def test_bad_frames_get_the_exchanges_errors(
    mock: MockServer, frame: str, code: int, message: str, echoed: int | None
) -> None:
    async def go() -> tuple[dict[str, Any], dict[str, Any]]:
        async with open_ws(mock) as ws:
            rpc = Rpc(ws)
            bad = await rpc.raw(frame)
            return bad, await rpc.call("public/test")  # the connection survives

    bad, after = run(go())
    assert (bad["error"]["code"], bad["error"]["message"]) == (code, message)
    assert bad.get("id") == echoed
    assert after["result"] == {"version": "1.2.26"}


def test_a_frame_over_32_kb_is_refused(mock: MockServer) -> None:
    frame = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "public/test", "params": {"pad": "x" * 33_000}})

    async def go() -> dict[str, Any]:
        async with open_ws(mock) as ws:
            return await Rpc(ws).raw(frame)

    answer = run(go())
    assert answer["error"] == {"code": -32600, "message": "request entity too large"}


@pytest.mark.parametrize(
    ("params", "data"),
    [
        ({"interval": 5}, {"param": "interval", "reason": "must not be less than 10"}),
        ({}, {"param": "interval", "reason": "value required"}),
        ({"interval": "often"}, {"param": "interval", "reason": "must be a number"}),
    ],
)
def test_bad_params_get_the_same_error_as_over_http(mock: MockServer, params: dict[str, Any], data: Any) -> None:
    async def go() -> dict[str, Any]:
        async with open_ws(mock) as ws:
            return await Rpc(ws).call("public/set_heartbeat", params)

    over_ws = run(go())["error"]
    over_http = httpx.get(f"{mock.api_url}/public/set_heartbeat", params=params).json()["error"]
    assert over_ws == over_http == {"code": -32602, "message": "Invalid params", "data": data}


# -- public/auth and tokens --------------------------------------------------------------------


def test_the_signature_formula_matches_deribits_test_vector() -> None:
    expected = "56590594f97921b09b18f166befe0d1319b198bbcdad7ca73382de2f88fe9aa1"
    assert client_signature("AMANDASECRECT", 1576074319000, "1iqt2wls", "") == expected


@pytest.mark.parametrize("grant", ["client_credentials", "client_signature"])
def test_auth_authenticates_the_connection(mock: MockServer, grant: str) -> None:
    async def go() -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
        async with open_ws(mock) as ws:
            rpc = Rpc(ws)
            result = (
                await rpc.auth(**signed(state="s-1")) if grant == "client_signature" else await rpc.auth(state="s-1")
            )
            after = await rpc.call("private/get_cancel_on_disconnect")
            return result, after, await asyncio.to_thread(mock.connections)

    result, after, [conn] = run(go())
    assert result["token_type"] == "bearer" and result["expires_in"] == 900
    assert result["scope"] == "connection mainaccount" and result["state"] == "s-1"
    assert result["access_token"] != result["refresh_token"]
    assert after["result"] == {"scope": "connection", "enabled": False}  # no access_token needed now
    assert conn["authenticated"] is True and conn["account"] == CLIENT_ID
    assert [e["event"] for e in mock.events()][:2] == ["opened", "authenticated"]


# (signed when the test runs: a timestamp taken at collection is stale by the time a loaded
# machine gets to the test, and the mock then refuses it for that, 13009)
@pytest.mark.parametrize(
    ("make_params", "code", "reason"),
    [
        (
            lambda: {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": "wrong"},
            13004,
            "secret",
        ),
        (lambda: {**signed(), "signature": "0" * 64}, 13004, "signature"),
        (lambda: {**signed(), "data": "not what was signed"}, 13004, "signature"),
    ],
    ids=["wrong-secret", "wrong-signature", "tampered-data"],
)
def test_wrong_credentials_are_refused(
    mock: MockServer, make_params: Callable[[], dict[str, Any]], code: int, reason: str
) -> None:
    params = make_params()

    async def go() -> dict[str, Any]:
        async with open_ws(mock) as ws:
            return await Rpc(ws).call("public/auth", params)

    error = run(go())["error"]
    assert error["code"] == code and reason in error["data"]["reason"]
    assert events(mock, "authenticated") == []


def test_an_old_timestamp_and_a_reused_nonce_are_refused(mock: MockServer) -> None:
    old = int(time.time() * 1000) - 61_000
    stale = {**signed(), "timestamp": old}
    stale["signature"] = client_signature(CLIENT_SECRET, old, stale["nonce"])
    once = signed()

    async def go() -> list[dict[str, Any]]:
        async with open_ws(mock) as ws:
            rpc = Rpc(ws)
            return [
                await rpc.call("public/auth", stale),
                await rpc.call("public/auth", once),
                await rpc.call("public/auth", once),
            ]

    too_old, first, replay = run(go())
    assert too_old["error"]["code"] == 13009 and "60 s" in too_old["error"]["data"]["reason"]
    assert "result" in first
    assert replay["error"]["code"] == 13009 and "nonce" in replay["error"]["data"]["reason"]


def test_an_expired_token_is_refused_saying_so_and_a_refresh_token_gives_a_new_pair(mock: MockServer) -> None:
    mock.time_scale(0.01)  # scope expires:100 -> 1 s

    async def go() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]:
        async with open_ws(mock) as ws:
            rpc = Rpc(ws)
            first = await rpc.auth(scope="expires:100")
            await asyncio.sleep(1.2)
            expired = await rpc.call("private/get_cancel_on_disconnect")
            renewed = await rpc.call(
                "public/auth", {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
            )
            works = await rpc.call("private/get_cancel_on_disconnect")
            reused = await rpc.call(
                "public/auth", {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
            )
            return first, expired, renewed, works, reused

    first, expired, renewed, works, reused = run(go())
    assert first["expires_in"] == 1
    assert expired["error"]["code"] == 13009 and "expired" in expired["error"]["data"]["reason"]
    assert renewed["result"]["access_token"] != first["access_token"]
    assert renewed["result"]["refresh_token"] != first["refresh_token"]
    assert works["result"]["enabled"] is False
    assert reused["error"]["code"] == 13009  # a refresh token is spent by its first use


@pytest.mark.parametrize(("scope", "works_elsewhere"), [("connection", False), ("session:desk-1", True)])
def test_connection_scope_tokens_stay_on_their_connection_session_tokens_do_not(
    mock: MockServer, scope: str, works_elsewhere: bool
) -> None:
    async def go() -> tuple[dict[str, Any], dict[str, Any]]:
        async with open_ws(mock) as first, open_ws(mock) as second:
            token = (await Rpc(first).auth(scope=scope))["access_token"]
            answer = await Rpc(second).call("private/get_cancel_on_disconnect", {"access_token": token})
        async with open_ws(mock) as third:  # after the first connection closed
            later = await Rpc(third).call("private/get_cancel_on_disconnect", {"access_token": token})
        return answer, later

    answer, later = run(go())
    for result in (answer, later):
        if works_elsewhere:
            assert result["result"] == {"scope": "connection", "enabled": False}
        else:
            assert result["error"]["code"] == 13009


def test_the_static_token_works_as_an_access_token_param_and_as_a_bearer(mock: MockServer) -> None:
    async def go() -> dict[str, Any]:
        async with open_ws(mock) as ws:
            return await Rpc(ws).call("private/get_cancel_on_disconnect", {"access_token": ACCESS_TOKEN})

    assert run(go())["result"] == {"scope": "connection", "enabled": False}
    over_http = httpx.get(
        f"{mock.api_url}/private/get_cancel_on_disconnect", headers={"Authorization": f"Bearer {ACCESS_TOKEN}"}
    )
    assert over_http.json()["result"]["enabled"] is False


def test_auth_over_http_gives_a_bearer_token(mock: MockServer) -> None:
    params = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    token = httpx.get(f"{mock.api_url}/public/auth", params=params).json()["result"]["access_token"]
    answer = httpx.get(f"{mock.api_url}/private/get_cancel_on_disconnect", headers={"Authorization": f"Bearer {token}"})
    assert answer.json()["result"] == {"scope": "connection", "enabled": False}
    log = mock.requests()
    assert CLIENT_SECRET not in json.dumps(log) and token not in json.dumps(log)


# -- heartbeats --------------------------------------------------------------------------------


def test_an_idle_connection_gets_test_requests_and_answering_them_keeps_it_open(mock: MockServer) -> None:
    # interval 10 -> 1 s, and as long to answer: a test process paused for a few hundred ms on a
    # shared machine must not miss one (at 0.03 a 0.3 s pause did)
    mock.time_scale(0.1)

    async def go() -> list[dict[str, Any]]:
        async with open_ws(mock) as ws:
            rpc = Rpc(ws)
            await rpc.call("public/set_heartbeat", {"interval": 10})
            seen: list[dict[str, Any]] = []
            # An answer that lands less than a whole interval before the next beat makes that
            # beat a plain heartbeat (the connection was not silent): answer until two
            # test_requests have come, within a bound.
            while sum(n["params"]["type"] == "test_request" for n in seen) < 2 and len(seen) < 8:
                note = await rpc.notification()
                seen.append(note)
                if note["params"]["type"] == "test_request":
                    await rpc.call("public/test")
            return seen

    seen = run(go())
    assert all(n["method"] == "heartbeat" and n["params"]["type"] in ("test_request", "heartbeat") for n in seen)
    assert sum(n["params"]["type"] == "test_request" for n in seen) == 2
    stats = mock.heartbeats()
    assert stats["test_requests_sent"] >= 2 and stats["test_requests_answered"] >= 2
    assert stats["test_requests_missed"] == 0
    assert stats["latency_ms"]["count"] >= 2 and stats["latency_ms"]["max"] < WAIT * 1000
    assert events(mock, "test_request_missed") == []


def test_a_busy_connection_gets_plain_heartbeats(mock: MockServer) -> None:
    mock.time_scale(0.2)  # interval 10 -> 2 s: a paused test process must not look silent for one

    async def go() -> dict[str, Any]:
        async with open_ws(mock) as ws:
            rpc = Rpc(ws)
            await rpc.call("public/set_heartbeat", {"interval": 10})
            while not rpc.notifications:  # traffic every ~20 ms: never silent for a whole interval
                await rpc.call("public/test")
                await asyncio.sleep(0.02)
            return rpc.notifications[0]

    assert run(go())["params"] == {"type": "heartbeat"}


def test_an_unanswered_test_request_closes_the_connection_and_fires_cancel_on_disconnect(mock: MockServer) -> None:
    mock.time_scale(0.01)

    async def go() -> ConnectionClosed:
        async with open_ws(mock) as ws:
            rpc = Rpc(ws)
            await rpc.auth()
            await rpc.call("private/enable_cancel_on_disconnect")
            await rpc.call("public/set_heartbeat", {"interval": 10})
            return await closed(ws)  # reads the test_request, never answers it

    exc = run(go())
    assert exc.rcvd is not None and (exc.rcvd.code, exc.rcvd.reason) == (4000, "heartbeat close")  # as at the exchange
    wait_until(lambda: events(mock, "cancel_on_disconnect"), "cancel_on_disconnect")
    kinds = [e["event"] for e in mock.events()]
    assert kinds == ["opened", "authenticated", "test_request_missed", "closed", "cancel_on_disconnect"]
    assert mock.heartbeats()["test_requests_missed"] == 1


def test_disable_heartbeat_stops_both_kinds_of_message(mock: MockServer) -> None:
    mock.time_scale(0.05)  # a 0.5 s interval (and as long to answer): the wait below is 2.5 of them

    async def go() -> list[Any]:
        async with open_ws(mock) as ws:
            rpc = Rpc(ws)
            await rpc.call("public/set_heartbeat", {"interval": 10})
            await rpc.notification()
            await rpc.call("public/test")
            await rpc.call("public/disable_heartbeat")
            rpc.notifications.clear()
            try:
                return [await asyncio.wait_for(ws.recv(), 1.25)]
            except TimeoutError:
                return []

    assert run(go()) == []
    [closing] = wait_until(lambda: events(mock, "closed"), "the close")
    assert closing["reason"] == "closed by the client (code 1000)"
    assert events(mock, "test_request_missed") == []


def test_the_test_request_control_sends_one_now(mock: MockServer) -> None:
    async def go() -> dict[str, Any]:
        async with open_ws(mock) as ws:
            rpc = Rpc(ws)
            await rpc.call("public/test")
            [conn] = mock.connections()
            await asyncio.to_thread(mock.send_test_request, conn["id"])
            note = await rpc.notification()
            await rpc.call("public/test")
            return note

    assert run(go())["params"] == {"type": "test_request"}
    stats = mock.heartbeats()
    assert (stats["test_requests_sent"], stats["test_requests_answered"]) == (1, 1)


# -- cancel-on-disconnect ----------------------------------------------------------------------


@pytest.mark.parametrize("how", ["client-close", "drop", "logout", "flag-off"])
def test_cancel_on_disconnect_fires_on_every_close_but_logout(mock: MockServer, how: str) -> None:
    async def go() -> None:
        async with open_ws(mock) as ws:
            rpc = Rpc(ws)
            await rpc.auth()
            if how != "flag-off":
                await rpc.call("private/enable_cancel_on_disconnect", {"scope": "connection"})
            if how == "drop":
                [conn] = mock.connections()
                await asyncio.to_thread(mock.drop, conn["id"])
                exc = await closed(ws)
                assert exc.rcvd is None  # no close frame: as a network failure
            elif how == "logout":
                await rpc.send("private/logout")
                exc = await closed(ws)  # no answer, the server closes
                assert exc.rcvd is not None

    run(go())
    [closing] = wait_until(lambda: events(mock, "closed"), "the close")
    fired = events(mock, "cancel_on_disconnect")
    if how in ("logout", "flag-off"):
        assert fired == []
    else:
        assert [(e["connection"], e["account"]) for e in fired] == [(closing["connection"], CLIENT_ID)]
    assert {"logout": "logout", "drop": "connection dropped"}.get(how, "closed by the client") in closing["reason"]


def test_account_scope_sets_the_default_every_new_connection_starts_with(mock: MockServer) -> None:
    async def go() -> tuple[dict[str, Any], dict[str, Any]]:
        async with open_ws(mock) as ws:
            rpc = Rpc(ws)
            await rpc.auth()
            await rpc.call("private/enable_cancel_on_disconnect", {"scope": "account"})
            here = await rpc.call("private/get_cancel_on_disconnect", {"scope": "connection"})
        async with open_ws(mock) as ws:
            rpc = Rpc(ws)
            await rpc.auth()
            return here, await rpc.call("private/get_cancel_on_disconnect", {"scope": "connection"})

    here, new = run(go())
    assert here["result"]["enabled"] is False  # account scope leaves this connection as it was
    assert new["result"]["enabled"] is True


# -- the idle timeout, rate limits, time scale -------------------------------------------------


def test_a_silent_connection_is_closed_after_600_scaled_seconds(mock: MockServer) -> None:
    mock.time_scale(0.001)  # 600 s -> 0.6 s

    async def go() -> ConnectionClosed:
        async with open_ws(mock) as ws:
            rpc = Rpc(ws)
            await rpc.auth()
            await rpc.call("private/enable_cancel_on_disconnect")
            return await closed(ws)

    started = time.monotonic()
    exc = run(go())
    assert exc.rcvd is not None and "no traffic" in exc.rcvd.reason
    assert time.monotonic() - started >= 0.6
    wait_until(lambda: events(mock, "cancel_on_disconnect"), "cancel_on_disconnect")


def test_over_the_rate_limit_the_connection_gets_10028_and_is_closed(mock: MockServer) -> None:
    mock.rate_limit(2, window=60)

    async def go() -> tuple[list[dict[str, Any]], ConnectionClosed]:
        async with open_ws(mock) as ws:
            rpc = Rpc(ws)
            answers = [await rpc.call("public/test") for _ in range(3)]
            return answers, await closed(ws)

    answers, exc = run(go())
    assert "result" in answers[0] and "result" in answers[1]
    assert answers[2]["error"]["code"] == 10028
    assert exc.rcvd is not None and "10028" in exc.rcvd.reason


def test_time_scale_is_set_by_config_and_reset(mock: MockServer) -> None:
    assert httpx.post(f"{mock.base}/_mock/config", json={"time_scale": 0.5}).json()["time_scale"] == 0.5
    assert httpx.post(f"{mock.base}/_mock/config", json={"time_scale": 0}).status_code == 400
    mock.reset()
    assert httpx.post(f"{mock.base}/_mock/config", json={}).json()["time_scale"] == 1.0


# -- controls ----------------------------------------------------------------------------------


def test_connections_lists_each_open_connection(mock: MockServer) -> None:
    async def go() -> list[dict[str, Any]]:
        async with open_ws(mock) as a, open_ws(mock) as b:
            await Rpc(a).auth()
            rpc = Rpc(b)
            await rpc.call("public/set_heartbeat", {"interval": 30})
            return await asyncio.to_thread(mock.connections)

    first, second = sorted(run(go()), key=lambda c: c["id"])
    assert first["authenticated"] is True and first["heartbeat_interval"] is None
    assert second["authenticated"] is False and second["heartbeat_interval"] == 30
    assert {"cancel_on_disconnect", "test_requests_sent", "test_requests_answered"} <= first.keys()
    wait_until(lambda: mock.connections() == [], "both connections to close")


def test_a_stalled_connection_answers_nothing_and_keeps_tcp_open(mock: MockServer) -> None:
    async def go() -> tuple[bool, bool, list[bool]]:
        async with connect(mock.ws_url, compression=None, ping_interval=None, close_timeout=0.2) as ws:
            rpc = Rpc(ws)
            await rpc.call("public/test")
            await asyncio.to_thread(mock.stall)
            await rpc.send("public/test")
            try:
                await asyncio.wait_for(ws.recv(), 0.5)
                answered = True
            except TimeoutError:
                answered = False
            pong = await ws.ping()
            try:
                await asyncio.wait_for(pong, 0.5)
                ponged = True
            except TimeoutError:
                ponged = False
            stalled = await asyncio.to_thread(lambda: [c["stalled"] for c in mock.connections()])
            return answered, ponged, stalled

    assert run(go()) == (False, False, [True])  # no answer, no pong, the connection kept
    # A client that gives the stalled connection up is seen, as the exchange's kernel would see it.
    wait_until(lambda: not mock.connections(), "the client's close to be seen")
    assert [e["event"] for e in mock.events()][-1] == "closed"


def test_reset_closes_every_websocket_connection(mock: MockServer) -> None:
    async def go() -> ConnectionClosed:
        async with open_ws(mock) as ws:
            await Rpc(ws).call("public/test")
            await asyncio.to_thread(mock.reset)
            return await closed(ws)

    exc = run(go())
    assert exc.rcvd is not None and "reset" in exc.rcvd.reason
    assert mock.connections() == [] and mock.events() == []


def _account_cod(mock: MockServer) -> bool:
    answer = httpx.get(
        f"{mock.api_url}/private/get_cancel_on_disconnect",
        params={"scope": "account"},
        headers={"Authorization": f"Bearer {ACCESS_TOKEN}"},
    )
    enabled: bool = answer.json()["result"]["enabled"]
    return enabled


def test_an_http_request_delayed_across_a_reset_is_not_carried_out_after_it(mock: MockServer) -> None:
    # Otherwise a test that gave up on a delayed request changes the state of the next test.
    mock.faults({"method": "private/enable_cancel_on_disconnect", "kind": "delay", "seconds": 1.0})
    with httpx.Client(base_url=mock.api_url, timeout=30) as http:

        async def delayed() -> httpx.Response:
            return await asyncio.to_thread(
                http.get,
                "/private/enable_cancel_on_disconnect",
                params={"scope": "account"},
                headers={"Authorization": f"Bearer {ACCESS_TOKEN}"},
            )

        async def go() -> httpx.Response:
            task = asyncio.create_task(delayed())
            await asyncio.to_thread(wait_until, mock.requests, "the request to arrive")
            await asyncio.to_thread(mock.reset)  # while it is delayed
            return await task

        answer = run(go())
    assert answer.status_code == 503 and "reset" in answer.json()["error"]
    assert _account_cod(mock) is False


def test_a_websocket_request_delayed_across_a_reset_is_not_carried_out_after_it(mock: MockServer) -> None:
    mock.ws_faults({"method": "private/enable_cancel_on_disconnect", "action": "delay", "seconds": 0.5})

    async def go() -> None:
        async with open_ws(mock) as ws:
            # The static token, which survives a reset (a session token would not, and the
            # late request would then be refused whether or not the mock checks for a reset).
            await ws.send(
                json.dumps(
                    {
                        "jsonrpc": "2.0",
                        "id": 99,
                        "method": "private/enable_cancel_on_disconnect",
                        "params": {"scope": "account", "access_token": ACCESS_TOKEN},
                    }
                )
            )
            await asyncio.to_thread(
                wait_until,
                lambda: [r for r in mock.requests() if r.get("method") == "private/enable_cancel_on_disconnect"],
                "the request to arrive",
            )
            await asyncio.to_thread(mock.reset)  # while it is delayed
            await closed(ws)

    run(go())
    time.sleep(1.5)  # past the delay (were the request carried out late, this would only pass wrongly, never fail)
    assert _account_cod(mock) is False


def test_realistic_mode_keeps_10030_over_http_while_websocket_works(mock: MockServer) -> None:
    mock.realistic(True)
    over_http = httpx.get(f"{mock.api_url}/public/set_heartbeat", params={"interval": 30}).json()

    async def go() -> dict[str, Any]:
        async with open_ws(mock) as ws:
            return await Rpc(ws).call("public/set_heartbeat", {"interval": 30})

    assert over_http["error"]["code"] == 10030
    assert run(go())["result"] == "ok"


def test_logout_over_http_is_always_websocket_only(mock: MockServer) -> None:
    answer = httpx.get(f"{mock.api_url}/private/logout", headers={"Authorization": f"Bearer {ACCESS_TOKEN}"})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == 10030


def test_the_connection_limit_per_address_is_an_option() -> None:
    server = start_mock({"DERIBIT_MOCK_MAX_CONNECTIONS_PER_IP": "2"})
    try:

        async def go() -> Exception | None:
            async with open_ws(server), open_ws(server):
                try:
                    async with open_ws(server):
                        return None
                except Exception as exc:  # the upgrade is refused with HTTP 429
                    return exc

        refused = run(go())
        assert refused is not None and "429" in str(refused)
    finally:
        stop_mock(server)


# -- found by review -----------------------------------------------------------------------------


@pytest.mark.parametrize("expires", ["nan", "inf", "1e400", "-5", "0"])
def test_a_bad_expires_scope_is_an_invalid_param(mock: MockServer, expires: str) -> None:
    async def go() -> dict[str, Any]:
        async with open_ws(mock) as ws:
            return await Rpc(ws).call(
                "public/auth",
                {
                    "grant_type": "client_credentials",
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "scope": f"expires:{expires}",
                },
            )

    assert run(go())["error"]["data"]["param"] == "scope"


def test_a_time_scale_change_reschedules_a_pending_test_request(mock: MockServer) -> None:
    async def go() -> ConnectionClosed:
        async with open_ws(mock) as ws:
            rpc = Rpc(ws)
            await rpc.call("public/set_heartbeat", {"interval": 10})  # 10 s at scale 1
            [conn] = await asyncio.to_thread(mock.connections)
            await asyncio.to_thread(mock.send_test_request, conn["id"])
            await rpc.notification()
            await asyncio.to_thread(mock.time_scale, 0.01)  # the deadline becomes 0.1 s
            return await closed(ws)

    started = time.monotonic()
    exc = run(go())
    assert exc.rcvd is not None and (exc.rcvd.code, exc.rcvd.reason) == (4000, "heartbeat close")  # as at the exchange
    assert time.monotonic() - started < WAIT


def test_logout_with_an_access_token_param_invalidates_that_token(mock: MockServer) -> None:
    async def go() -> dict[str, Any]:
        async with open_ws(mock) as first:
            token = (await Rpc(first).auth(scope="session:s1"))["access_token"]
        async with open_ws(mock) as second:
            await Rpc(second).send("private/logout", {"access_token": token})
            await closed(second)
        async with open_ws(mock) as third:
            return await Rpc(third).call("private/get_cancel_on_disconnect", {"access_token": token})

    assert run(go())["error"]["code"] == 13009


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/ws/drop", {"id": "abc"}),
        ("/ws/stall", {"id": [1]}),
        ("/ws/faults", {"faults": [1]}),
        ("/ws/faults", {"faults": [{"action": "delay", "seconds": "x"}]}),
        ("/ws/notify", {"params": {}, "fragments": 0}),
        ("/ws/notify", {"params": {}, "fragments": "2"}),
    ],
)
def test_bad_control_requests_are_refused_and_break_nothing(mock: MockServer, path: str, body: Any) -> None:
    with pytest.raises(ValueError, match="the mock refused"):  # MockServer turns a 400 into its reason
        mock.controls.post(path, json=body)
    with pytest.raises(ValueError, match="the mock refused POST /_mock/ws/drop"):
        mock.controls.post("/ws/drop", content=b"not json")

    async def go() -> dict[str, Any]:
        async with open_ws(mock) as ws:
            return await Rpc(ws).call("public/test")

    assert run(go())["result"] == {"version": "1.2.26"}


def test_a_binary_frame_that_is_not_utf8_is_a_parse_error(mock: MockServer) -> None:
    async def go() -> list[dict[str, Any]]:
        async with open_ws(mock) as ws:
            answers = []
            for frame in (b'{"jsonrpc": "2.0", "id": "\xff", "method": "public/test"}', b"\xff" * 12_000):
                await ws.send(frame)
                answers.append(json.loads(await asyncio.wait_for(ws.recv(), WAIT)))
            return answers

    assert [a["error"]["code"] for a in run(go())] == [-32700, -32700]
