"""What a downstream team relies on beyond the spec: stubbed methods in the mock, errors that
name what was called and where they live, callbacks whose failures reach ``on_error``, and a
process left as it was found."""

from __future__ import annotations

import os
import pickle
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from deribit_mock.process import ROOT, MockServer
from deribit_session_client import (
    AuthenticatedClient,
    CallbackError,
    DeribitError,
    MethodNotFoundError,
    PermissionDeniedError,
    WebSocketClient,
)
from deribit_session_client.api.supporting import test as public_test

from .conftest import ACCESS_TOKEN, CLIENT_ID, CLIENT_SECRET, credentials, wait_until

POSITIONS = [{"instrument_name": "BTC-PERPETUAL", "size": 10.0, "direction": "buy"}]


def ws_client(mock: MockServer, **options: Any) -> WebSocketClient:
    return WebSocketClient(mock.ws_url, **credentials(**options))


# -- stubs: methods outside the spec -------------------------------------------------------------


def test_a_stubbed_method_answers_over_both_transports_until_the_reset(mock: MockServer) -> None:
    mock.stub("private/get_positions", result=POSITIONS)
    with ws_client(mock) as ws:
        assert ws.call("private/get_positions", {"currency": "BTC"}) == POSITIONS
    http = httpx.get(
        f"{mock.api_url}/private/get_positions",
        params={"currency": "BTC"},
        headers={"Authorization": f"Bearer {ACCESS_TOKEN}"},
    )
    assert http.status_code == 200 and http.json()["result"] == POSITIONS

    mock.reset()
    with ws_client(mock) as ws, pytest.raises(MethodNotFoundError):
        ws.call("private/get_positions", {"currency": "BTC"})


def test_a_stub_can_answer_an_error_and_on_one_transport_only(mock: MockServer) -> None:
    mock.stub("private/close_position", error={"code": 13021, "message": "forbidden"}, transport="websocket")
    with ws_client(mock) as ws, pytest.raises(PermissionDeniedError) as refused:
        ws.call("private/close_position", {"instrument_name": "BTC-PERPETUAL", "type": "market"})
    assert refused.value.code == 13021 and refused.value.method == "private/close_position"
    over_http = httpx.get(f"{mock.api_url}/private/close_position", headers={"Authorization": f"Bearer {ACCESS_TOKEN}"})
    assert over_http.json()["error"]["code"] == -32601


def test_a_private_stub_needs_authentication_as_at_the_exchange(mock: MockServer) -> None:
    mock.stub("private/get_positions", result=[])
    with WebSocketClient(mock.ws_url) as ws, pytest.raises(DeribitError) as refused:
        ws.call("private/get_positions")
    assert getattr(refused.value, "code", None) == 13009


def test_a_stub_for_a_method_of_the_spec_or_a_malformed_stub_is_refused(mock: MockServer) -> None:
    with pytest.raises(ValueError, match="in the spec"):
        mock.stub("public/test", result={"version": "9"})
    with pytest.raises(ValueError, match="integer code"):
        mock.stub("private/x", error={"code": "1", "message": "m"})
    with pytest.raises(ValueError, match="transport"):
        mock.stub("private/x", result=1, transport="carrier-pigeon")


def test_method_not_found_names_the_method_over_both_transports(mock: MockServer) -> None:
    with ws_client(mock) as ws, pytest.raises(MethodNotFoundError) as over_ws:
        ws.call("private/get_positionz")
    assert "private/get_positionz" in str(over_ws.value) and over_ws.value.method == "private/get_positionz"

    # Over HTTP the spec's paths are all the generated client calls: an exchange that no longer
    # knows one answers -32601, and the error names the path that was called.
    unknown = {"error": {"code": -32601, "message": "Method not found"}}
    mock.faults({"kind": "answer", "status": 400, "body": unknown, "method": "public/test"})
    with AuthenticatedClient(base_url=mock.api_url, token=ACCESS_TOKEN) as client:
        with pytest.raises(MethodNotFoundError) as over_http:
            public_test.sync(client=client)
    assert over_http.value.method == "public/test" and str(over_http.value).endswith(": public/test")


def test_exceptions_name_their_public_module_and_pickle_from_it() -> None:
    error = MethodNotFoundError("Method not found", code=-32601, method="public/nope")
    assert type(error).__module__ == "deribit_session_client.errors"
    assert f"{type(error).__module__}.{type(error).__qualname__}" == "deribit_session_client.errors.MethodNotFoundError"
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is MethodNotFoundError and copy.method == "public/nope" and str(copy) == str(error)


# -- callbacks ---------------------------------------------------------------------------------


def test_on_reconnect_runs_after_reconnects_only_and_its_exception_reaches_on_error(mock: MockServer) -> None:
    calls: list[int] = []
    errors: list[BaseException] = []

    def on_reconnect(ws: WebSocketClient) -> None:
        calls.append(ws.stats["connects"])
        raise RuntimeError("re-subscribe failed: access_token='leaked'")

    with ws_client(mock, on_reconnect=on_reconnect, on_error=errors.append) as ws:
        assert calls == []  # not after the first connection
        mock.drop()
        wait_until(lambda: errors, "on_error")
        assert calls == [1]  # before the new connection counts as made
        assert ws.call("public/test") == {"version": "1.2.26"}  # the session stands
        assert ws.stats["state"] == "ready"
    [error] = errors
    assert isinstance(error, CallbackError) and error.callback == "on_reconnect"
    assert isinstance(error.__cause__, RuntimeError)
    assert "re-subscribe failed" in str(error) and "leaked" not in str(error)


def test_an_exception_in_on_notification_reaches_on_error_and_later_notifications_still_arrive(
    mock: MockServer,
) -> None:
    seen: list[int] = []
    errors: list[BaseException] = []

    def on_notification(message: dict[str, Any]) -> None:
        n = message["params"]["n"]
        seen.append(n)
        if n == 1:
            raise KeyError("data")

    with ws_client(mock, on_notification=on_notification, on_error=errors.append):
        mock.notify([{"channel": "c", "n": 1}, {"channel": "c", "n": 2}])
        wait_until(lambda: len(seen) == 2 and errors, "both notifications and on_error")
    [error] = errors
    assert isinstance(error, CallbackError) and error.callback == "on_notification"
    assert isinstance(error.__cause__, KeyError)


# -- the process as it was found ---------------------------------------------------------------

SWITCH = """
import sys
from deribit_session_client import WebSocketClient

before = sys.getswitchinterval()
with WebSocketClient(sys.argv[1]) as first:
    during = sys.getswitchinterval()
    with WebSocketClient(sys.argv[1]):
        pass
    still = sys.getswitchinterval()  # the first client still holds the keeper
after = sys.getswitchinterval()
sys.setswitchinterval(0.002)  # the process chose its own: left alone
with WebSocketClient(sys.argv[1]):
    chosen = sys.getswitchinterval()
print(before, during, still, after, chosen, sys.getswitchinterval())
"""


def test_the_gil_switch_interval_is_restored_when_the_last_client_closes(mock: MockServer) -> None:
    run = subprocess.run([sys.executable, "-c", SWITCH, mock.ws_url], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    before, during, still, after, chosen, end = map(float, run.stdout.split())
    assert (before, after) == (0.005, 0.005)
    assert during == still == pytest.approx(0.0001)
    assert chosen == end == 0.002


def test_the_mock_says_on_start_how_to_reach_it_without_printing_the_secret(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "generated"), str(ROOT)]),
        "DERIBIT_MOCK_CLIENT_ID": "desk-7",
        "DERIBIT_MOCK_CLIENT_SECRET": "s3cret-value",
        "DERIBIT_MOCK_TIME_SCALE": "0.5",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "deribit_mock", "--port", str(port), "--realistic"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]
    finally:
        process.terminate()
        process.wait(10)
    banner = "".join(lines)
    assert f"http://127.0.0.1:{port}/api/v2" in lines[0] and f"ws://127.0.0.1:{port}/ws/api/v2" in lines[0]
    assert "client id: desk-7" in banner and "s3cret-value" not in banner
    assert "mode: realistic" in banner and "time scale: 0.5" in banner


def test_a_passing_run_leaves_no_temporary_folders_behind(tmp_path: Path) -> None:
    # The packaging tests build virtual environments under tmp_path (about 100 MB a run): with
    # the project's pytest configuration, a passing run removes what its tests wrote.
    (tmp_path / "test_writes.py").write_text(
        "def test_writes(tmp_path):\n    (tmp_path / 'big').write_bytes(b'x' * 1_000_000)\n"
    )
    temp_root = tmp_path / "temp"
    temp_root.mkdir()
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-c",
            str(ROOT / "pyproject.toml"),
            "--rootdir",
            str(tmp_path),
            str(tmp_path / "test_writes.py"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "TMPDIR": str(temp_root)},
        timeout=60,
    )
    assert run.returncode == 0, run.stdout[-2000:]
    left = [p for p in temp_root.rglob("*") if p.is_file()]
    assert left == []


def test_a_callback_error_never_shows_the_clients_secret(mock: MockServer, caplog: pytest.LogCaptureFixture) -> None:
    errors: list[BaseException] = []

    def on_notification(message: dict[str, Any]) -> None:
        if message["params"]["n"] == 1:
            raise RuntimeError(f"GET /public/auth?client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}&x=1")
        raise RuntimeError(f"the key {CLIENT_SECRET} was refused")  # bare, in the middle of a text

    with ws_client(mock, on_notification=on_notification, on_error=errors.append):
        mock.notify([{"channel": "c", "n": 1}, {"channel": "c", "n": 2}])
        wait_until(lambda: len(errors) == 2, "both errors")
    for error in errors:
        assert CLIENT_SECRET not in str(error) and CLIENT_SECRET not in repr(error)
    assert "refused" in str(errors[1])
    assert CLIENT_SECRET not in caplog.text and "on_notification" in caplog.text


@pytest.mark.parametrize(
    "body",
    [
        b'{"method": "public/b", "error": {"code": true, "message": "m"}}',
        b'{"method": "public/e", "error": null}',
        b'{"method": "public/nan", "result": NaN}',
        b'{"method": "public/inf", "result": [Infinity]}',
        b'{"method": "public/", "result": 1}',
        b'{"method": "public/' + b"x" * 200 + b'", "result": 1}',
        b"[" * 100_000 + b"]" * 100_000,
    ],
    ids=["bool-code", "null-error", "nan", "infinity", "no-name", "long-name", "deep"],
)
def test_a_bad_stub_is_refused_with_a_reason_and_breaks_nothing(mock: MockServer, body: bytes) -> None:
    answer = httpx.post(f"{mock.base}/_mock/stubs", content=body, timeout=10)
    assert answer.status_code == 400 and answer.json()["error"]
    with ws_client(mock) as ws:
        assert ws.call("public/test") == {"version": "1.2.26"}


@pytest.mark.parametrize("scale", [1e308, 1001, 0, -1])
def test_a_time_scale_the_mock_cannot_keep_is_refused(mock: MockServer, scale: float) -> None:
    with pytest.raises(ValueError, match="time_scale must be a positive number up to 1000"):
        mock.time_scale(scale)
    with ws_client(mock) as ws:  # public/auth computes a token lifetime from the scale
        assert ws.call("public/test") == {"version": "1.2.26"}
