"""A new path in the spec gets every feature from generation alone, with no handwritten code.

Generates a client from openapi.yaml plus an inline path, then runs it in a fresh interpreter
against the mock (which does not know the method, so it answers -32601).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from deribit_mock.process import MockServer

from .conftest import ACCESS_TOKEN

ROOT = Path(__file__).resolve().parent.parent


def _result_schema(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "allOf": [
            {"$ref": "#/components/schemas/Envelope"},
            {"type": "object", "required": ["result"], "properties": {"result": result}},
        ]
    }


# An operation marked safe to repeat, with a camelCase operationId (the generator names the
# module get_time) and an OpenAPI 3.0 boolean exclusiveMinimum.
NEW_PATH = {
    "get": {
        "operationId": "getTime",
        "x-idempotent": True,
        "tags": ["Supporting"],
        "summary": "Retrieves the current time (in milliseconds).",
        "parameters": [
            {
                "name": "precision",
                "in": "query",
                "required": True,
                "schema": {"type": "integer", "minimum": 0, "exclusiveMinimum": True, "maximum": 6},
            }
        ],
        "responses": {
            "200": {
                "description": "The server's time.",
                "content": {"application/json": {"schema": _result_schema({"type": "integer"})}},
            },
            "400": {"$ref": "#/components/responses/Error"},
        },
    }
}

# An order-like operation: no x-idempotent (so never re-sent once it may have reached the
# server) and no operationId (the generator names it get_private_buy).
UNSAFE_PATH = {
    "get": {
        "tags": ["Supporting"],
        "summary": "Places a buy order.",
        "security": [{"bearerAuth": []}],
        "parameters": [{"name": "amount", "in": "query", "required": True, "schema": {"type": "number"}}],
        "responses": {
            "200": {
                "description": "The order.",
                "content": {"application/json": {"schema": _result_schema({"type": "object"})}},
            },
            "400": {"$ref": "#/components/responses/Error"},
        },
    }
}

SCRIPT = """
import json, sys
from deribit_session_client import (
    APITimeoutError, AuthenticatedClient, Client, InternalServerError, InvalidParamsError, MethodNotFoundError,
)
from deribit_session_client.api.supporting import get_private_buy, get_time

out = {}
client = Client(base_url=sys.argv[1], initial_retry_delay=0.01, max_retry_delay=0.02)
for bad in (0, 7, 2.5):
    try:
        get_time.sync(client=client, precision=bad)
    except InvalidParamsError as exc:
        out[str(bad)] = exc.data["reason"]
try:
    get_time.sync(client=client, precision=3)  # a 503 first: retried
except MethodNotFoundError as exc:
    out["server"] = [exc.code, exc.status_code]

buyer = AuthenticatedClient(base_url=sys.argv[1], token=sys.argv[2], initial_retry_delay=0.01, timeout=0.5)
try:
    get_private_buy.sync(client=buyer, amount=1)  # a 503: not retried
except InternalServerError as exc:
    out["buy_503"] = exc.status_code
try:
    get_private_buy.sync(client=buyer, amount=2)  # an answer slower than the timeout: not retried
except APITimeoutError:
    out["buy_timeout"] = "APITimeoutError"

from deribit_session_client import WebSocketClient

with WebSocketClient(sys.argv[3], access_token=sys.argv[2]) as ws:  # the same generated function, over WebSocket
    try:
        get_time.sync(client=ws, precision=0)
    except InvalidParamsError as exc:
        out["ws_0"] = exc.data["reason"]
    try:
        get_time.sync(client=ws, precision=3)
    except MethodNotFoundError as exc:
        out["ws_server"] = [exc.code, exc.status_code]
print(json.dumps(out))
"""


def test_a_new_path_gets_validation_errors_and_retries_from_generation(mock: MockServer, scratch: Path) -> None:
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    spec["paths"]["/public/get_time"] = NEW_PATH
    spec["paths"]["/private/buy"] = UNSAFE_PATH
    (scratch / "spec.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    out = scratch / "gen"
    subprocess.run(
        [str(ROOT / "scripts" / "generate"), str(out.relative_to(ROOT))],
        cwd=ROOT,
        check=True,
        env={**os.environ, "SPEC": str(scratch / "spec.yaml")},
    )
    mock.faults(
        {"kind": "status", "status": 503, "method": "public/get_time"},
        {"kind": "status", "status": 503, "method": "private/buy"},
        # Two delays: a retry would find the second and time out again, so the count below
        # (not the error) is what proves that nothing was re-sent.
        {"kind": "delay", "seconds": 2, "method": "private/buy"},
        {"kind": "delay", "seconds": 2, "method": "private/buy"},
    )

    run = subprocess.run(
        [sys.executable, "-c", SCRIPT, mock.api_url, ACCESS_TOKEN, mock.ws_url],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(out)},
    )

    assert json.loads(run.stdout) == {
        "0": "must be greater than 0",
        "7": "must not be greater than 6",
        "2.5": "must be an integer",
        "server": [-32601, 400],
        "buy_503": 503,
        "buy_timeout": "APITimeoutError",
        "ws_0": "must be greater than 0",
        "ws_server": [-32601, None],
    }
    sent = [(r["path"], r["query"]) for r in mock.requests() if r["transport"] == "http"]
    assert sent == [
        ("/api/v2/public/get_time", "precision=3"),
        ("/api/v2/public/get_time", "precision=3"),  # the 503 was retried: x-idempotent
        ("/api/v2/private/buy", "amount=1"),  # sent once: no x-idempotent
        ("/api/v2/private/buy", "amount=2"),  # sent once although it timed out
    ]
    over_ws = [r["method"] for r in mock.requests() if r["transport"] == "websocket"]
    assert over_ws == ["public/get_time"]  # precision=0 never left the client
