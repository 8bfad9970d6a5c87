"""Model round-trips on payloads shaped like the exchange's answers."""

from __future__ import annotations

from typing import Any

import pytest

from deribit_session_client.models import (
    CancelOnDisconnectResponse,
    ErrorResponse,
    OkResponse,
)
from deribit_session_client.models import TestResponse as PublicTestResponse

META = {"testnet": True, "usIn": 1535043730126248, "usOut": 1535043730126250, "usDiff": 2}

PAYLOADS: list[tuple[type[Any], dict[str, Any]]] = [
    (OkResponse, {"jsonrpc": "2.0", "result": "ok", **META}),
    (OkResponse, {"jsonrpc": "2.0", "id": 42, "result": "ok"}),
    (OkResponse, {"jsonrpc": "2.0", "result": "ok", **META, "newField": {"nested": [1, 2]}}),
    (CancelOnDisconnectResponse, {"jsonrpc": "2.0", "result": {"scope": "account", "enabled": False}, **META}),
    (
        CancelOnDisconnectResponse,
        {"jsonrpc": "2.0", "result": {"scope": "connection", "enabled": True, "extra": 1}, **META, "x": "y"},
    ),
    (PublicTestResponse, {"jsonrpc": "2.0", "result": {"version": "1.2.26"}, **META}),
    (
        ErrorResponse,
        {
            "jsonrpc": "2.0",
            "id": 42,
            "error": {
                "code": -32602,
                "message": "Invalid params",
                "data": {"reason": "value required", "param": "interval"},
            },
            **META,
        },
    ),
    (ErrorResponse, {"jsonrpc": "2.0", "error": {"code": 10028, "message": "too_many_requests"}, **META}),
    (ErrorResponse, {"jsonrpc": "2.0", "error": {"code": 11050, "message": "bad_request", "data": "free text"}}),
]


@pytest.mark.parametrize(("model", "payload"), PAYLOADS)
def test_round_trip(model: type[Any], payload: dict[str, Any]) -> None:
    parsed = model.from_dict(payload)

    assert model.from_dict(parsed.to_dict()) == parsed
    assert parsed.to_dict() == payload


def test_unknown_fields_are_kept_not_rejected() -> None:
    parsed = OkResponse.from_dict({"jsonrpc": "2.0", "result": "ok", "futureField": 7})

    assert parsed["futureField"] == 7
    assert parsed.additional_keys == ["futureField"]


def test_fields_are_typed_and_snake_cased() -> None:
    parsed = CancelOnDisconnectResponse.from_dict(PAYLOADS[3][1])

    assert (parsed.result.scope, parsed.result.enabled) == ("account", False)
    assert (parsed.us_in, parsed.us_out, parsed.us_diff, parsed.testnet) == (
        1535043730126248,
        1535043730126250,
        2,
        True,
    )


def test_error_data_is_optional() -> None:
    without = ErrorResponse.from_dict(PAYLOADS[7][1])
    with_data = ErrorResponse.from_dict(PAYLOADS[6][1])

    assert "data" not in without.error.to_dict()
    assert with_data.error.data == {"reason": "value required", "param": "interval"}


@pytest.mark.parametrize(
    ("model", "payload"),
    [
        (OkResponse, {"jsonrpc": "2.0", "result": "not-ok"}),
        (OkResponse, {"jsonrpc": "1.0", "result": "ok"}),
        (CancelOnDisconnectResponse, {"jsonrpc": "2.0", "result": {"scope": "galaxy", "enabled": True}}),
        (PublicTestResponse, {"jsonrpc": "2.0"}),
    ],
)
def test_values_outside_the_spec_are_refused(model: type[Any], payload: dict[str, Any]) -> None:
    with pytest.raises((TypeError, KeyError)):
        model.from_dict(payload)
