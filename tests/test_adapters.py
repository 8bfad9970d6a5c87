"""The two adapters in examples/ (SessionProtocol over aiohttp in the caller's event loop, and
over websockets.sync.client in a plain thread), each against the mock exchange process: they
answer heartbeats, survive a drop and put the session back before the next call, as
WebSocketClient does (the mock's request log and heartbeat counters are the evidence)."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from deribit_mock.process import MockServer
from deribit_session_client.errors import APITimeoutError, AuthenticationError
from deribit_session_client.protocol import SessionProtocol

from .conftest import CLIENT_ID, CLIENT_SECRET, wait_until

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CHANNEL = "ticker.BTC-PERPETUAL.raw"
SETUP = ["public/auth", "public/set_heartbeat", "private/enable_cancel_on_disconnect"]


def example(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"examples_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def protocol(secret: str = CLIENT_SECRET) -> SessionProtocol:
    return SessionProtocol(
        client_id=CLIENT_ID, client_secret=secret, heartbeat_interval=10, cancel_on_disconnect="connection"
    )


def by_connection(mock: MockServer) -> dict[int, list[str]]:
    """The methods each WebSocket connection received, in order."""
    seen: dict[int, list[str]] = {}
    for request in mock.requests():
        if request.get("transport") == "websocket":
            seen.setdefault(request["connection"], []).append(request["method"])
    return seen


def answered(mock: MockServer, at_least: int) -> bool:
    beats = mock.heartbeats()
    return bool(beats["test_requests_answered"] >= at_least)


def check_the_story(mock: MockServer) -> None:
    """Heartbeats answered and none missed; after the drop, the second connection was set up
    (auth, heartbeat, cancel-on-disconnect, the subscription) before the call that followed."""
    first, second = ([m for m in ms if m != "public/test"] for ms in list(by_connection(mock).values())[:2])
    assert first[:3] == SETUP  # (public/test, the test_request answers, may come at any time)
    assert second[:4] == [*SETUP, "public/subscribe"]
    assert "public/get_time" in second[4:]
    beats = mock.heartbeats()
    assert beats["test_requests_missed"] == 0 and beats["test_requests_answered"] >= 2


def check_the_new_connection(mock: MockServer) -> None:
    """While the session is open: the exchange's view of the connection that replaced the
    dropped one has the heartbeat, cancel-on-disconnect and the channel back."""
    [conn] = mock.connections()
    assert conn["heartbeat_interval"] == 10 and conn["cancel_on_disconnect"] is True
    assert conn["channels"] == [CHANNEL]


def test_the_threaded_adapter_keeps_a_session_through_a_drop(mock: MockServer) -> None:
    mock.time_scale(0.05)  # a test_request every 0.5 s
    mock.stub("public/get_time", result=1764547200000)
    session_type: Any = example("threaded_session").ThreadedSession
    with session_type(mock.ws_url, protocol(), retry_delay=0.05) as session:
        assert session.call("public/subscribe", {"channels": [CHANNEL]}, timeout=10) == [CHANNEL]
        wait_until(lambda: answered(mock, 2), "two test_requests answered")
        [dropped] = mock.drop()
        wait_until(lambda: len(by_connection(mock)) == 2 and session.protocol.state == "ready", "the restore")
        assert session.call("public/get_time", timeout=10) == 1764547200000
        mock.notify({"channel": CHANNEL, "data": {"mark_price": 1}})
        assert session.notifications.get(timeout=10)["params"]["channel"] == CHANNEL
        check_the_new_connection(mock)
    check_the_story(mock)


def test_the_aiohttp_adapter_keeps_a_session_through_a_drop(mock: MockServer) -> None:
    mock.time_scale(0.05)
    mock.stub("public/get_time", result=1764547200000)
    session_type: Any = example("aiohttp_session").AiohttpSession

    async def scenario() -> None:
        async with session_type(mock.ws_url, protocol(), retry_delay=0.05) as session:
            assert await session.call("public/subscribe", {"channels": [CHANNEL]}) == [CHANNEL]
            await asyncio.to_thread(wait_until, lambda: answered(mock, 2), "two test_requests answered")
            await asyncio.to_thread(mock.drop)
            while not (len(by_connection(mock)) == 2 and session.protocol.state == "ready"):
                await asyncio.sleep(0.02)
            assert await session.call("public/get_time") == 1764547200000
            await asyncio.to_thread(mock.notify, {"channel": CHANNEL, "data": {"mark_price": 1}})
            message = await asyncio.wait_for(session.notifications.get(), 10)
            assert message["params"]["channel"] == CHANNEL
            await asyncio.to_thread(check_the_new_connection, mock)

    asyncio.run(scenario())
    check_the_story(mock)


@pytest.mark.parametrize("adapter", ["threaded_session", "aiohttp_session"])
def test_a_refused_secret_is_an_authentication_error_and_no_secret_shows(mock: MockServer, adapter: str) -> None:
    wrong = "wrong-SECRET-77ab"
    session_type: Any = getattr(
        example(adapter), "ThreadedSession" if adapter == "threaded_session" else "AiohttpSession"
    )
    with pytest.raises(AuthenticationError) as caught:
        if adapter == "threaded_session":
            with session_type(mock.ws_url, protocol(wrong)):
                pass
        else:

            async def enter() -> None:
                async with session_type(mock.ws_url, protocol(wrong)):
                    pass

            asyncio.run(enter())
    assert wrong not in str(caught.value) and CLIENT_SECRET not in str(caught.value)


@pytest.mark.parametrize("adapter", ["threaded_session", "aiohttp_session"])
def test_a_call_with_no_answer_times_out_on_time(mock: MockServer, adapter: str) -> None:
    mock.stub("public/get_time", result=1)
    mock.ws_faults({"method": "public/get_time", "action": "ignore"})  # never answered
    module = example(adapter)
    started = time.monotonic()
    if adapter == "threaded_session":
        with module.ThreadedSession(mock.ws_url, protocol()) as session, pytest.raises(APITimeoutError):
            started = time.monotonic()
            session.call("public/get_time", timeout=0.5)
    else:

        async def scenario() -> None:
            nonlocal started
            async with module.AiohttpSession(mock.ws_url, protocol()) as session:
                started = time.monotonic()
                with pytest.raises(APITimeoutError):
                    await session.call("public/get_time", timeout=0.5)

        asyncio.run(scenario())
    assert time.monotonic() - started < 0.5 + 2.0  # (a loaded machine's margin)
