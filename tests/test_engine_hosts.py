"""The session engine through WebSocketClient's keeper (its host), against a scripted server in
this process: hypothesis drives random sequences of calls, drops, test_requests and concurrent
calls racing a drop, and the server's record of every frame on every connection must show the
same promises the bare protocol keeps (tests/test_protocol.py): every connection starts with
public/auth and restores its state in the spec's order before any user call, no request id and
no call goes out twice (not even on a new connection), every test_request is answered, and
every call returns or raises exactly once."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.asyncio.server import ServerConnection

from deribit_session_client import APIConnectionError, WebSocketClient

from .conftest import credentials, wait_until
from .hostile import HostileServer

#: The order a connection's setup puts things back in (the spec's x-connection-state order).
SETUP_RANK = {"public/auth": 0, "public/set_heartbeat": 1, "private/enable_cancel_on_disconnect": 2}
USER = ("public/get_time", "private/buy")


class ScriptedExchange(HostileServer):
    """Answers at once as the exchange would, recording each frame with its connection (the
    hostile server's thread, loop and controls; its own handler)."""

    def __init__(self) -> None:
        self.frames: list[tuple[int, dict[str, Any]]] = []  # (connection, frame)
        self.test_requests: dict[int, int] = {}  # connection -> test_requests sent on it
        self.by_number: dict[int, ServerConnection] = {}
        super().__init__(lambda method, params: None)

    async def _handle(self, ws: ServerConnection) -> None:
        number = len(self.test_requests) + 1
        self.test_requests[number] = 0
        self.by_number[number] = ws
        try:
            async for raw in ws:
                frame = json.loads(raw)
                self.frames.append((number, frame))
                method = frame.get("method", "")
                result: Any = "ok"
                if method == "public/auth":
                    await asyncio.sleep(0.1)  # (a setup that takes a moment: calls arrive during it)
                    result = {"access_token": "tok", "refresh_token": "ref", "expires_in": 900}
                elif method == "public/test":
                    result = {"version": "1.2.26"}
                elif method == "private/buy":
                    result = {"order": {"order_id": str(frame["id"]), "order_state": "open"}}
                await ws.send(json.dumps({"jsonrpc": "2.0", "id": frame["id"], "result": result}))
        except Exception:  # noqa: BLE001 (a dropped connection)
            pass
        finally:
            self.by_number.pop(number, None)

    def _each(self, action: Any) -> None:
        async def run() -> None:
            for number, connection in list(self.by_number.items()):
                await action(number, connection)

        asyncio.run_coroutine_threadsafe(run(), self.loop).result(5)

    def drop(self) -> None:
        async def drop(number: int, connection: ServerConnection) -> None:
            connection.transport.abort()

        self._each(drop)

    def test_request(self) -> None:
        async def send(number: int, connection: ServerConnection) -> None:
            self.test_requests[number] += 1
            message = {"jsonrpc": "2.0", "method": "heartbeat", "params": {"type": "test_request"}}
            await connection.send(json.dumps(message))

        self._each(send)


ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("call"), st.sampled_from(USER)),
        st.just(("drop",)),
        st.just(("test_request",)),
        st.tuples(st.just("race"), st.integers(min_value=1, max_value=4)),
        st.tuples(st.just("after"), st.integers(min_value=1, max_value=4)),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ACTIONS)
def test_the_keeper_keeps_the_engines_promises_over_a_real_socket(actions: list[tuple[Any, ...]]) -> None:
    exchange = ScriptedExchange()
    tag = iter(range(10_000))
    outcomes: dict[int, list[str]] = {}  # tag -> what its call did (exactly one entry each)

    def call(ws: WebSocketClient, method: str) -> None:
        mine = next(tag)
        outcomes[mine] = []
        try:
            ws.call(method, {"tag": mine}, timeout=5)
            outcomes[mine].append("answered")
        except APIConnectionError as exc:  # in flight at a drop (may have run), or not in time
            outcomes[mine].append(type(exc).__name__)

    try:
        options = credentials(heartbeat_interval=10, cancel_on_disconnect="connection", rate_limit=None)
        with WebSocketClient(exchange.url, **options) as ws, ThreadPoolExecutor(4) as pool:
            for action in actions:
                if action[0] == "call":
                    call(ws, action[1])
                elif action[0] == "drop":
                    exchange.drop()
                elif action[0] == "test_request":
                    asked = sum(exchange.test_requests.values()) + 1
                    exchange.test_request()

                    def answered(asked: int = asked) -> bool:
                        answers = sum(1 for _, f in exchange.frames if f.get("method") == "public/test")
                        return answers >= asked or ws.stats["state"] != "ready"

                    wait_until(answered, "the test_request answered")
                elif action[0] == "race":  # calls racing a drop
                    racing = [pool.submit(call, ws, USER[i % 2]) for i in range(action[1])]
                    exchange.drop()
                    for future in racing:
                        future.result(15)
                else:  # calls made while the session is set up again on a new connection
                    auths = sum(1 for _, f in exchange.frames if f.get("method") == "public/auth")
                    exchange.drop()

                    def authenticating(auths: int = auths) -> bool:
                        return sum(1 for _, f in exchange.frames if f.get("method") == "public/auth") > auths

                    wait_until(authenticating, "the new connection's public/auth")
                    made = [pool.submit(call, ws, USER[i % 2]) for i in range(action[1])]
                    for future in made:
                        future.result(15)
            wait_until(lambda: ws.stats["state"] == "ready", "the session back", 15)
    finally:
        exchange.close()

    by_connection: dict[int, list[dict[str, Any]]] = {}
    for number, frame in exchange.frames:
        by_connection.setdefault(number, []).append(frame)
    ids = [frame["id"] for _, frame in exchange.frames]
    assert len(ids) == len(set(ids))  # no request id twice, across connections
    tags = [frame["params"]["tag"] for _, frame in exchange.frames if "tag" in frame.get("params", {})]
    assert len(tags) == len(set(tags))  # no call sent again, even on a new connection
    assert all(len(done) == 1 for done in outcomes.values())  # each call returned or raised, once
    for frames in by_connection.values():
        methods = [f["method"] for f in frames if f["method"] != "public/test"]
        assert methods[:1] == ["public/auth"]  # authentication first on every connection
        setup = [m for m in methods if m in SETUP_RANK]
        first_user = next((i for i, m in enumerate(methods) if m in USER), len(methods))
        assert setup == sorted(setup, key=SETUP_RANK.__getitem__)  # the restore in the spec's order
        # no user call before the state is back (a connection lost during its setup carries none)
        assert first_user == len(methods) or set(SETUP_RANK) <= set(methods[:first_user])
