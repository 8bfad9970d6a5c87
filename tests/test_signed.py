"""Signed HTTP requests (`deri-hmac-sha256`) against the mock, which verifies them as the
exchange does: over exactly what was sent, within 60 s, with single-use nonces."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import pickle
import time
import traceback
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from deribit_mock.process import MockServer
from deribit_session_client import AuthenticatedClient, AuthenticationError
from deribit_session_client.api.session_management import (
    disable_cancel_on_disconnect,
    enable_cancel_on_disconnect,
    get_cancel_on_disconnect,
)

from .conftest import CLIENT_ID, CLIENT_SECRET

PRIVATE = [enable_cancel_on_disconnect, disable_cancel_on_disconnect, get_cancel_on_disconnect]


def signed_client(mock: MockServer, **options: Any) -> AuthenticatedClient:
    settings = {"initial_retry_delay": 0.01, "max_retry_delay": 0.02, **options}
    return AuthenticatedClient.from_client_signature(
        base_url=mock.api_url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, **settings
    )


def header(
    method: str,
    uri: str,
    *,
    ts: int | None = None,
    nonce: str = "n-1",
    order: str = "id,ts,nonce,sig",
    space: bool = False,
) -> str:
    ts = int(time.time() * 1000) if ts is None else ts
    sig = hmac.new(CLIENT_SECRET.encode(), f"{ts}\n{nonce}\n{method}\n{uri}\n\n".encode(), hashlib.sha256).hexdigest()
    fields = {"id": CLIENT_ID, "ts": str(ts), "nonce": nonce, "sig": sig}
    sep = ", " if space else ","
    return "deri-hmac-sha256 " + sep.join(f"{k}={fields[k]}" for k in order.split(","))


@pytest.mark.parametrize("module", PRIVATE, ids=[m.__name__.rsplit(".", 1)[1] for m in PRIVATE])
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_every_private_operation_can_be_signed(mock: MockServer, module: Any, mode: str) -> None:
    client = signed_client(mock)
    if mode == "sync":
        result = module.sync(client=client, scope="account")
    else:
        result = asyncio.run(module.asyncio(client=client, scope="account"))
    client.close()
    assert result.jsonrpc == "2.0"
    [sent] = mock.requests()
    assert sent["auth"] == "signature" and sent["signed"]["id"] == CLIENT_ID


def test_a_retried_call_is_signed_again_with_a_new_nonce(mock: MockServer) -> None:
    mock.faults({"kind": "status", "status": 503})
    client = signed_client(mock)
    assert get_cancel_on_disconnect.sync(client=client, scope="account").result.enabled is False
    first, second = mock.requests()
    assert (first["auth"], second["auth"]) == ("signature", "signature")
    assert first["signed"]["nonce"] != second["signed"]["nonce"]


def test_a_request_captured_from_the_wire_cannot_be_replayed(mock: MockServer) -> None:
    captured: list[httpx.Request] = []
    client = signed_client(mock, httpx_args={"event_hooks": {"request": [captured.append]}})
    get_cancel_on_disconnect.sync(client=client, scope="account")
    original = captured[0]

    replay = httpx.get(str(original.url), headers={"Authorization": original.headers["Authorization"]})
    assert replay.json()["error"] == {
        "code": 13009,
        "message": "unauthorized",
        "data": {"reason": "nonce already used: a replayed request"},
    }


@pytest.mark.parametrize(
    ("make_header", "reason"),
    [
        (
            lambda: header(
                "GET", "/api/v2/private/get_cancel_on_disconnect?scope=account", ts=int(time.time() * 1000) - 61_000
            ),
            "60 s",
        ),
        (lambda: header("GET", "/api/v2/private/get_cancel_on_disconnect?scope=connection"), "does not match"),
        (lambda: header("POST", "/api/v2/private/get_cancel_on_disconnect?scope=account"), "does not match"),
        (lambda: "deri-hmac-sha256 id=client-7,ts=1", "malformed"),
    ],
    ids=["61-s-old", "other-query", "other-method", "malformed"],
)
def test_what_the_signature_does_not_cover_is_refused(
    mock: MockServer, make_header: Callable[[], str], reason: str
) -> None:
    authorization = make_header()  # signed now, not when the tests were collected
    answer = httpx.get(
        f"{mock.api_url}/private/get_cancel_on_disconnect?scope=account", headers={"Authorization": authorization}
    )
    error = answer.json()["error"]
    assert error["code"] == 13009 and reason in error["data"]["reason"]


@pytest.mark.parametrize(
    ("order", "space"), [("id,ts,nonce,sig", False), ("id,ts,sig,nonce", False), ("sig,nonce,ts,id", True)]
)
def test_the_header_fields_may_come_in_any_order_with_or_without_spaces(
    mock: MockServer, order: str, space: bool
) -> None:
    uri = "/api/v2/private/get_cancel_on_disconnect?scope=account"
    answer = httpx.get(
        f"{mock.base}{uri}",
        headers={
            "Authorization": header("GET", uri, nonce=f"n-{order.replace(',', '')}-{space}", order=order, space=space)
        },
    )
    assert answer.json()["result"] == {"scope": "account", "enabled": False}


def test_the_secret_never_appears_in_logs_reprs_errors_or_headers(
    mock: MockServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    captured: list[httpx.Request] = []
    client = signed_client(mock, httpx_args={"event_hooks": {"request": [captured.append]}}, log_bodies=True)
    quick = client.with_options(timeout=2.0)  # a clone keeps signing
    assert get_cancel_on_disconnect.sync(client=quick, scope="account").result.enabled is False

    wrong = AuthenticatedClient.from_client_signature(
        base_url=mock.api_url, client_id=CLIENT_ID, client_secret="not-it"
    )
    with pytest.raises(AuthenticationError) as caught:
        get_cancel_on_disconnect.sync(client=wrong)
    with pytest.raises(TypeError):
        pickle.dumps(client)

    texts = [caplog.text, repr(client), repr(quick), str(client), "".join(traceback.format_exception(caught.value))]
    texts += [str(dict(r.headers)) for r in captured]
    assert all(CLIENT_SECRET not in t for t in texts)
    assert [r["auth"] for r in mock.requests()] == ["signature", "invalid"]
