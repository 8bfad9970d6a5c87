"""make conformance, run here with the mock as the target (no route to the exchange): no
difference against itself, one difference when the target is changed in one behaviour, the
allow-list, the skip without credentials, transcripts without secrets, and the account
setting put back when the run fails halfway."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from deribit_mock.process import ROOT, MockServer

from .conftest import ACCESS_TOKEN, CLIENT_ID, CLIENT_SECRET

BEARER = {"Authorization": f"Bearer {ACCESS_TOKEN}"}


def conformance(mock: MockServer, out: Path, *args: str, credentials: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DERIBIT_")}
    if credentials:
        env.update(DERIBIT_CLIENT_ID=CLIENT_ID, DERIBIT_CLIENT_SECRET=CLIENT_SECRET)
    command = [sys.executable, str(ROOT / "scripts" / "conformance.py"), "--http-url", mock.api_url]
    command += ["--ws-url", mock.ws_url, "--out", str(out), *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)


def target(mock: MockServer) -> MockServer:
    mock.realistic(True)  # the comparison run uses realistic mode: the target must too
    mock.time_scale(0.05)  # a test_request within 0.5 s
    return mock


def test_the_mock_as_the_target_has_no_difference(mock: MockServer, tmp_path: Path) -> None:
    run = conformance(target(mock), tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert ", 0 differences, 0 not in the allow-list" in run.stdout
    lines = [json.loads(line) for line in (tmp_path / "target.jsonl").read_text().splitlines()]
    assert len(lines) >= 30
    steps = {(line["transport"], line["method"]) for line in lines}
    for method in ("public/set_heartbeat", "public/disable_heartbeat", "private/logout", "public/auth"):
        assert ("http", method) in steps and ("ws", method) in steps  # WebSocket-only ones refused over HTTP
    answered = [line for line in lines if line["step"] == "a test_request answered"]
    assert answered[0]["outcome"] == {"answered": True}
    written = (tmp_path / "target.jsonl").read_text() + (tmp_path / "mock.jsonl").read_text()
    assert CLIENT_SECRET not in written and CLIENT_ID not in written and "mock." not in written  # (tokens start so)


def test_a_target_changed_in_one_behaviour_gives_one_difference(mock: MockServer, tmp_path: Path) -> None:
    unknown = {"error": {"code": 11050, "message": "bad_request"}}
    target(mock).faults({"kind": "answer", "status": 400, "body": unknown, "method": "public/test"})
    run = conformance(mock, tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    differing = [line for line in run.stdout.splitlines() if line.startswith("DIFFERS")]
    assert len(differing) == 1 and "http public/test() [test]" in differing[0]
    assert '"error": 11050' in differing[0] and '"object": ["version"]' in differing[0]

    allow_list = tmp_path / "allow.toml"
    step = differing[0].split(": ")[1]
    allow_list.write_text(f'[[difference]]\nstep = "{step}"\nkind = "unverified"\nreason = "a test"\n')
    target(mock).faults({"kind": "answer", "status": 400, "body": unknown, "method": "public/test"})
    run = conformance(mock, tmp_path, "--allow-list", str(allow_list))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "allowed: " + step in run.stdout and "(unverified: a test)" in run.stdout


def test_without_credentials_it_says_it_skipped(mock: MockServer, tmp_path: Path) -> None:
    run = conformance(mock, tmp_path, credentials=False)
    assert run.returncode == 0 and "skipped: no credentials" in run.stdout
    assert mock.requests() == []


def test_the_account_setting_is_put_back_when_the_run_fails_halfway(mock: MockServer, tmp_path: Path) -> None:
    target(mock)
    enable = httpx.get(
        f"{mock.api_url}/private/enable_cancel_on_disconnect", params={"scope": "account"}, headers=BEARER
    )
    assert enable.json()["result"] == "ok"
    run = subprocess.run(
        [
            *(sys.executable, str(ROOT / "scripts" / "conformance.py"), "--http-url", mock.api_url),
            *("--ws-url", "ws://127.0.0.1:9/ws/api/v2", "--out", str(tmp_path)),  # nothing serves WebSocket there
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "DERIBIT_CLIENT_ID": CLIENT_ID, "DERIBIT_CLIENT_SECRET": CLIENT_SECRET},
        timeout=120,
        cwd=ROOT,
    )
    assert run.returncode != 0 and "APIConnectionError" in run.stderr
    assert CLIENT_SECRET not in run.stdout + run.stderr
    after = httpx.get(f"{mock.api_url}/private/get_cancel_on_disconnect", params={"scope": "account"}, headers=BEARER)
    assert after.json()["result"] == {"scope": "account", "enabled": True}  # the run turned it off, then back on
    methods = [r.get("query") for r in mock.requests() if r["path"].endswith("cancel_on_disconnect")]
    assert "scope=account" in methods
