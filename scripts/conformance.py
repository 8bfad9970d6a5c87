"""make conformance: one scripted scenario against a target (testnet by default) and against the
mock in realistic mode, each exchange recorded as a normalised transcript, the two diffed.

    DERIBIT_CLIENT_ID=... DERIBIT_CLIENT_SECRET=... make conformance
    make conformance ARGS="--http-url http://127.0.0.1:8000/api/v2 --ws-url ws://127.0.0.1:8000/ws/api/v2"

The scenario uses the package's own clients: every operation of the spec over both transports
(the WebSocket-only ones over HTTP too, to record the refusal), each documented error case,
authentication by credentials, signature and refresh, a heartbeat with a test_request
answered, connection- and account-scope cancel-on-disconnect set, read back and cleared, and
logout; then what cancel-on-disconnect does to orders: a post-only limit buy far below the
mark with a unique label, its connection closed with cancel-on-disconnect on (the order must
be cancelled with ``cancel_reason: "cancel_on_disconnect"``) and again with it off (it must
stay; every order of the run is cancelled by label at the end, however the run ends); the
close code of a missed test_request; a method name with a leading slash. The account-scope
setting is put back as it was, even when the run fails halfway.

A transcript line holds the step, the transport, the method, the parameters (secrets
masked) and the answer's shape: the result's JSON type and keys, or the error's code, message
and ``data`` keys; timestamps, ids, tokens and usIn/usOut are left out. Differences not in
the allow-list (conformance/allowlist.toml: each with its reason) make the exit status 1.
Without credentials for a real exchange it says so and exits 0 (skipped).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import tomllib
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "generated"), str(ROOT)]

from websockets.exceptions import ConnectionClosed  # noqa: E402

from deribit_mock.process import start_mock, stop_mock  # noqa: E402
from deribit_session_client import (  # noqa: E402
    TESTNET_URL,
    TESTNET_WS_URL,
    APIError,
    AuthenticatedClient,
    Client,
    DeribitError,
    WebSocketClient,
)
from deribit_session_client.api.session_management import (  # noqa: E402
    disable_cancel_on_disconnect,
    enable_cancel_on_disconnect,
    get_cancel_on_disconnect,
)

#: Parameters shown as *** (secrets, and the account's own id, which differs between targets).
SECRET = {"client_secret", "signature", "refresh_token", "access_token", "client_id"}
#: Parameters that differ between targets by design (shown as *** too): an order's id, label and price.
VARYING = {"order_id", "label", "price"}
MOCK_ID, MOCK_SECRET = "conformance-id", "conformance-secret"
INSTRUMENT = "BTC-PERPETUAL"
Line = dict[str, Any]


def shape(value: Any) -> Any:
    """A JSON value's shape: its type, and for an object its keys."""
    if isinstance(value, dict):
        return {"object": sorted(value)}
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, list):
        return "array"
    if value is None:
        return "null"
    return "string" if value != "ok" else "ok"  # (the exchange's literal "ok" is the answer's meaning)


def outcome_of_envelope(envelope: Any) -> dict[str, Any]:
    if isinstance(envelope, dict) and isinstance(envelope.get("error"), dict):
        error = envelope["error"]
        data = error.get("data")
        return {
            "error": error.get("code"),
            "message": error.get("message"),
            "data": sorted(data) if isinstance(data, dict) else None,
        }
    if isinstance(envelope, dict) and "result" in envelope:
        return {"result": shape(envelope["result"])}
    return {"unreadable": shape(envelope)}


def outcome_of_error(exc: DeribitError) -> dict[str, Any]:
    if isinstance(exc, APIError):
        return {
            "error": exc.code,
            "message": exc.message,
            "data": sorted(exc.data) if isinstance(exc.data, dict) else None,
        }
    return {"raised": type(exc).__name__}


class Recorder:
    def __init__(self, http_url: str) -> None:
        self.http_url = http_url.rstrip("/")
        self.lines: list[Line] = []

    def add(self, step: str, transport: str, method: str, params: dict[str, Any], outcome: dict[str, Any]) -> None:
        shown = {k: ("***" if k in SECRET | VARYING else v) for k, v in sorted(params.items())}
        self.lines.append({"step": step, "transport": transport, "method": method, "params": shown, "outcome": outcome})

    def http(self, client: Client, step: str, method: str, params: dict[str, Any], token: str | None = None) -> Any:
        """A GET with these exact parameters (no client-side checks: the server's answer is the
        point), with a bearer ``token`` when given."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            response = client.get_httpx_client().get(f"{self.http_url}/{method}", params=params, headers=headers)
            envelope = response.json()
        except (ValueError, DeribitError) as exc:
            envelope = {"unreadable": type(exc).__name__}
        self.add(step, "http", method, params, outcome_of_envelope(envelope))
        return envelope.get("result") if isinstance(envelope, dict) else None

    def ws(self, ws: WebSocketClient, step: str, method: str, params: dict[str, Any]) -> Any:
        try:
            result = ws.call(method, params)
        except DeribitError as exc:
            self.add(step, "ws", method, params, outcome_of_error(exc))
            return None
        self.add(step, "ws", method, params, {"result": shape(result)})
        return result


@contextmanager
def account_setting_restored(signed: AuthenticatedClient) -> Iterator[None]:
    """Reads the account-scope cancel-on-disconnect before the run (signed requests) and puts
    it back after it, however the run ends."""
    enabled = get_cancel_on_disconnect.sync(client=signed, scope="account").result.enabled
    try:
        yield
    finally:
        put_back = enable_cancel_on_disconnect if enabled else disable_cancel_on_disconnect
        put_back.sync(client=signed, scope="account")


def scenario(http_url: str, ws_url: str, client_id: str, secret: str, wait: Callable[[float], None]) -> list[Line]:
    """The scripted run against one target; returns its transcript."""
    rec = Recorder(http_url)
    with (
        Client(base_url=http_url, max_retries=0) as public,
        AuthenticatedClient.from_client_signature(
            base_url=http_url, client_id=client_id, client_secret=secret, max_retries=0
        ) as signed,
        account_setting_restored(signed),
    ):
        # HTTP: what it serves, and what it refuses
        rec.http(public, "test", "public/test", {})
        rec.http(public, "test forced error", "public/test", {"expected_result": "exception"})
        grant = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
        token = rec.http(public, "auth by credentials", "public/auth", grant)
        if isinstance(token, dict) and isinstance(token.get("refresh_token"), str):
            refresh = {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]}
            token = rec.http(public, "auth by refresh token", "public/auth", refresh) or token  # the new pair
        bearer = token.get("access_token") if isinstance(token, dict) else None
        rec.http(public, "private without a token", "private/get_cancel_on_disconnect", {"scope": "account"})
        signed_answer = get_cancel_on_disconnect.sync_detailed(client=signed, scope="account")
        scoped = {"scope": "account"}
        rec.add(
            "signed",
            "http",
            "private/get_cancel_on_disconnect",
            scoped,
            outcome_of_envelope(json.loads(signed_answer.content)),
        )
        rec.http(public, "set_heartbeat over http", "public/set_heartbeat", {"interval": 30})
        rec.http(public, "disable_heartbeat over http", "public/disable_heartbeat", {})
        for step, params in (
            ("account", {"scope": "account"}),
            ("connection", {"scope": "connection"}),
            ("default scope", {}),
        ):
            rec.http(public, f"get cod {step} over http", "private/get_cancel_on_disconnect", params, bearer)
        rec.http(
            public, "enable cod account over http", "private/enable_cancel_on_disconnect", {"scope": "account"}, bearer
        )
        rec.http(
            public, "read back cod account over http", "private/get_cancel_on_disconnect", {"scope": "account"}, bearer
        )
        rec.http(
            public,
            "disable cod account over http",
            "private/disable_cancel_on_disconnect",
            {"scope": "account"},
            bearer,
        )
        connection = {"scope": "connection"}
        rec.http(public, "enable cod connection over http", "private/enable_cancel_on_disconnect", connection, bearer)
        rec.http(public, "bad scope over http", "private/enable_cancel_on_disconnect", {"scope": "planet"}, bearer)
        rec.http(public, "logout over http", "private/logout", {}, bearer)

        # WebSocket: authenticated by signature, every operation, the error cases, a heartbeat
        with WebSocketClient(ws_url, client_id=client_id, client_secret=secret, timeout=10.0) as ws:
            rec.ws(ws, "test", "public/test", {})
            rec.ws(ws, "test forced error", "public/test", {"expected_result": "exception"})
            rec.ws(ws, "heartbeat too short", "public/set_heartbeat", {"interval": 5})
            rec.ws(ws, "set heartbeat", "public/set_heartbeat", {"interval": 10})
            answered = wait_for(lambda: ws.stats["test_requests_answered"] >= 1, 35.0, wait)
            rec.add("a test_request answered", "ws", "heartbeat", {}, {"answered": answered})
            rec.ws(ws, "disable heartbeat", "public/disable_heartbeat", {})
            rec.ws(ws, "get cod connection", "private/get_cancel_on_disconnect", {"scope": "connection"})
            rec.ws(ws, "enable cod connection", "private/enable_cancel_on_disconnect", {"scope": "connection"})
            rec.ws(ws, "read back cod connection", "private/get_cancel_on_disconnect", {"scope": "connection"})
            rec.ws(ws, "disable cod connection", "private/disable_cancel_on_disconnect", {"scope": "connection"})
            rec.ws(ws, "get cod account", "private/get_cancel_on_disconnect", {"scope": "account"})
            rec.ws(ws, "bad scope", "private/enable_cancel_on_disconnect", {"scope": "planet"})
            rec.ws(ws, "unknown method", "public/no_such_method", {})
            granted = rec.ws(ws, "auth by credentials", "public/auth", grant)
            if isinstance(granted, dict) and isinstance(granted.get("refresh_token"), str):
                rec.ws(
                    ws,
                    "auth by refresh token",
                    "public/auth",
                    {"grant_type": "refresh_token", "refresh_token": granted["refresh_token"]},
                )
            rec.ws(ws, "logout", "private/logout", {})
        orders_and_closes(rec, ws_url, client_id, secret, wait)
    return rec.lines


def _mark(ws: WebSocketClient) -> float:
    """The instrument's mark (not recorded: the mock has no ticker), or a stand-in."""
    try:
        ticker = ws.call("public/ticker", {"instrument_name": INSTRUMENT})
        return float(ticker["mark_price"])
    except (DeribitError, KeyError, TypeError, ValueError):
        return 60_000.0


def _settled(ws: WebSocketClient, order_id: str, wait: Callable[[float], None]) -> dict[str, Any]:
    """The order's state once it is no longer open, or as it is after 10 s."""
    state: dict[str, Any] = {}
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline:
        state = ws.call("private/get_order_state", {"order_id": order_id})
        if state.get("order_state") != "open":
            break
        wait(0.2)
    return {"order_state": state.get("order_state"), "cancel_reason": state.get("cancel_reason")}


def orders_and_closes(rec: Recorder, ws_url: str, client_id: str, secret: str, wait: Callable[[float], None]) -> None:
    """Cancel-on-disconnect acting on orders, a missed test_request's close, a leading slash."""
    from websockets.sync.client import connect  # (the raw frames: close codes, method names)

    run = uuid.uuid4().hex[:8]
    with WebSocketClient(ws_url, client_id=client_id, client_secret=secret, timeout=10.0) as watcher:
        price = round(_mark(watcher) * 0.6 / 10) * 10  # far below the mark: it rests
        try:
            for cod, step in ((True, "cod on"), (False, "cod off")):
                params = {
                    "instrument_name": INSTRUMENT,
                    "amount": 10,
                    "type": "limit",
                    "price": price,
                    "post_only": True,
                    "label": f"conformance-{run}-{step.replace(' ', '-')}",
                }
                with WebSocketClient(
                    ws_url,
                    client_id=client_id,
                    client_secret=secret,
                    timeout=10.0,
                    cancel_on_disconnect="connection" if cod else None,
                ) as placing:
                    placed = rec.ws(placing, f"place a resting order, {step}", "private/buy", params)
                order_id = placed.get("order", {}).get("order_id") if isinstance(placed, dict) else None
                outcome = _settled(watcher, order_id, wait) if isinstance(order_id, str) else {"placed": False}
                rec.add(f"the order after its connection closed, {step}", "ws", "private/get_order_state", {}, outcome)
        finally:
            for step in ("cod-on", "cod-off"):
                try:
                    watcher.call("private/cancel_by_label", {"label": f"conformance-{run}-{step}"})
                except DeribitError:
                    pass
    grant = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    with connect(ws_url, open_timeout=10) as raw:
        raw.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "/public/test", "params": {}}))
        answer = json.loads(raw.recv(timeout=10))
        rec.add("a leading slash in the method name", "ws", "/public/test", {}, outcome_of_envelope(answer))
        setup: list[tuple[str, dict[str, Any]]] = [("public/auth", grant), ("public/set_heartbeat", {"interval": 10})]
        for n, (method, sent) in enumerate(setup, 2):
            raw.send(json.dumps({"jsonrpc": "2.0", "id": n, "method": method, "params": sent}))
            raw.recv(timeout=10)
        closed: dict[str, Any] = {"closed": False}
        try:
            while True:  # never answering the test_request
                raw.recv(timeout=40)
        except TimeoutError:
            pass
        except ConnectionClosed as exc:
            closed = {"code": exc.rcvd.code if exc.rcvd else None, "reason": exc.rcvd.reason if exc.rcvd else None}
        rec.add("a missed test_request closes the connection", "ws", "heartbeat", {}, closed)


def wait_for(check: Callable[[], bool], seconds: float, wait: Callable[[float], None]) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        wait(0.05)
    return check()


def key(line: Line) -> str:
    params = ",".join(f"{k}={v}" for k, v in line["params"].items())
    return f"{line['transport']} {line['method']}({params}) [{line['step']}]"


def differences(target: list[Line], mock: list[Line]) -> list[tuple[str, str]]:
    """(step key, 'target X | mock Y') for each step whose outcome differs, or is in one only."""
    theirs, ours = {key(x): x["outcome"] for x in target}, {key(x): x["outcome"] for x in mock}
    found = []
    for step in list(dict.fromkeys([*theirs, *ours])):
        a, b = theirs.get(step, "absent"), ours.get(step, "absent")
        if a != b:
            found.append((step, f"target {json.dumps(a, sort_keys=True)} | mock {json.dumps(b, sort_keys=True)}"))
    return found


def allowed(path: Path) -> dict[str, str]:
    """step key -> reason, from the reviewed allow-list."""
    if not path.exists():
        return {}
    entries = tomllib.loads(path.read_text()).get("difference", [])
    return {e["step"]: f"{e['kind']}: {e['reason']}" for e in entries}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="conformance", description=__doc__.split("\n\n")[0])
    parser.add_argument("--http-url", default=os.environ.get("DERIBIT_API_URL", TESTNET_URL))
    parser.add_argument("--ws-url", default=os.environ.get("DERIBIT_WS_URL", TESTNET_WS_URL))
    parser.add_argument("--allow-list", type=Path, default=ROOT / "conformance" / "allowlist.toml")
    parser.add_argument("--out", type=Path, default=ROOT / ".tmp" / "conformance", help="where transcripts are written")
    parser.add_argument("--mock-time-scale", type=float, default=0.05, help="the comparison mock's time scale")
    args = parser.parse_args(argv)
    client_id, secret = os.environ.get("DERIBIT_CLIENT_ID"), os.environ.get("DERIBIT_CLIENT_SECRET")
    if not client_id or not secret:
        print(
            f"conformance: skipped: no credentials for {args.http_url} (set DERIBIT_CLIENT_ID and"
            " DERIBIT_CLIENT_SECRET to a testnet API key; CI uses the DERIBIT_TESTNET_* secrets)"
        )
        return 0

    target = scenario(args.http_url, args.ws_url, client_id, secret, time.sleep)
    mock = start_mock(
        {
            "DERIBIT_MOCK_CLIENT_ID": MOCK_ID,
            "DERIBIT_MOCK_CLIENT_SECRET": MOCK_SECRET,
            "DERIBIT_MOCK_TIME_SCALE": str(args.mock_time_scale),
        },
        "--realistic",
    )
    try:
        ours = scenario(mock.api_url, mock.ws_url, MOCK_ID, MOCK_SECRET, time.sleep)
    finally:
        stop_mock(mock)

    args.out.mkdir(parents=True, exist_ok=True)
    for name, lines in (("target", target), ("mock", ours)):
        (args.out / f"{name}.jsonl").write_text("".join(json.dumps(x, sort_keys=True) + "\n" for x in lines))
    reasons = allowed(args.allow_list)
    unexplained = 0
    found = differences(target, ours)
    for step, what in found:
        reason = reasons.get(step)
        print(f"{'allowed' if reason else 'DIFFERS'}: {step}: {what}" + (f" ({reason})" if reason else ""))
        unexplained += reason is None
    print(
        f"conformance: {len(target)} steps, {len(found)} differences, {unexplained} not in the allow-list; transcripts in {args.out}"
    )
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
