"""Both transports over TLS against the mock process serving https:// and wss:// with a test CA
(trustme), and WebSocketClient through an HTTP CONNECT proxy.

What a user relies on: the right CA works end to end (heartbeats, a reconnect, the session put
back); a wrong CA or a certificate for another name is refused with APIConnectionError naming
the certificate problem, within the connect timeout and without retries; a certificate that
changes under a running session stops it instead of retrying forever; the proxy environment
variables are used only when asked for.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import trustme

from deribit_mock.process import MockServer, start_mock, stop_mock
from deribit_session_client import APIConnectionError, AuthenticatedClient, Client, WebSocketClient
from deribit_session_client.api.session_management import enable_cancel_on_disconnect, get_cancel_on_disconnect
from deribit_session_client.api.supporting import test as public_test

from .conftest import ACCESS_TOKEN, CLIENT_ID, CLIENT_SECRET, credentials, wait_until

ENV = {
    "DERIBIT_MOCK_CLIENT_ID": CLIENT_ID,
    "DERIBIT_MOCK_CLIENT_SECRET": CLIENT_SECRET,
    "DERIBIT_MOCK_ACCESS_TOKEN": ACCESS_TOKEN,
}
CONNECT_TIMEOUT = 3.0


@pytest.fixture(scope="module")
def tls_server() -> Iterator[MockServer]:
    server = start_mock(ENV, tls=True)
    yield server
    stop_mock(server)


@pytest.fixture
def tls_mock(tls_server: MockServer) -> MockServer:
    tls_server.reset()
    return tls_server


@pytest.fixture(scope="module")
def other_name_server() -> Iterator[MockServer]:
    """A TLS mock whose certificate is for another name than the 127.0.0.1 clients connect to."""
    server = start_mock({**ENV, "DERIBIT_MOCK_TLS_NAMES": "exchange.invalid"}, tls=True)
    yield server
    stop_mock(server)


def other_ca() -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    trustme.CA().configure_trust(context)
    return context


def ws_client(url: str, **options: Any) -> WebSocketClient:
    return WebSocketClient(url, **credentials(**{"connect_timeout": CONNECT_TIMEOUT, **options}))


# -- the right CA ------------------------------------------------------------------------------


def test_http_over_tls_with_the_right_ca(tls_mock: MockServer) -> None:
    with Client(base_url=tls_mock.api_url, verify_ssl=tls_mock.ssl_context()) as client:
        assert public_test.sync(client=client).result.version == "1.2.26"
    with AuthenticatedClient.from_client_signature(
        base_url=tls_mock.api_url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, verify_ssl=tls_mock.ssl_context()
    ) as client:
        enable_cancel_on_disconnect.sync(client=client, scope="account")
        assert get_cancel_on_disconnect.sync(client=client, scope="account").result.enabled is True
    assert [r["auth"] for r in tls_mock.requests()] == ["none", "signature", "signature"]


def test_websocket_over_tls_answers_heartbeats_and_restores_the_session_after_a_drop(tls_mock: MockServer) -> None:
    tls_mock.time_scale(0.2)  # a 10 s heartbeat every 2 s, as long to answer
    with ws_client(
        tls_mock.ws_url, ssl=tls_mock.ssl_context(), heartbeat_interval=10, cancel_on_disconnect="connection"
    ) as ws:
        tls_mock.send_test_request()
        wait_until(lambda: tls_mock.heartbeats()["test_requests_answered"] >= 1, "the test_request's answer")
        [first] = tls_mock.connections()
        tls_mock.drop()
        wait_until(lambda: ws.stats["reconnects"] == 1, "the reconnect")
        assert get_cancel_on_disconnect.sync(client=ws).result.enabled is True
        [second] = tls_mock.connections()
        tls_mock.send_test_request()
        wait_until(lambda: tls_mock.heartbeats()["test_requests_answered"] >= 2, "the second answer")
    assert second["id"] != first["id"]
    assert (second["heartbeat_interval"], second["cancel_on_disconnect"]) == (10, True)
    assert tls_mock.heartbeats()["test_requests_missed"] == 0


def test_the_pytest_plugin_offers_a_tls_mock(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from deribit_session_client import WebSocketClient

        def test_over_wss(deribit_mock_tls):
            assert deribit_mock_tls.ws_url.startswith("wss://")
            with WebSocketClient(deribit_mock_tls.ws_url, ssl=deribit_mock_tls.ssl_context) as ws:
                assert ws.call("public/test") == {"version": "1.2.26"}
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


# -- refused certificates ----------------------------------------------------------------------


@pytest.mark.parametrize("problem", ["wrong-ca", "system-trust-store", "hostname"])
def test_websocket_refuses_a_certificate_it_cannot_trust_within_the_connect_timeout(
    tls_mock: MockServer, other_name_server: MockServer, problem: str
) -> None:
    context: ssl.SSLContext | None
    if problem == "hostname":
        url, context = other_name_server.ws_url, other_name_server.ssl_context()
    else:
        url, context = tls_mock.ws_url, (other_ca() if problem == "wrong-ca" else None)
    started = time.monotonic()
    with pytest.raises(APIConnectionError) as refused:
        ws_client(url, ssl=context).open()
    assert time.monotonic() - started < CONNECT_TIMEOUT  # refused at once: the bound is the connect timeout
    message = str(refused.value)
    assert "TLS certificate was refused: certificate verify failed" in message
    if problem == "hostname":
        assert "Hostname mismatch" in message or "IP address mismatch" in message
    assert CLIENT_SECRET not in message


@pytest.mark.parametrize("problem", ["wrong-ca", "hostname"])
def test_http_refuses_a_certificate_it_cannot_trust_and_never_retries_it(
    tls_mock: MockServer, other_name_server: MockServer, problem: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="deribit_session_client")
    server = other_name_server if problem == "hostname" else tls_mock
    context = server.ssl_context() if problem == "hostname" else other_ca()
    with Client(base_url=server.api_url, verify_ssl=context, max_retries=5, initial_retry_delay=0.5) as client:
        with pytest.raises(APIConnectionError) as refused:
            public_test.sync(client=client)
    assert "TLS certificate was refused: certificate verify failed" in str(refused.value)
    assert not [r for r in caplog.records if "retr" in r.getMessage().lower()]  # no retry was even planned
    assert server.requests() == []


def test_a_certificate_that_changes_under_a_running_session_stops_it_instead_of_retrying(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="deribit_session_client")
    first = start_mock(ENV, tls=True)
    port = int(first.base.rsplit(":", 1)[1])
    errors: list[BaseException] = []
    second: MockServer | None = None

    def attempts() -> int:
        return sum("reconnecting in" in r.getMessage() for r in caplog.records)

    try:
        with ws_client(first.ws_url, ssl=first.ssl_context(), on_error=errors.append) as ws:
            stop_mock(first)  # the exchange comes back on the same address with another certificate
            second = start_mock(ENV, tls=True, port=port)
            wait_until(lambda: errors, "on_error")
            assert ws.stats["state"] == "failed"
            with pytest.raises(APIConnectionError, match="certificate"):
                ws.call("public/test")
            tried = attempts()
            time.sleep(0.5)  # several backoff periods (0.02-0.1 s): a retrying client would log more
            assert attempts() == tried
        [error] = errors
        assert isinstance(error, APIConnectionError) and "certificate verify failed" in str(error)
        assert any("certificate was refused" in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)
    finally:
        stop_mock(first)
        if second is not None:
            stop_mock(second)


# -- proxies -----------------------------------------------------------------------------------


class ConnectProxy:
    """An HTTP CONNECT proxy on loopback (tunnels only to 127.0.0.1) that records each tunnel."""

    def __init__(self) -> None:
        self.tunnels: list[str] = []
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self.thread.start()
        ready.wait(5)

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(asyncio.start_server(self._tunnel, "127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"
        ready.set()
        self.loop.run_forever()
        self.server.close()
        self.loop.run_until_complete(self.server.wait_closed())
        self.loop.close()

    async def _tunnel(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        method, target = request.split()[:2]
        host, _, port = target.rpartition(":")
        if method != "CONNECT" or host != "127.0.0.1":
            writer.write(b"HTTP/1.1 403 Forbidden\r\n\r\n")
            writer.close()
            return
        self.tunnels.append(target)
        up_reader, up_writer = await asyncio.open_connection(host, int(port))
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except ConnectionError:
                pass
            finally:
                sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture
def proxy() -> Iterator[ConnectProxy]:
    running = ConnectProxy()
    yield running
    running.close()


def test_websocket_goes_through_the_proxy_it_is_given(tls_mock: MockServer, proxy: ConnectProxy) -> None:
    with ws_client(tls_mock.ws_url, ssl=tls_mock.ssl_context(), proxy=proxy.url) as ws:
        assert ws.call("public/test") == {"version": "1.2.26"}
    assert proxy.tunnels == [tls_mock.base.split("://")[1]]


def test_proxy_variables_are_used_only_when_asked_for(
    tls_mock: MockServer, proxy: ConnectProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("https_proxy", proxy.url)
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    with ws_client(tls_mock.ws_url, ssl=tls_mock.ssl_context()) as ws:
        ws.call("public/test")
    assert proxy.tunnels == []  # the default: connect directly
    with ws_client(tls_mock.ws_url, ssl=tls_mock.ssl_context(), proxy=True) as ws:
        ws.call("public/test")
    assert len(proxy.tunnels) == 1


def test_ssl_and_proxy_arguments_are_checked_before_connecting() -> None:
    with pytest.raises(ValueError, match="wss://"):
        WebSocketClient("ws://127.0.0.1:1/ws/api/v2", ssl=ssl.create_default_context())
    with pytest.raises(TypeError, match="SSLContext"):
        WebSocketClient("wss://127.0.0.1:1/ws/api/v2", ssl=True)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="proxy"):
        WebSocketClient("wss://127.0.0.1:1/ws/api/v2", proxy=3128)  # type: ignore[arg-type]
