"""Contract tests: every operation, sync and async, against the mock exchange process.

Each test asserts both sides: what arrived on the wire, as the mock logged it, and the typed
value (or exception) the client returned.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import httpx
import pytest

from deribit_mock.process import MockServer
from deribit_session_client import (
    APIError,
    AuthenticatedClient,
    AuthenticationError,
    Client,
    InvalidParamsError,
    MethodNotFoundError,
    RateLimitError,
    Response,
    WebSocketOnlyError,
)
from deribit_session_client.api.session_management import (
    disable_cancel_on_disconnect,
    disable_heartbeat,
    enable_cancel_on_disconnect,
    get_cancel_on_disconnect,
    set_heartbeat,
)
from deribit_session_client.api.supporting import test as public_test
from deribit_session_client.errors import error_from_rpc
from deribit_session_client.models import (
    CancelOnDisconnectResponse,
    ErrorResponse,
    OkResponse,
)
from deribit_session_client.models import (
    TestResponse as PublicTestResponse,
)

from .conftest import ACCESS_TOKEN, CLIENT_ID, CLIENT_SECRET, FAST_RETRIES


@dataclass(frozen=True)
class Op:
    method: str
    module: ModuleType
    kwargs: dict[str, Any]
    query: str
    private: bool
    model: type[Any]
    check: Callable[[Any], bool]
    websocket_only: bool = False
    scoped: bool = field(default=False)


def _is_ok(r: Any) -> bool:
    return bool(r.result == "ok")


OPS = [
    Op("public/set_heartbeat", set_heartbeat, {"interval": 30}, "interval=30", False, OkResponse, _is_ok, True),
    Op("public/disable_heartbeat", disable_heartbeat, {}, "", False, OkResponse, _is_ok, True),
    Op(
        "private/enable_cancel_on_disconnect",
        enable_cancel_on_disconnect,
        {"scope": "account"},
        "scope=account",
        True,
        OkResponse,
        _is_ok,
        False,  # scope=account works over HTTP at the exchange (connection scope: 10030)
        True,
    ),
    Op(
        "private/disable_cancel_on_disconnect",
        disable_cancel_on_disconnect,
        {"scope": "account"},
        "scope=account",
        True,
        OkResponse,
        _is_ok,
        False,  # scope=account works over HTTP at the exchange (connection scope: 10030)
        True,
    ),
    Op(
        "private/get_cancel_on_disconnect",
        get_cancel_on_disconnect,
        {"scope": "account"},
        "scope=account",
        True,
        CancelOnDisconnectResponse,
        lambda r: r.result.scope == "account" and r.result.enabled is False,
        False,
        True,
    ),
    Op(
        "public/test",
        public_test,
        {},
        "",
        False,
        PublicTestResponse,
        lambda r: r.result.version == "1.2.26",
    ),
]
PRIVATE = [op for op in OPS if op.private]
IDS = [op.method for op in OPS]
MODES = ["sync", "async"]


def make_client(mock: MockServer, auth: str, **options: Any) -> Client:
    settings = {**FAST_RETRIES, **options}
    if auth == "none":
        return Client(base_url=mock.api_url, **settings)
    if auth == "bearer":
        return AuthenticatedClient(base_url=mock.api_url, token=ACCESS_TOKEN, **settings)
    if auth == "basic":
        return AuthenticatedClient.from_client_credentials(
            base_url=mock.api_url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, **settings
        )
    if auth == "wrong-bearer":
        return AuthenticatedClient(base_url=mock.api_url, token="not-the-token", **settings)
    if auth == "wrong-basic":
        return AuthenticatedClient.from_client_credentials(
            base_url=mock.api_url, client_id=CLIENT_ID, client_secret="wrong", **settings
        )
    raise AssertionError(auth)


def invoke(op: Op, mode: str, client: Client, function: str = "", **kwargs: Any) -> Any:
    """Calls ``op`` through its sync or async function (``function`` adds e.g. ``_detailed``)."""
    if mode == "sync":
        with client:
            return getattr(op.module, "sync" + function)(client=client, **kwargs)

    async def run() -> Any:
        async with client:
            return await getattr(op.module, "asyncio" + function)(client=client, **kwargs)

    return asyncio.run(run())


def auth_for(op: Op) -> str:
    return "bearer" if op.private else "none"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_success_returns_the_typed_result_and_sends_the_documented_request(mock: MockServer, op: Op, mode: str) -> None:
    result = invoke(op, mode, make_client(mock, auth_for(op)), **op.kwargs)

    assert isinstance(result, op.model)
    assert op.check(result)
    assert result.jsonrpc == "2.0"
    assert result.testnet is True
    assert isinstance(result.us_in, int) and isinstance(result.us_diff, int)
    [sent] = mock.requests()
    assert sent["method"] == "GET"
    assert sent["path"] == f"/api/v2/{op.method}"
    assert sent["query"] == op.query
    if op.private:
        assert sent["headers"]["authorization"] == "Bearer ***"
        assert sent["auth"] == "bearer"
    else:
        assert "authorization" not in sent["headers"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("op", PRIVATE, ids=[op.method for op in PRIVATE])
def test_private_operations_accept_http_basic(mock: MockServer, op: Op, mode: str) -> None:
    result = invoke(op, mode, make_client(mock, "basic"), **op.kwargs)

    assert isinstance(result, op.model) and op.check(result)
    [sent] = mock.requests()
    assert sent["headers"]["authorization"] == "Basic ***"
    assert sent["auth"] == "basic"


@pytest.mark.parametrize("credentials", ["none", "wrong-bearer", "wrong-basic"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("op", PRIVATE, ids=[op.method for op in PRIVATE])
def test_private_operations_reject_missing_or_wrong_credentials(
    mock: MockServer, op: Op, mode: str, credentials: str
) -> None:
    with pytest.raises(AuthenticationError) as caught:
        invoke(op, mode, make_client(mock, credentials), **op.kwargs)

    assert caught.value.code == 13009
    assert caught.value.message == "unauthorized"
    assert caught.value.status_code == 400
    [sent] = mock.requests()  # rejected by the server, never retried
    assert sent["auth"] == ("none" if credentials == "none" else "invalid")


# (operation, kwargs, param, the server's reason, the query the server receives)
BAD_PARAMS = [
    (OPS[0], {"interval": 5}, "interval", "must not be less than 10", "interval=5"),
    (OPS[0], {"interval": 9.99}, "interval", "must not be less than 10", "interval=9.99"),
    (OPS[0], {"interval": math.nan}, "interval", "must be a finite number", "interval=nan"),
    (OPS[0], {"interval": math.inf}, "interval", "must be a finite number", "interval=inf"),
    (OPS[0], {"interval": True}, "interval", "must be a number", "interval=true"),
    (OPS[0], {"interval": "thirty"}, "interval", "must be a number", "interval=thirty"),
    (OPS[0], {"interval": None}, "interval", "value required", ""),
    (OPS[2], {"scope": "acount"}, "scope", "must be one of: connection, account", "scope=acount"),
    (OPS[3], {"scope": "everything"}, "scope", "must be one of: connection, account", "scope=everything"),
    (OPS[4], {"scope": "Account"}, "scope", "must be one of: connection, account", "scope=Account"),
    (OPS[5], {"expected_result": "boom"}, "expected_result", "must be one of: exception", "expected_result=boom"),
]
BAD_IDS = [f"{op.method}-{param}-{query or 'missing'}" for op, _, param, _, query in BAD_PARAMS]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("op", "kwargs", "param", "reason", "query"), BAD_PARAMS, ids=BAD_IDS)
def test_bad_params_are_rejected_client_side_before_sending(
    mock: MockServer, op: Op, kwargs: dict[str, Any], param: str, reason: str, query: str, mode: str
) -> None:
    with pytest.raises(InvalidParamsError) as caught:
        invoke(op, mode, make_client(mock, auth_for(op)), **kwargs)

    assert caught.value.code == -32602
    assert caught.value.data == {"param": param, "reason": reason}
    assert caught.value.status_code is None
    assert isinstance(caught.value, ValueError)
    assert mock.requests() == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("op", "kwargs", "param", "reason", "query"), BAD_PARAMS, ids=BAD_IDS)
def test_bad_params_rejected_by_the_server_give_the_same_error(
    mock: MockServer,
    op: Op,
    kwargs: dict[str, Any],
    param: str,
    reason: str,
    query: str,
    mode: str,
) -> None:
    with pytest.raises(InvalidParamsError) as client_side:
        invoke(op, mode, make_client(mock, auth_for(op)), **kwargs)
    # the request the client would have sent, sent anyway: the server's answer, read the client's way
    headers = {"Authorization": f"Bearer {ACCESS_TOKEN}"} if op.private else {}
    answer = httpx.get(f"{mock.api_url}/{op.method}" + (f"?{query}" if query else ""), headers=headers)
    error = answer.json()["error"]
    server_side = error_from_rpc(error["code"], error["message"], error.get("data"), status_code=answer.status_code)

    assert isinstance(server_side, InvalidParamsError)
    assert server_side.data == {"param": param, "reason": reason}
    assert server_side.status_code == 400
    assert str(server_side) == str(client_side.value) + " [HTTP 400]"
    [sent] = mock.requests()
    assert sent["path"] == f"/api/v2/{op.method}"
    assert sent["query"] == query


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "op", [op for op in OPS if op.websocket_only], ids=[op.method for op in OPS if op.websocket_only]
)
def test_realistic_mode_answers_websocket_only_methods_with_10030(mock: MockServer, op: Op, mode: str) -> None:
    mock.realistic(True)

    with pytest.raises(WebSocketOnlyError) as caught:
        invoke(op, mode, make_client(mock, auth_for(op)), **op.kwargs)

    assert caught.value.code == 10030
    assert caught.value.message == "must_be_websocket_request"
    assert "WebSocket connection" in str(caught.value)
    assert len(mock.requests()) == 1


@pytest.mark.parametrize("scope", ["connection", None])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("op", [op for op in OPS if op.scoped], ids=[op.method for op in OPS if op.scoped])
def test_realistic_mode_answers_connection_scope_cancel_on_disconnect_over_http_with_10030(
    mock: MockServer, op: Op, mode: str, scope: str | None
) -> None:
    mock.realistic(True)
    kwargs = {"scope": scope} if scope else {}

    with pytest.raises(WebSocketOnlyError) as caught:
        invoke(op, mode, make_client(mock, auth_for(op)), **kwargs)

    assert caught.value.code == 10030
    assert [r["query"] for r in mock.requests()] == [f"scope={scope}" if scope else ""]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "op", [op for op in OPS if not op.websocket_only], ids=[op.method for op in OPS if not op.websocket_only]
)
def test_realistic_mode_still_serves_http_methods(mock: MockServer, op: Op, mode: str) -> None:
    mock.realistic(True)

    result = invoke(op, mode, make_client(mock, auth_for(op)), **op.kwargs)

    assert isinstance(result, op.model) and op.check(result)


@pytest.mark.parametrize("status", [429, 400])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_rate_limit_raises_rate_limit_error(mock: MockServer, op: Op, mode: str, status: int) -> None:
    mock.rate_limit(0, status=status)

    with pytest.raises(RateLimitError) as caught:
        invoke(op, mode, make_client(mock, auth_for(op), max_retries=0), **op.kwargs)

    assert caught.value.code == 10028
    assert caught.value.message == "too_many_requests"
    assert caught.value.status_code == status
    assert len(mock.requests()) == 1


@pytest.mark.parametrize("mode", MODES)
def test_unknown_method_raises_method_not_found(mock: MockServer, mode: str) -> None:
    client = Client(base_url=mock.api_url + "/nonexistent", **FAST_RETRIES)

    with pytest.raises(MethodNotFoundError) as caught:
        invoke(OPS[5], mode, client)

    assert caught.value.code == -32601
    assert caught.value.message == "Method not found"
    [sent] = mock.requests()
    assert sent["path"] == "/api/v2/nonexistent/public/test"


@pytest.mark.parametrize("mode", MODES)
def test_public_test_expected_exception_raises_the_base_api_error(mock: MockServer, mode: str) -> None:
    with pytest.raises(APIError) as caught:
        invoke(OPS[5], mode, make_client(mock, "none"), expected_result="exception")

    assert type(caught.value) is APIError  # an unknown code maps to the base class
    assert caught.value.code == 11094
    [sent] = mock.requests()
    assert sent["query"] == "expected_result=exception"


@pytest.mark.parametrize("auth", ["bearer", "basic"])
def test_account_cancel_on_disconnect_persists_and_reads_back(mock: MockServer, auth: str) -> None:
    with make_client(mock, auth) as client:
        assert isinstance(client, AuthenticatedClient)
        assert get_cancel_on_disconnect.sync(client=client, scope="account").result.enabled is False
        enable_cancel_on_disconnect.sync(client=client, scope="account")
        assert get_cancel_on_disconnect.sync(client=client, scope="account").result.enabled is True
        # A new connection starts with the account default (over HTTP, each request is one).
        assert get_cancel_on_disconnect.sync(client=client).result.enabled is True
        disable_cancel_on_disconnect.sync(client=client, scope="account")
        state = get_cancel_on_disconnect.sync(client=client, scope="account").result
        assert (state.scope, state.enabled) == ("account", False)
    assert [r["query"] for r in mock.requests()] == ["scope=account"] * 3 + [""] + ["scope=account"] * 2


def test_connection_scope_over_http_does_not_outlive_the_request(auth_client: AuthenticatedClient) -> None:
    enable_cancel_on_disconnect.sync(client=auth_client)  # default scope: connection

    state = get_cancel_on_disconnect.sync(client=auth_client, scope="connection").result

    assert (state.scope, state.enabled) == ("connection", False)
    assert get_cancel_on_disconnect.sync(client=auth_client, scope="account").result.enabled is False


@pytest.mark.parametrize("mode", MODES)
def test_detailed_forms_give_raw_status_headers_and_body(mock: MockServer, mode: str) -> None:
    ok = invoke(OPS[0], mode, make_client(mock, "none"), "_detailed", interval=45)
    assert isinstance(ok, Response)
    assert ok.status_code == 200
    assert ok.headers["content-type"] == "application/json"
    assert b'"result":"ok"' in ok.content
    assert isinstance(ok.parsed, OkResponse)

    error = invoke(OPS[4], mode, make_client(mock, "none"), "_detailed")
    assert error.status_code == 400
    assert isinstance(error.parsed, ErrorResponse)
    assert error.parsed.error.code == 13009
    assert [r["query"] for r in mock.requests()] == ["interval=45", ""]
