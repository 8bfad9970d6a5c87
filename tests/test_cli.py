"""``deribit-session``, the installed console script, run as a subprocess against the mock
exchange process: every command, --json parsed, exit codes, no secret printed, Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from deribit_mock.process import MockServer

from .conftest import CLIENT_ID, CLIENT_SECRET, wait_until

SCRIPT = Path(sys.executable).parent / "deribit-session"


def env(**extra: str) -> dict[str, str]:
    values = {k: v for k, v in os.environ.items() if not k.startswith("DERIBIT_CLIENT")}
    return {**values, "DERIBIT_CLIENT_ID": CLIENT_ID, "DERIBIT_CLIENT_SECRET": CLIENT_SECRET, **extra}


def run(mock: MockServer, *args: str, environment: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = mock.api_url.removesuffix("/api/v2")
    return subprocess.run(
        [str(SCRIPT), "--url", base, *args],
        env=environment or env(),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_console_script_is_installed_and_says_testnet_is_the_default() -> None:
    done = subprocess.run([str(SCRIPT), "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert "TESTNET" in done.stdout and "Exit codes" in done.stdout


def test_status_reports_version_round_trip_scope_and_the_accounts_cod(mock: MockServer) -> None:
    done = run(mock, "--json", "status")
    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout)
    assert status["version"] == "1.2.26" and status["round_trip_ms"] > 0
    assert status["cancel_on_disconnect"] is False and status["scope"]
    human = run(mock, "status")
    assert "version 1.2.26" in human.stdout and "off" in human.stdout


def test_cod_enable_get_disable_change_the_account_default(mock: MockServer) -> None:
    outcomes = [json.loads(run(mock, "--json", "cod", action).stdout) for action in ("enable", "get", "disable", "get")]
    assert [o["cancel_on_disconnect"] for o in outcomes] == [True, True, False, False]


def test_connection_scope_is_refused_as_a_usage_error(mock: MockServer) -> None:
    done = run(mock, "cod", "enable", "--scope", "connection")
    assert done.returncode == 2 and "lasts as long as one connection" in done.stderr


def test_a_wrong_secret_is_exit_3_and_no_secret_is_printed(mock: MockServer) -> None:
    wrong = "wrong-SECRET-5d1e"
    done = run(mock, "--json", "status", environment=env(DERIBIT_CLIENT_SECRET=wrong))
    assert done.returncode == 3
    assert json.loads(done.stderr)["error"] == "AuthenticationError"
    assert wrong not in done.stdout + done.stderr and CLIENT_SECRET not in done.stdout + done.stderr


def test_the_secret_file_is_read_and_missing_credentials_are_a_usage_error(mock: MockServer, tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text(CLIENT_SECRET + "\n")
    without = {k: v for k, v in env().items() if k != "DERIBIT_CLIENT_SECRET"}
    assert run(mock, "--client-secret-file", str(secret_file), "cod", "get", environment=without).returncode == 0
    missing = run(mock, "cod", "get", environment=without)
    assert missing.returncode == 2 and "DERIBIT_CLIENT_SECRET" in missing.stderr


def test_an_unreachable_exchange_is_exit_4_within_the_connect_timeout() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once it is closed
    started = time.monotonic()
    done = subprocess.run(
        [str(SCRIPT), "--url", f"http://127.0.0.1:{port}", "--timeout", "2", "status"],
        env=env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 4, done.stderr
    assert time.monotonic() - started < 2 + 10  # (the interpreter's start-up on a loaded machine)


def test_watch_shows_heartbeats_and_a_reconnect_then_closes_cleanly_on_ctrl_c(mock: MockServer) -> None:
    mock.time_scale(0.05)  # a test_request every 0.5 s at heartbeat 10
    base = mock.api_url.removesuffix("/api/v2")
    process = subprocess.Popen(
        [str(SCRIPT), "--url", base, "--json", "watch", "--heartbeat", "10", "--cancel-on-disconnect"],
        env=env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[dict[str, Any]] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(json.loads(line))
            kinds = [entry["event"] for entry in lines]
            if kinds.count("test_request") == 2 and "reconnected" not in kinds:
                mock.drop()
            if "reconnected" in kinds and kinds[kinds.index("reconnected") :].count("test_request") >= 1:
                break
        process.send_signal(signal.SIGINT)
        rest, errors = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, errors
    summary = json.loads(rest.splitlines()[-1])
    assert summary["event"] == "summary" and summary["reconnects"] == 1 and summary["test_requests_answered"] >= 3
    reconnect = next(entry for entry in lines if entry["event"] == "reconnected")
    assert reconnect["restored"] == {"heartbeat_interval": 10.0, "cancel_on_disconnect": True}
    assert all(entry["latency_ms"] is not None for entry in lines if entry["event"] == "test_request")
    closes = wait_until(lambda: [e for e in mock.events() if e["event"] == "closed"][1:], "the close")
    assert closes[-1]["reason"] == "closed by the client (code 1000)"


def test_a_secret_the_server_quotes_is_never_printed(mock: MockServer) -> None:
    quoted = {"code": 13004, "message": f"invalid_credentials secret={CLIENT_SECRET}"}
    mock.faults({"kind": "status", "status": 400, "error": quoted})
    for flags in (["--json"], []):
        mock.faults({"kind": "status", "status": 400, "error": quoted})
        done = run(mock, *flags, "cod", "get")
        assert done.returncode == 3
        assert CLIENT_SECRET not in done.stdout + done.stderr and "***" in done.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--timeout", "-1", "status"],
        ["watch", "--heartbeat", "5"],
        ["--production", "status"],  # with --url (given by run): two exchanges
    ],
    ids=["negative-timeout", "heartbeat-under-10", "production-and-url"],
)
def test_options_the_exchange_or_the_command_cannot_take_are_usage_errors(mock: MockServer, args: list[str]) -> None:
    done = run(mock, "--json", *args)
    assert done.returncode == 2, done.stderr
    assert "error" in json.loads(done.stderr.strip().splitlines()[-1])  # JSON with --json, usage errors too


@pytest.mark.parametrize("url", ["http://127.0.0.1:abc", "http://[::1", "http://127.0.0.1:99999", "ftp://host"])
def test_a_url_that_is_not_one_is_a_usage_error(url: str) -> None:
    done = subprocess.run([str(SCRIPT), "--url", url, "status"], env=env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_text_the_server_sends_is_printed_as_text_not_markup(mock: MockServer) -> None:
    answer = {"kind": "answer", "status": 200, "body": {"jsonrpc": "2.0", "result": {"version": "[/oops]"}}}
    mock.faults(answer, answer)  # (status calls public/test twice)
    done = run(mock, "status")
    assert done.returncode == 0, done.stderr
    assert "[/oops]" in done.stdout


def test_watch_stops_with_exit_3_when_the_key_is_refused_on_a_reconnect(mock: MockServer) -> None:
    base = mock.api_url.removesuffix("/api/v2")
    process = subprocess.Popen(
        [str(SCRIPT), "--url", base, "--json", "watch"],
        env=env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert json.loads(process.stdout.readline())["event"] == "ready"
        mock.set_client_secret("another-secret")  # the key revoked
        mock.drop()
        out, errors = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 3, errors
    assert json.loads(out.splitlines()[-1])["state"] == "failed"


def test_without_the_cli_extra_the_command_names_it() -> None:
    code = "import sys; sys.modules['click'] = None; from deribit_session_cli import main; main()"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "deribit-session-client[cli]" in done.stderr


def test_without_rich_the_command_names_the_extra_before_any_call() -> None:
    # (with only the [testing] extra: click comes with pytest's tools, rich does not)
    code = "import sys; sys.modules['rich'] = None; from deribit_session_cli import main; main()"
    done = subprocess.run(
        [sys.executable, "-c", code, "--url", "http://127.0.0.1:9", "status"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env(),
    )
    assert done.returncode == 2 and "deribit-session-client[cli]" in done.stderr and "rich" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_mock_command_without_the_testing_extra_is_a_usage_error() -> None:
    code = "import sys; sys.modules['uvicorn'] = None; from deribit_session_cli import main; main()"
    done = subprocess.run([sys.executable, "-c", code, "mock"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "deribit-session-client[testing]" in done.stderr and "uvicorn" in done.stderr


def test_global_options_may_follow_the_command(mock: MockServer) -> None:
    base = mock.api_url.removesuffix("/api/v2")
    done = subprocess.run(
        [str(SCRIPT), "status", "--json", "--url", base], env=env(), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["version"] == "1.2.26"
    done = subprocess.run(
        [str(SCRIPT), "cod", "get", "--timeout=5", "--json", f"--url={base}"],
        env=env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and json.loads(done.stdout)["scope"] == "account", done.stderr


@pytest.mark.parametrize("variable", ["DERIBIT_API_URL", "DERIBIT_WS_URL"])
def test_the_exchange_urls_the_docs_export_are_used(mock: MockServer, variable: str) -> None:
    value = mock.api_url if variable == "DERIBIT_API_URL" else mock.ws_url
    done = subprocess.run(
        [str(SCRIPT), "--json", "status"], env=env(**{variable: value}), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["url"] == mock.api_url.removesuffix("/api/v2")


def test_the_timeout_bounds_a_call_retries_included() -> None:
    # A server that accepts and never answers: before, 3 attempts of 2 s and their backoff (7.65 s).
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        port = server.getsockname()[1]
        started = time.monotonic()
        done = subprocess.run(
            [str(SCRIPT), "--url", f"http://127.0.0.1:{port}", "--timeout", "1", "cod", "get"],
            env=env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        elapsed = time.monotonic() - started
    assert done.returncode == 4, done.stderr
    assert "timed out" in done.stderr
    assert elapsed < 1 + 4  # one bound, plus the interpreter's start-up on a loaded machine (not 3 attempts)
