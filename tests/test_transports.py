"""Choosing the WebSocket library under a session: ``transport=``, ``DERIBIT_WS_TRANSPORT``, and
picows (the ``[fast]`` extra) when installed. Every other WebSocket test runs on both (the
second pass of ``make test``); these check the choice itself."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from typing import Any

import pytest

from deribit_mock.process import MockServer
from deribit_session_client import WebSocketClient

from .conftest import CLIENT_ID, CLIENT_SECRET, credentials

HAS_PICOWS = importlib.util.find_spec("picows") is not None
TRANSPORTS = ["websockets", pytest.param("picows", marks=pytest.mark.skipif(not HAS_PICOWS, reason="no [fast] extra"))]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_forced_transport_carries_the_session_and_says_so_in_the_user_agent(
    mock: MockServer, transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DERIBIT_WS_TRANSPORT", "websockets" if transport == "picows" else "picows")
    with WebSocketClient(mock.ws_url, heartbeat_interval=10, transport=transport, **credentials()) as ws:  # type: ignore[arg-type]
        assert ws.call("public/test") == {"version": "1.2.26"}
        [conn] = mock.connections()
    assert ws.transport == transport
    assert f" {transport}/" in conn["user_agent"]
    assert conn["heartbeat_interval"] == 10


def test_without_a_choice_picows_is_taken_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DERIBIT_WS_TRANSPORT", raising=False)
    ws = WebSocketClient("ws://127.0.0.1:9/ws/api/v2")
    assert ws.transport == ("picows" if HAS_PICOWS else "websockets")


def test_the_environment_names_the_transport_when_transport_is_not_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DERIBIT_WS_TRANSPORT", "websockets")
    assert WebSocketClient("ws://127.0.0.1:9/ws/api/v2").transport == "websockets"


def test_an_unknown_transport_is_a_value_error_naming_where_it_came_from(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="transport must be 'websockets' or 'picows', not 'aiohttp'"):
        WebSocketClient("ws://127.0.0.1:9/ws/api/v2", transport="aiohttp")  # type: ignore[arg-type]
    monkeypatch.setenv("DERIBIT_WS_TRANSPORT", "fast")
    with pytest.raises(ValueError, match="DERIBIT_WS_TRANSPORT must be"):
        WebSocketClient("ws://127.0.0.1:9/ws/api/v2")


def test_picows_asked_for_without_the_extra_is_an_import_error_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "picows", None)  # (as if not installed)
    monkeypatch.delenv("DERIBIT_WS_TRANSPORT", raising=False)
    with pytest.raises(ImportError, match=r"deribit-session-client\[fast\]"):
        WebSocketClient("ws://127.0.0.1:9/ws/api/v2", transport="picows")
    assert WebSocketClient("ws://127.0.0.1:9/ws/api/v2").transport == "websockets"


UVLOOP_SESSION = """
import sys
from typing import Any
from deribit_session_client import WebSocketClient
with WebSocketClient(sys.argv[1], client_id=sys.argv[3], client_secret=sys.argv[4],
                     heartbeat_interval=10, transport=sys.argv[2]) as ws:
    assert ws.call("public/test") == {"version": "1.2.26"}
print("uvloop" in sys.modules)
"""


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("keeper_loop", ["uvloop", "asyncio"])
def test_the_keeper_runs_on_uvloop_when_installed_unless_told_not_to(
    mock: MockServer, transport: str, keeper_loop: str
) -> None:
    pytest.importorskip("uvloop")  # (the dev venv and CI have it: the [uvloop] extra)
    env = {k: v for k, v in os.environ.items() if k != "DERIBIT_KEEPER_LOOP"}
    if keeper_loop == "asyncio":
        env["DERIBIT_KEEPER_LOOP"] = "asyncio"
    done = subprocess.run(
        [sys.executable, "-c", UVLOOP_SESSION, mock.ws_url, transport, CLIENT_ID, CLIENT_SECRET],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == [str(keeper_loop == "uvloop")]


class _Timers:
    """A loop's call_later on a clock the test moves: the stall rule without a real socket."""

    def __init__(self) -> None:
        self.now = 0.0
        self.due: list[tuple[float, Any, tuple[Any, ...], list[bool]]] = []

    def time(self) -> float:
        return self.now

    def call_later(self, delay: float, callback: Any, *args: Any) -> Any:
        cancelled = [False]
        self.due.append((self.now + delay, callback, args, cancelled))

        class Handle:
            def cancel(self) -> None:
                cancelled[0] = True

        return Handle()

    def advance(self, to: float) -> None:
        self.now = to
        for at, callback, args, cancelled in sorted(self.due, key=lambda d: d[0]):
            if at <= to and not cancelled[0]:
                cancelled[0] = True
                callback(*args)


def test_a_peer_that_never_reads_is_dropped_within_the_stall_limit_of_the_first_pause() -> None:
    """(issue 32.10) The write buffer drains below its low mark now and then as the kernel's
    buffer grows, though the peer reads nothing: that must not restart the stall limit."""
    from deribit_session_client._core.transports.wire import Keepalive

    timers, aborted = _Timers(), list[str]()
    keepalive = Keepalive(timers, None, 1.0, lambda _: True, lambda _: None, aborted.append)  # type: ignore[arg-type]
    keepalive.writing_paused()
    for moment in (0.2, 0.4, 0.6):  # resumed and paused again, each time within the limit
        timers.advance(moment)
        keepalive.writing_resumed()
        timers.advance(moment + 0.1)
        keepalive.writing_paused()
    # paused 0.2 + 0.1 + 0.1 s so far, and again from 0.7: the limit is reached at 1.3 s
    timers.advance(1.29)
    assert aborted == []
    timers.advance(1.3)
    assert aborted and "unread for 1.0 s" in aborted[0]


def test_a_peer_that_reads_again_ends_the_stall() -> None:
    from deribit_session_client._core.transports.wire import Keepalive

    timers, aborted = _Timers(), list[str]()
    keepalive = Keepalive(timers, None, 1.0, lambda _: True, lambda _: None, aborted.append)  # type: ignore[arg-type]
    keepalive.writing_paused()
    timers.advance(0.5)
    keepalive.writing_resumed()  # and it stays below the low mark for the limit
    timers.advance(1.6)
    keepalive.writing_paused()  # a new stall: a new limit from here
    timers.advance(2.5)
    assert aborted == []
    timers.advance(2.6)
    assert len(aborted) == 1
