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

import yaml

from deribit_mock.process import MockServer

ROOT = Path(__file__).resolve().parent.parent

NEW_PATH = {
    "get": {
        "operationId": "get_time",
        "tags": ["Supporting"],
        "summary": "Retrieves the current time (in milliseconds).",
        "parameters": [
            {
                "name": "precision",
                "in": "query",
                "required": True,
                "schema": {"type": "integer", "minimum": 1, "maximum": 6},
            }
        ],
        "responses": {
            "200": {
                "description": "The server's time.",
                "content": {
                    "application/json": {
                        "schema": {
                            "allOf": [
                                {"$ref": "#/components/schemas/Envelope"},
                                {
                                    "type": "object",
                                    "required": ["result"],
                                    "properties": {"result": {"type": "integer"}},
                                },
                            ]
                        }
                    }
                },
            },
            "400": {"$ref": "#/components/responses/Error"},
        },
    }
}

SCRIPT = """
import json, sys
from deribit_session_client import Client, InvalidParamsError, MethodNotFoundError
from deribit_session_client.api.supporting import get_time

out = {}
client = Client(base_url=sys.argv[1], initial_retry_delay=0.01, max_retry_delay=0.02)
for bad in (0, 7, 2.5):
    try:
        get_time.sync(client=client, precision=bad)
    except InvalidParamsError as exc:
        out[str(bad)] = exc.data["reason"]
try:
    get_time.sync(client=client, precision=3)
except MethodNotFoundError as exc:
    out["server"] = [exc.code, exc.status_code]
print(json.dumps(out))
"""


def test_a_new_path_gets_validation_errors_and_retries_from_generation(mock: MockServer, scratch: Path) -> None:
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    spec["paths"]["/public/get_time"] = NEW_PATH
    (scratch / "spec.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    out = scratch / "gen"
    subprocess.run(
        [str(ROOT / "scripts" / "generate"), str(out.relative_to(ROOT))],
        cwd=ROOT,
        check=True,
        env={**os.environ, "SPEC": str(scratch / "spec.yaml")},
    )
    mock.faults({"kind": "status", "status": 503})  # the first call that reaches the server

    run = subprocess.run(
        [sys.executable, "-c", SCRIPT, mock.api_url],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(out)},
    )

    assert json.loads(run.stdout) == {
        "0": "must not be less than 1",
        "7": "must not be greater than 6",
        "2.5": "must be an integer",
        "server": [-32601, 400],
    }
    sent = mock.requests()
    assert [r["query"] for r in sent] == ["precision=3", "precision=3"]  # the 503 was retried
    assert all(r["path"] == "/api/v2/public/get_time" for r in sent)
