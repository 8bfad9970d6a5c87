"""The mock's HTTP face as other clients use the exchange: POST with a JSON-RPC body, and
account-scope cancel-on-disconnect over HTTP in realistic mode."""

from __future__ import annotations

import base64
import json
import secrets
import time
from typing import Any

import httpx
import pytest

from deribit_mock.methods import client_signature
from deribit_mock.process import MockServer

from .conftest import ACCESS_TOKEN, CLIENT_ID, CLIENT_SECRET

BEARER = {"Authorization": f"Bearer {ACCESS_TOKEN}"}


def post(mock: MockServer, path: str, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    content = body if isinstance(body, (bytes, str)) else json.dumps(body)
    sent = {"Content-Type": "application/json", **(headers or {})}
    return httpx.post(f"{mock.base}{path}", content=content, headers=sent, timeout=5)


def rpc(method: str, params: dict[str, Any] | None = None, ident: Any = 7) -> dict[str, Any]:
    body: dict[str, Any] = {"jsonrpc": "2.0", "id": ident, "method": method}
    if params is not None:
        body["params"] = params
    return body


def test_post_json_rpc_is_answered_with_the_body_id_echoed(mock: MockServer) -> None:
    answer = post(mock, "/api/v2/public/test", rpc("public/test", {}, ident=42))
    assert answer.status_code == 200
    envelope = answer.json()
    assert envelope["id"] == 42 and envelope["result"] == {"version": "1.2.26"}
    assert {"testnet", "usIn", "usOut", "usDiff"} <= set(envelope)
    [logged] = mock.requests()
    assert (logged["method"], logged["rpc_method"], logged["params"]) == ("POST", "public/test", {})


def test_post_params_are_json_typed_and_validated_as_over_websocket(mock: MockServer) -> None:
    ok = post(mock, "/api/v2/public/set_heartbeat", rpc("public/set_heartbeat", {"interval": 30}))
    assert ok.json()["result"] == "ok"
    low = post(mock, "/api/v2/public/set_heartbeat", rpc("public/set_heartbeat", {"interval": 5}))
    assert low.status_code == 400
    assert low.json()["error"]["code"] == -32602 and low.json()["error"]["data"]["param"] == "interval"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"jsonrpc": "2.0", "id": 1, "params": {}}, 11050),  # no method: confirmed live at testnet
        ("{not json", -32700),
        ("[1, 2]", -32600),
        ('"public/test"', -32600),
        ({"jsonrpc": "2.0", "id": 1, "method": "public/test", "params": [1]}, -32602),
        ({"jsonrpc": "2.0", "id": 1, "method": "public/auth", "params": {}}, 11050),  # differs from the path
    ],
    ids=["no-method", "not-json", "batch", "not-an-object", "params-not-an-object", "method-differs-from-path"],
)
def test_a_bad_post_body_gets_the_exchanges_error(mock: MockServer, body: Any, code: int) -> None:
    answer = post(mock, "/api/v2/public/test", body)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == code


def test_post_to_the_bare_endpoint_takes_the_method_from_the_body(mock: MockServer) -> None:
    answer = post(mock, "/api/v2", rpc("public/test"))
    assert answer.json()["result"] == {"version": "1.2.26"}


def test_private_methods_by_post_take_bearer_and_basic_credentials(mock: MockServer) -> None:
    call = rpc("private/get_cancel_on_disconnect", {"scope": "account"})
    assert post(mock, "/api/v2/private/get_cancel_on_disconnect", call, BEARER).json()["result"]["enabled"] is False
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    with_basic = post(mock, "/api/v2/private/get_cancel_on_disconnect", call, {"Authorization": f"Basic {basic}"})
    assert with_basic.json()["result"] == {"scope": "account", "enabled": False}
    refused = post(mock, "/api/v2/private/get_cancel_on_disconnect", call)
    assert refused.json()["error"]["code"] == 13009
    assert [r["auth"] for r in mock.requests()] == ["bearer", "basic", "none"]


def _signed(path: str, body: str, secret: str = CLIENT_SECRET) -> dict[str, str]:
    timestamp, nonce = int(time.time() * 1000), secrets.token_hex(8)
    signature = client_signature(secret, timestamp, nonce, f"POST\n{path}\n{body}\n")
    return {"Authorization": f"deri-hmac-sha256 id={CLIENT_ID},ts={timestamp},nonce={nonce},sig={signature}"}


def test_a_signed_post_covers_the_body_exactly_as_sent(mock: MockServer) -> None:
    path = "/api/v2/private/enable_cancel_on_disconnect"
    body = json.dumps(rpc("private/enable_cancel_on_disconnect", {"scope": "account"}))
    assert post(mock, path, body, _signed(path, body)).json()["result"] == "ok"

    other = body.replace('"account"', '"connection"')  # signed for one body, sent with another
    refused = post(mock, path, other, _signed(path, body))
    assert refused.json()["error"]["code"] == 13009
    assert "signature" in refused.json()["error"]["data"]["reason"]
    assert [r["auth"] for r in mock.requests()] == ["signature", "invalid"]


@pytest.mark.parametrize("how", ["get", "post"])
def test_realistic_mode_serves_account_scope_cancel_on_disconnect_over_http(mock: MockServer, how: str) -> None:
    mock.realistic(True)

    def call(method: str, scope: str | None) -> dict[str, Any]:
        params = {} if scope is None else {"scope": scope}
        if how == "get":
            answer = httpx.get(f"{mock.api_url}/{method}", params=params, headers=BEARER)
        else:
            answer = post(mock, f"/api/v2/{method}", rpc(method, params), BEARER)
        envelope: dict[str, Any] = answer.json()
        return envelope

    assert call("private/enable_cancel_on_disconnect", "account")["result"] == "ok"
    assert call("private/get_cancel_on_disconnect", "account")["result"] == {"scope": "account", "enabled": True}
    assert call("private/disable_cancel_on_disconnect", "account")["result"] == "ok"
    assert call("private/get_cancel_on_disconnect", "account")["result"]["enabled"] is False
    for method in ("enable", "disable", "get"):
        for scope in ("connection", None):
            refused = call(f"private/{method}_cancel_on_disconnect", scope)
            assert refused["error"]["code"] == 10030, (method, scope)
    assert call("public/set_heartbeat", None)["error"]["code"] == 10030


def test_a_fault_with_headers_waits_for_a_request_that_carries_them(mock: MockServer) -> None:
    mock.faults({"kind": "status", "status": 503, "match_headers": {"x-test": "mine"}})

    other = httpx.get(f"{mock.api_url}/public/test", headers={"x-test": "theirs"})
    mine = httpx.get(f"{mock.api_url}/public/test", headers={"x-test": "mine"})
    after = httpx.get(f"{mock.api_url}/public/test", headers={"x-test": "mine"})

    assert (other.status_code, mine.status_code, after.status_code) == (200, 503, 200)
