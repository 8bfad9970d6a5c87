"""WebSocketClient against servers that misbehave and against callers that race it: bounded
opening, close from any thread, fork, refused refreshes, refresh storms, hostile parameters
and timeouts, and secrets in cut-off excerpts. Hostile servers are websockets' own server
scripted by the test (tests/hostile.py); the mock covers what it can (a hanging auth)."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from deribit_mock.process import MockServer
from deribit_session_client import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    InvalidParamsError,
    RateLimitError,
    WebSocketClient,
)

from .conftest import CLIENT_SECRET, credentials, wait_until
from .hostile import (
    HostileServer,
    RawServer,
    Script,
    accept_key,
    answers_tests,
    auth_result,
    close_frame,
    frame,
    notification,
    upgrade,
)


@pytest.fixture
def hostile() -> Iterator[list[HostileServer]]:
    """Hostile servers a test starts with ``start(script)``; all stopped after it."""
    started: list[HostileServer] = []
    yield started
    for server in started:
        server.close()


def start(servers: list[HostileServer], script: Script) -> HostileServer:
    server = HostileServer(script)
    servers.append(server)
    return server


# -- 1. connect_timeout bounds opening and authenticating -------------------------------------------


@pytest.mark.parametrize("timeout", [10.0, None])
def test_a_server_that_never_answers_auth_fails_open_within_the_connect_timeout(
    mock: MockServer, timeout: float | None
) -> None:
    mock.ws_faults({"method": "public/auth", "action": "ignore"})
    started = time.monotonic()
    # (public/auth is bounded by what connecting left of connect_timeout)
    with pytest.raises(
        APITimeoutError,
        match=r"authenticating did not finish in time: public/auth \(id 1\) got no answer within [\d.]+ s",
    ):
        WebSocketClient(mock.ws_url, **credentials(connect_timeout=1.0, timeout=timeout)).open()
    elapsed = time.monotonic() - started
    assert elapsed < 1.0 + 2.0  # the bound, plus room for a paused process (not the 10 s or 41 s it took)


# -- 2. close() from another thread aborts a waiting open() -------------------------------------


def test_close_from_another_thread_aborts_an_open_that_waits(
    mock: MockServer, caplog: pytest.LogCaptureFixture
) -> None:
    mock.ws_faults({"method": "public/auth", "action": "ignore"})
    client = WebSocketClient(mock.ws_url, **credentials(connect_timeout=30.0))
    outcome: list[BaseException] = []

    def opening() -> None:
        try:
            client.open()
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=opening)
    thread.start()
    wait_until(lambda: [e for e in mock.events() if e["event"] == "opened"], "the connection")
    started = time.monotonic()
    client.close()
    thread.join(5)
    assert not thread.is_alive() and time.monotonic() - started < 5  # not the 30 s bound
    [error] = outcome
    assert isinstance(error, APIConnectionError) and "closed while opening" in str(error)
    assert client.stats["state"] == "closed"
    assert "Task was destroyed" not in caplog.text


# -- 3. concurrent closes release the keeper once ------------------------------------------------


def test_two_threads_closing_one_client_leave_another_client_served(mock: MockServer) -> None:
    mock.time_scale(0.2)  # heartbeats every 2 s, as long to answer
    with WebSocketClient(mock.ws_url, **credentials(heartbeat_interval=10)) as survivor:
        for _ in range(5):
            doomed = WebSocketClient(mock.ws_url, **credentials()).open()
            barrier = threading.Barrier(2)
            errors: list[BaseException] = []

            def closing(
                client: WebSocketClient = doomed,
                gate: threading.Barrier = barrier,
                errors: list[BaseException] = errors,
            ) -> None:
                gate.wait(5)
                try:
                    client.close()
                except BaseException as exc:
                    errors.append(exc)

            threads = [threading.Thread(target=closing) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(15)
            assert errors == [] and doomed.stats["state"] == "closed"
        # the shared keeper still runs the survivor's connection: its heartbeats are answered
        before = mock.heartbeats()["test_requests_answered"]
        mock.send_test_request()
        wait_until(lambda: mock.heartbeats()["test_requests_answered"] > before, "the survivor's answer")
        assert survivor.call("public/test") == {"version": "1.2.26"}
    assert mock.heartbeats()["test_requests_missed"] == 0


# -- 4. fork ---------------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork() is POSIX-only")
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")  # the point of the test
def test_a_forked_child_opens_its_own_client(mock: MockServer) -> None:
    with WebSocketClient(mock.ws_url, **credentials()) as parent:
        parent.call("public/test")
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: report through the pipe, never return into pytest
            code = 1
            try:
                try:
                    parent.call("public/test", timeout=2)
                except APIConnectionError as exc:
                    inherited = "parent process" in str(exc)
                with WebSocketClient(mock.ws_url, **credentials(connect_timeout=5.0, timeout=5.0)) as child:
                    ok = child.call("public/test") == {"version": "1.2.26"}
                # the parent's keeper lowered the GIL switch interval; the child gets Python's back
                code = 0 if ok and inherited and sys.getswitchinterval() == 0.005 else 2
            finally:
                os.write(write, bytes([code]))
                os._exit(0)
        os.close(write)
        deadline = time.monotonic() + 20
        status = b""
        while not status and time.monotonic() < deadline:
            status = os.read(read, 1)
        os.close(read)
        os.waitpid(pid, 0)
        assert status == bytes([0])
        assert parent.call("public/test") == {"version": "1.2.26"}  # the parent's client goes on


# -- 5. a refused refresh leaves one consistent state ---------------------------------------------


def test_a_refresh_refused_for_good_fails_the_client_and_closes_its_connection(
    hostile: list[HostileServer],
) -> None:
    auths = 0

    def script(method: str, params: dict[str, Any]) -> dict[str, Any] | None:
        nonlocal auths
        if method == "public/auth":
            auths += 1
            if auths == 1:
                return auth_result(expires_in=1)  # refreshed after 0.8 s
            return {"error": {"code": 13004, "message": "invalid_credentials"}}
        return answers_tests(method, params)

    server = start(hostile, script)
    errors: list[BaseException] = []
    with WebSocketClient(server.url, **credentials(on_error=errors.append, min_refresh_interval=0.5)) as ws:
        wait_until(lambda: errors, "the refused refresh")
        assert ws.stats["state"] == "failed"
        wait_until(lambda: not server.connections, "the connection closed")
        with pytest.raises(AuthenticationError):
            ws.call("public/test")
        time.sleep(0.3)  # several backoff periods: a client that reconnected would be seen
        assert not server.connections and ws.stats["state"] == "failed"
    assert [m for m, _ in server.received if m == "public/auth"] == ["public/auth"] * 3  # open, refresh, re-auth


# -- 6. no refresh storm ---------------------------------------------------------------------------


@pytest.mark.parametrize("expires_in", [0.001, 0, -5, "900", None, ..., float("nan"), 10**400, 1e308])
def test_no_expires_in_makes_the_client_authenticate_in_a_loop(hostile: list[HostileServer], expires_in: Any) -> None:
    def script(method: str, params: dict[str, Any]) -> dict[str, Any] | None:
        if method == "public/auth":
            return auth_result(expires_in=expires_in)
        return answers_tests(method, params)

    server = start(hostile, script)
    with WebSocketClient(server.url, **credentials()) as ws:
        time.sleep(2.0)  # 0.001 made about 1,700 requests in that time
        assert ws.call("public/test") == {"version": "1.2.26"}
    assert server.count("public/auth") == 1


@pytest.mark.parametrize("interval", [0, -1, float("inf"), float("nan"), "10", True, 10**400])
def test_a_min_refresh_interval_that_is_not_positive_seconds_is_refused(interval: Any) -> None:
    with pytest.raises(ValueError, match="min_refresh_interval"):
        WebSocketClient("ws://127.0.0.1:9/ws/api/v2", min_refresh_interval=interval)


# -- 7. hostile parameters and timeouts ------------------------------------------------------------


def test_deeply_nested_params_are_invalid_params_before_sending(mock: MockServer) -> None:
    nested: Any = []
    for _ in range(3000):
        nested = [nested]
    with WebSocketClient(mock.ws_url, **credentials()) as ws:
        with pytest.raises(InvalidParamsError, match="nests too deeply"):
            ws.call("public/test", {"deep": nested})
        with pytest.raises(InvalidParamsError, match="JSON"):
            ws.call("public/test", {"nan": float("nan")})
        assert ws.call("public/test") == {"version": "1.2.26"}


@pytest.mark.parametrize("timeout", [float("inf"), 1e10, 1e300])
def test_an_infinite_or_huge_timeout_means_no_limit(mock: MockServer, timeout: float) -> None:
    with WebSocketClient(mock.ws_url, **credentials(timeout=timeout)) as ws:
        assert ws.call("public/test", timeout=timeout) == {"version": "1.2.26"}
        assert ws.call("public/test") == {"version": "1.2.26"}


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), "10", True])
def test_a_timeout_that_is_not_positive_seconds_is_refused_before_sending(mock: MockServer, timeout: Any) -> None:
    with WebSocketClient(mock.ws_url, **credentials()) as ws:
        with pytest.raises(InvalidParamsError, match="timeout"):
            ws.call("public/test", timeout=timeout)
    assert [r["method"] for r in mock.requests() if r.get("method") == "public/test"] == []


# -- 8. no secret in a cut-off excerpt -------------------------------------------------------------


@pytest.mark.parametrize("cut", [0, 1, 2, 5])
def test_a_frame_cut_inside_a_token_logs_no_part_of_it(
    hostile: list[HostileServer], caplog: pytest.LogCaptureFixture, cut: int
) -> None:
    caplog.set_level(logging.DEBUG)
    server = start(hostile, lambda m, p: auth_result() if m == "public/auth" else answers_tests(m, p))
    secret = "RT-0123456789abcdef-0123456789abcdef"
    with WebSocketClient(server.url, **credentials()):
        # not JSON (so it is quoted in a warning), long enough to be cut, the cut placed inside
        # or right after the token's value
        for padding in range(780 + cut, 800 + cut):
            frame = "x" * padding + f'{{"refresh_token": "{secret}"}}' + "garbage"
            server.send_to_all(frame)
        wait_until(lambda: "not JSON" in caplog.text, "the warnings")
        time.sleep(0.2)
    # (the hostile server's own websockets.server lines print its frames; the client's must not)
    lines = [r.getMessage() for r in caplog.records if not r.name.startswith("websockets.server")]
    assert any("not JSON" in line for line in lines)
    for line in lines:
        for start_at in range(len(secret) - 6):
            assert secret[start_at : start_at + 6] not in line


# -- found by review: racing opens, secrets in error answers and frames, deep answers ---------------


def test_close_racing_open_never_leaves_open_waiting(mock: MockServer, caplog: pytest.LogCaptureFixture) -> None:
    # close() may land before open() has handed the keeper its start: open() must still fail at
    # once (it waited for its whole bound, 40 s by default, in 2 to 10 of 400 tries)
    for _ in range(60):
        client = WebSocketClient(mock.ws_url, **credentials(connect_timeout=2.0, timeout=2.0))
        outcome: list[BaseException | None] = []

        def opening(client: WebSocketClient = client, outcome: list[BaseException | None] = outcome) -> None:
            try:
                client.open()
                outcome.append(None)
            except BaseException as exc:
                outcome.append(exc)

        thread = threading.Thread(target=opening)
        thread.start()
        client.close()
        thread.join(6)
        assert not thread.is_alive(), "open() kept waiting after close()"
        assert outcome == [None] or isinstance(outcome[0], APIConnectionError), outcome
        client.close()
    assert "Task was destroyed" not in caplog.text and "never awaited" not in caplog.text


SECRET_IN_ANSWER = "SECRET-IN-ANSWER-7c1e"


def test_a_server_that_quotes_secrets_in_its_errors_shows_none_of_them(
    hostile: list[HostileServer], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    def script(method: str, params: dict[str, Any]) -> dict[str, Any] | None:
        if method == "public/auth":
            message = f"invalid client_secret={params.get('client_secret')} refresh_token={SECRET_IN_ANSWER}"
            data = {"client_secret": params.get("client_secret"), "refresh_token": SECRET_IN_ANSWER}
            return {"error": {"code": 13004, "message": message, "data": data}}
        return answers_tests(method, params)

    server = start(hostile, script)
    with pytest.raises(AuthenticationError) as refused:
        WebSocketClient(server.url, **credentials(auth="client_credentials")).open()
    shown = str(refused.value) + repr(refused.value) + repr(refused.value.data) + caplog.text
    shown += "".join(__import__("traceback").format_exception(refused.value))
    assert CLIENT_SECRET not in shown and SECRET_IN_ANSWER not in shown
    assert "invalid client_secret=***" in str(refused.value)


def test_frames_carrying_the_clients_own_tokens_log_none_of_them(
    hostile: list[HostileServer], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    refresh = "RT-own-refresh-token-0c9d2b"
    server = start(
        hostile,
        lambda m, p: auth_result(refresh_token=refresh) if m == "public/auth" else answers_tests(m, p),
    )
    with WebSocketClient(server.url, **credentials()) as ws:
        for frame in (
            f'not json {{\\"refresh_token\\":\\"{refresh}\\"}}',  # JSON inside a JSON string
            f"not json REFRESH_TOKEN={refresh}",
            f'not json "refreshToken": "{refresh}"',
            f"not json, just the token: {refresh}",
            f'["{refresh}"',
        ):
            server.send_to_all(frame)
        server.send_to_all(f'{{"jsonrpc": "2.0", "id": "{refresh}", "result": 1}}')  # an answer for no call
        wait_until(lambda: "no pending call" in caplog.text, "the last frame")
        assert ws.call("public/test") == {"version": "1.2.26"}
    lines = [r.getMessage() for r in caplog.records if not r.name.startswith("websockets.server")]
    assert not [line for line in lines if refresh in line]


@pytest.mark.parametrize("shape", ["no result", "a result that does not fit"])
def test_a_deeply_nested_answer_is_a_response_validation_error(hostile: list[HostileServer], shape: str) -> None:
    from deribit_session_client import ResponseValidationError
    from deribit_session_client.api.supporting import test as public_test

    deep: Any = 1
    for _ in range(700):
        deep = [deep]

    def script(method: str, params: dict[str, Any]) -> dict[str, Any] | None:
        if method == "public/auth":
            return auth_result()
        if method == "public/test":
            return {"other": deep} if shape == "no result" else {"result": {"version": deep}}
        return None

    server = start(hostile, script)
    with WebSocketClient(server.url, **credentials()) as ws:
        with pytest.raises(ResponseValidationError):
            if shape == "no result":
                ws.call("public/test")
            else:
                public_test.sync(client=ws)
        assert ws.stats["state"] == "ready"


# -- the transport: what a broken peer does to the wire ---------------------------------------------


def test_a_text_frame_that_is_not_utf8_closes_the_connection_and_the_client_reconnects(
    hostile: list[HostileServer], caplog: pytest.LogCaptureFixture
) -> None:
    server = start(
        hostile, lambda method, params: auth_result() if method == "public/auth" else answers_tests(method, params)
    )
    with WebSocketClient(server.url, **credentials(initial_retry_delay=0.05)) as ws:
        server.send_bytes_as_text(b'{"jsonrpc": "2.0", "method": "\xff\xfe"}')
        wait_until(lambda: ws.stats["reconnects"] >= 1 and ws.stats["state"] == "ready", "the reconnect")
        assert ws.call("public/test") == {"version": "1.2.26"}
    assert "1007 invalid UTF-8" in caplog.text  # the cause names the close the client sent


def test_a_binary_frame_holding_json_rpc_is_understood(hostile: list[HostileServer]) -> None:
    seen: list[dict[str, Any]] = []
    server = start(hostile, lambda method, params: auth_result() if method == "public/auth" else None)
    with WebSocketClient(server.url, on_notification=seen.append, **credentials()) as ws:

        async def send() -> None:
            for connection in list(server.connections):
                await connection.send(b'{"jsonrpc": "2.0", "method": "subscription", "params": {"n": 1}}')

        asyncio.run_coroutine_threadsafe(send(), server.loop).result(5)
        wait_until(lambda: seen, "the notification")
        assert seen[0]["params"] == {"n": 1} and ws.stats["state"] == "ready"


def test_a_server_that_never_answers_pings_is_replaced(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "deribit_session_client")
    server = RawServer()
    try:
        # no credentials: nothing to authenticate, so only the keepalive can see the link is dead
        with WebSocketClient(server.url, ping_interval=0.1, ping_timeout=0.3, initial_retry_delay=0.05):
            wait_until(lambda: len(server.accepted) >= 2, "a second connection")
        assert "no pong within ping_timeout (0.3 s)" in caplog.text
    finally:
        server.close()


def test_a_proxy_that_refuses_the_tunnel_is_a_connection_error_naming_its_answer() -> None:
    import socket

    listener = socket.create_server(("127.0.0.1", 0))

    def refuse() -> None:
        sock, _ = listener.accept()
        with sock:
            sock.recv(4096)
            sock.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")

    thread = threading.Thread(target=refuse, daemon=True)
    thread.start()
    try:
        proxy = f"http://127.0.0.1:{listener.getsockname()[1]}"
        with pytest.raises(APIConnectionError, match="the proxy refused the tunnel: HTTP 407"):
            WebSocketClient("ws://127.0.0.1:9/ws/api/v2", proxy=proxy, connect_timeout=5).open()
    finally:
        thread.join(5)
        listener.close()


def test_an_upgrade_refused_with_429_and_no_length_is_a_rate_limit_error() -> None:
    def refuse(sock: socket.socket) -> None:
        sock.recv(4096)
        sock.sendall(b"HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\n\r\nslow down")
        sock.close()  # (the answer ends with the connection: it is parsed only at its end)

    server = RawServer(refuse)
    try:
        with pytest.raises(RateLimitError, match="too many connections"):
            WebSocketClient(server.url, connect_timeout=5).open()
    finally:
        server.close()


def test_an_upgrade_answer_that_is_not_http_fails_open_at_once() -> None:
    def garbage(sock: socket.socket) -> None:
        sock.recv(4096)
        sock.sendall(b"HELLO THERE\r\n\r\n")
        time.sleep(5)  # (kept open: the client must not wait for it to close)

    server = RawServer(garbage)
    try:
        started = time.monotonic()
        with pytest.raises(APIConnectionError, match="InvalidMessage|did not receive a valid HTTP response"):
            WebSocketClient(server.url, connect_timeout=5).open()
        assert time.monotonic() - started < 3.0  # not the connect timeout (margin: a loaded machine)
    finally:
        server.close()


def test_a_server_that_never_reads_cannot_fill_the_clients_memory(caplog: pytest.LogCaptureFixture) -> None:
    """A server that reads nothing: the client's write buffer fills (here with its own calls,
    each ~30 kB, so that it fills at once whatever the machine's load: a ping flood filled it
    in 6 s on a quiet machine and over 40 s on a loaded one), it stops reading, and it replaces
    the connection when nothing it wrote was read for ping_timeout (no keepalive pings here:
    only the write side can notice). The calls written on it fail as may-have-run, at once."""
    caplog.set_level(logging.WARNING, "deribit_session_client")

    def deaf(sock: socket.socket) -> None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        upgrade(sock)
        time.sleep(30)

    server = RawServer(deaf)
    pad = "x" * 30_000
    try:
        with WebSocketClient(
            server.url, ping_interval=None, ping_timeout=1.0, initial_retry_delay=0.05, rate_limit=None
        ) as ws:

            async def flood() -> list[Any]:
                calls = [ws.call_async("public/test", {"pad": pad}, timeout=30) for _ in range(300)]
                return list(await asyncio.gather(*calls, return_exceptions=True))

            started = time.monotonic()
            outcomes = asyncio.run(flood())
            # the stall limit (1 s) from the first pause, plus room for a paused process
            assert time.monotonic() - started < 15
            wait_until(lambda: len(server.accepted) >= 2, "the connection replaced", timeout=15)
        assert all(isinstance(outcome, APIConnectionError) for outcome in outcomes)
        assert "left what was sent unread for 1.0 s" in caplog.text
    finally:
        server.close()


def test_a_proxy_that_sends_data_after_its_answer_is_refused() -> None:
    def chatty(sock: socket.socket) -> None:
        sock.recv(4096)
        sock.sendall(b"HTTP/1.1 200 Connection established\r\n\r\nJUNK")
        time.sleep(2)

    proxy = RawServer(chatty)
    try:
        with pytest.raises(APIConnectionError, match="sent data after its answer to CONNECT"):
            WebSocketClient(
                "ws://127.0.0.1:9/ws/api/v2", proxy=f"http://127.0.0.1:{proxy.port}", connect_timeout=5
            ).open()
    finally:
        proxy.close()


def test_a_proxy_that_closes_the_tunnel_under_tls_leaves_no_stray_error(caplog: pytest.LogCaptureFixture) -> None:
    import gc
    import ssl

    def closes(sock: socket.socket) -> None:
        sock.recv(4096)
        sock.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        sock.close()

    proxy = RawServer(closes)
    try:
        for _ in range(5):
            client = WebSocketClient(
                "wss://localhost:9/ws/api/v2",
                proxy=f"http://127.0.0.1:{proxy.port}",
                ssl=ssl.create_default_context(),
                connect_timeout=5,
            )
            with pytest.raises(APIConnectionError):
                client.open()
            gc.collect()
        time.sleep(0.1)
        gc.collect()
        assert "never retrieved" not in caplog.text
    finally:
        proxy.close()


def test_a_socks_proxy_that_refuses_is_a_connection_error() -> None:
    def refuse(sock: socket.socket) -> None:
        sock.recv(16)  # the greeting
        sock.sendall(b"\x05\x00")  # no authentication
        sock.recv(262)  # the CONNECT request
        sock.sendall(b"\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00")  # 5: connection refused

    proxy = RawServer(refuse)
    try:
        with pytest.raises(APIConnectionError, match="SOCKS proxy refused"):
            WebSocketClient(
                "ws://127.0.0.1:9/ws/api/v2", proxy=f"socks5://127.0.0.1:{proxy.port}", connect_timeout=5
            ).open()
    finally:
        proxy.close()


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("ping_interval", 0),
        ("ping_interval", "5"),
        ("ping_timeout", -1),
        ("ping_timeout", float("nan")),
        ("max_message_bytes", 0),
        ("max_message_bytes", "1000"),
        ("url", "ws://127.0.0.1:99999/ws/api/v2"),
        ("url", "ws:///ws/api/v2"),
        ("proxy", "ftp://proxy:21"),
    ],
)
def test_options_the_transport_cannot_use_are_refused_before_connecting(option: str, value: Any) -> None:
    options: dict[str, Any] = {"url": "ws://127.0.0.1:9/ws/api/v2", option: value}
    with pytest.raises((ValueError, TypeError), match=option if option != "url" else "url"):
        WebSocketClient(**options)


def test_a_working_socks_proxy_carries_the_session(mock: MockServer) -> None:
    """A SOCKS5 proxy by hand (no authentication, CONNECT only) relaying to the mock."""
    import struct

    tunnels: list[tuple[str, int]] = []

    def relay(sock: socket.socket) -> None:
        sock.recv(16)
        sock.sendall(b"\x05\x00")
        head = sock.recv(4)
        if head[3] == 3:  # a host name
            host = sock.recv(sock.recv(1)[0]).decode()
        else:
            host = socket.inet_ntoa(sock.recv(4))
        port = struct.unpack("!H", sock.recv(2))[0]
        tunnels.append((host, port))
        upstream = socket.create_connection((host, port))
        sock.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1") + struct.pack("!H", port))

        def pump(source: socket.socket, sink: socket.socket) -> None:
            try:
                while data := source.recv(65536):
                    sink.sendall(data)
            except OSError:
                pass
            finally:
                sink.close()

        threading.Thread(target=pump, args=(upstream, sock), daemon=True).start()
        pump(sock, upstream)

    proxy = RawServer(relay)
    try:
        port = int(mock.ws_url.split(":")[2].split("/")[0])
        with WebSocketClient(mock.ws_url, proxy=f"socks5h://127.0.0.1:{proxy.port}", **credentials()) as ws:
            assert ws.call("public/test") == {"version": "1.2.26"}
        assert tunnels == [("127.0.0.1", port)]
    finally:
        proxy.close()


# -- found by the hostile review of the picows transport (both transports must pass) ------------


def _quiet_client(server: RawServer, seen: list[Any]) -> WebSocketClient:
    """No credentials (nothing to authenticate), no keepalive, a slow reconnect: what the
    connection does with the server's frames is all there is to see."""
    return WebSocketClient(
        server.url, ping_interval=None, on_notification=seen.append, initial_retry_delay=5, max_retry_delay=5
    )


@pytest.mark.parametrize(
    "sent",
    [
        close_frame(1001, b"bye") + frame(1, notification(1)),  # text after the server's close
        # a new message before the last one ended (1002), then the rest of the first
        frame(1, notification(1)[:10], fin=False) + frame(1, b"{}") + frame(0, notification(1)[10:]),
        frame(1, notification(1), rsv=4),  # reserved bits, nothing negotiated (1002)
    ],
    ids=["after-close", "after-a-broken-message", "reserved-bits"],
)
def test_frames_after_a_close_or_a_protocol_error_are_never_delivered(
    sent: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "deribit_session_client")

    def handle(sock: socket.socket) -> None:
        upgrade(sock)
        time.sleep(0.1)
        sock.sendall(sent)
        sock.settimeout(5)
        while sock.recv(4096):  # (until the client ends the connection)
            pass

    server, seen = RawServer(handle), list[Any]()
    try:
        with _quiet_client(server, seen):
            wait_until(lambda: "lost (" in caplog.text, "the connection to end")
        assert seen == []
        if b"{}" in sent or sent[0] & 0x70:
            assert "closed by the client: 1002" in caplog.text
    finally:
        server.close()


@pytest.mark.parametrize("code", [5000, 1006, 1015])
def test_a_close_code_no_server_may_send_fails_the_connection_with_1002(
    code: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "deribit_session_client")

    def handle(sock: socket.socket) -> None:
        upgrade(sock)
        sock.sendall(close_frame(code))
        sock.settimeout(5)
        while sock.recv(4096):
            pass

    server: RawServer = RawServer(handle)
    try:
        with _quiet_client(server, []):
            wait_until(lambda: "lost (" in caplog.text, "the connection to end")
        assert "closed by the client: 1002" in caplog.text
    finally:
        server.close()


def test_an_upgrade_answer_cut_off_in_its_headers_is_a_connection_error() -> None:
    def handle(sock: socket.socket) -> None:
        sock.recv(65536)
        sock.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n")
        sock.shutdown(socket.SHUT_WR)

    server = RawServer(handle)
    try:
        with pytest.raises(APIConnectionError) as caught:
            WebSocketClient(server.url, connect_timeout=5).open()
        assert "AssertionError" not in str(caught.value)
    finally:
        server.close()


def test_an_upgrade_that_negotiates_an_extension_not_asked_for_is_refused() -> None:
    def handle(sock: socket.socket) -> None:
        accept = accept_key(sock.recv(65536))
        sock.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Extensions: permessage-deflate\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n"
        )
        time.sleep(1)

    server = RawServer(handle)
    try:
        with pytest.raises(APIConnectionError, match="connecting to"):
            WebSocketClient(server.url, connect_timeout=5).open()
    finally:
        server.close()


def test_reconnects_that_time_out_in_the_upgrade_leave_no_socket_open() -> None:
    def handle(sock: socket.socket) -> None:
        sock.settimeout(30)  # (longer than the test waits: a socket left open fails it)
        try:
            while sock.recv(4096):  # reads the upgrade request and never answers it
                pass
        except OSError:
            pass
        finally:
            sock.close()

    server = RawServer(handle)
    try:
        client = WebSocketClient(server.url, connect_timeout=0.3)
        with pytest.raises(APITimeoutError):
            client.open()
        for _ in range(3):
            with pytest.raises(APITimeoutError):
                WebSocketClient(server.url, connect_timeout=0.3).open()
        # each client end was closed: the server's reads end (EOF), so no socket stays open
        wait_until(lambda: all(s.fileno() == -1 for s in server.accepted), "every connection closed")
    finally:
        server.close()
