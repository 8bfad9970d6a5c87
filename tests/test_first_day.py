"""What a new user gets wrong on the first day, answered by a message that says what to do: a
base URL without its API path, a cancel-on-disconnect session without credentials, a SOCKS
proxy without its extra."""

from __future__ import annotations

import sys

import pytest

from deribit_mock.process import MockServer
from deribit_session_client import APIConnectionError, Client, ResponseValidationError, WebSocketClient
from deribit_session_client.api.supporting import test as public_test
from deribit_session_client.protocol import SessionProtocol

from .conftest import credentials


def test_an_http_base_url_without_api_v2_says_what_it_should_end_with(mock: MockServer) -> None:
    with Client(base_url=mock.api_url.removesuffix("/api/v2"), max_retries=0) as client:
        with pytest.raises(ResponseValidationError, match=r"the base URL must end with /api/v2"):
            public_test.sync(client=client)


def test_a_websocket_url_without_ws_api_v2_says_what_it_should_end_with(mock: MockServer) -> None:
    wrong = mock.ws_url.removesuffix("/ws/api/v2") + "/ws"
    with pytest.raises(APIConnectionError, match=r"the URL must end with /ws/api/v2"):
        WebSocketClient(wrong, **credentials()).open()


@pytest.mark.parametrize("make", [WebSocketClient, SessionProtocol])
def test_cancel_on_disconnect_without_credentials_is_refused_when_made(make: type) -> None:
    # (before: accepted, and refused only at open() with 13009)
    args = ("ws://127.0.0.1:9/ws/api/v2",) if make is WebSocketClient else ()
    with pytest.raises(ValueError, match="cancel_on_disconnect needs an authenticated session"):
        make(*args, cancel_on_disconnect="connection")
    make(*args, cancel_on_disconnect="connection", access_token="a-token")  # a token authenticates


def test_a_socks_proxy_without_its_extra_names_the_extra(mock: MockServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "python_socks", None)
    monkeypatch.setitem(sys.modules, "python_socks.async_", None)
    monkeypatch.setitem(sys.modules, "python_socks.async_.asyncio", None)
    # (on websockets: picows needs python-socks itself, so the [fast] extra brings it)
    with pytest.raises(APIConnectionError, match=r'pip install "deribit-session-client\[socks\]"'):
        WebSocketClient(
            mock.ws_url, proxy="socks5://127.0.0.1:9", connect_timeout=2, transport="websockets", **credentials()
        ).open()
