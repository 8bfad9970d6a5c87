"""Typed errors, retries, timeouts, logging and secrets, driven by the mock's fault injection."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
import traceback
import uuid
from typing import Any, Literal

import pytest

from deribit_mock.process import MockServer
from deribit_session_client import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticatedClient,
    AuthenticationError,
    Client,
    DeribitError,
    InternalServerError,
    InvalidParamsError,
    RateLimitError,
    ResponseValidationError,
)
from deribit_session_client._core.retry import backoff
from deribit_session_client.api.session_management import enable_cancel_on_disconnect, set_heartbeat
from deribit_session_client.api.supporting import test as public_test

from .conftest import ACCESS_TOKEN, CLIENT_SECRET, FAST_RETRIES
from .test_contract import make_client as contract_client

MODES = ["sync", "async"]


def call_test(client: Client, mode: str, **kwargs: Any) -> Any:
    if mode == "sync":
        with client:
            return public_test.sync(client=client, **kwargs)

    async def run() -> Any:
        async with client:
            return await public_test.asyncio(client=client, **kwargs)

    return asyncio.run(run())


# Each test's clients carry a header of their own, its faults match only that header and
# attempts() counts only its requests: under make test-stress a request an earlier test sent
# can reach the (paused) mock after this test's reset, take its fault and join its count.
_tag = ""


@pytest.fixture(autouse=True)
def _own_tag() -> None:
    global _tag
    _tag = uuid.uuid4().hex


def make_client(mock: MockServer, auth: str, **options: Any) -> Client:
    return contract_client(mock, auth, headers={"x-test": _tag}, **options)


def faults(mock: MockServer, *queued: dict[str, Any]) -> None:
    mock.faults(*[{**fault, "match_headers": {"x-test": _tag}} for fault in queued])


def attempts(mock: MockServer) -> int:
    return sum(1 for entry in mock.requests() if entry.get("headers", {}).get("x-test") == _tag)


# (fault, the exception it must map to)
FAULTS: list[tuple[dict[str, Any], type[DeribitError]]] = [
    ({"kind": "status", "status": 500}, InternalServerError),
    ({"kind": "status", "status": 502}, InternalServerError),
    ({"kind": "status", "status": 503}, InternalServerError),
    ({"kind": "drop"}, APIConnectionError),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("fault", "error"), FAULTS, ids=[f["kind"] + str(f.get("status", "")) for f, _ in FAULTS])
def test_retryable_faults_are_retried_then_raised(
    mock: MockServer, fault: dict[str, Any], error: type[DeribitError], mode: str
) -> None:
    faults(mock, *[fault] * 3)

    with pytest.raises(error) as caught:
        call_test(make_client(mock, "none", max_retries=2), mode)

    assert attempts(mock) == 3  # the first try and max_retries=2 retries
    if isinstance(caught.value, InternalServerError):
        assert caught.value.status_code == fault["status"]
        assert caught.value.code is None
    else:
        assert caught.value.__cause__ is not None  # the httpx exception is chained


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("fault", "error"), FAULTS, ids=[f["kind"] + str(f.get("status", "")) for f, _ in FAULTS])
def test_a_retry_recovers_from_a_transient_fault(
    mock: MockServer, fault: dict[str, Any], error: type[DeribitError], mode: str
) -> None:
    faults(mock, fault)

    result = call_test(make_client(mock, "none", max_retries=2), mode)

    assert result.result.version == "1.2.26"
    assert attempts(mock) == 2


@pytest.mark.parametrize("mode", MODES)
def test_a_timeout_raises_api_timeout_error_within_the_timeout(mock: MockServer, mode: str) -> None:
    faults(mock, {"kind": "delay", "seconds": 3})
    started = time.monotonic()

    with pytest.raises(APITimeoutError) as caught:
        call_test(make_client(mock, "none", timeout=0.3, max_retries=0), mode)

    elapsed = time.monotonic() - started
    assert 0.3 <= elapsed < 0.3 + 1.5  # margin for a loaded CI machine
    assert isinstance(caught.value, APIConnectionError)
    assert caught.value.__cause__ is not None
    # not sent again (max_retries=0); on a loaded machine the 0.3 s can run out before the
    # request reaches a paused mock at all (make test-stress saw 0), so at most one
    assert attempts(mock) <= 1


@pytest.mark.parametrize("mode", MODES)
def test_the_per_call_timeout_overrides_the_clients(mock: MockServer, mode: str) -> None:
    faults(mock, {"kind": "delay", "seconds": 3})
    client = make_client(mock, "none", timeout=30.0, max_retries=0)
    started = time.monotonic()

    with pytest.raises(APITimeoutError):
        call_test(client, mode, timeout=0.2)

    assert time.monotonic() - started < 0.2 + 1.5


def test_timeouts_are_retried(mock: MockServer) -> None:
    faults(mock, {"kind": "delay", "seconds": 3})

    result = call_test(make_client(mock, "none", timeout=0.3, max_retries=1), "sync")

    assert result.result.version == "1.2.26"
    assert attempts(mock) == 2


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", ["malformed", "content_type"])
def test_malformed_answers_raise_response_validation_error_without_retry(
    mock: MockServer, kind: str, mode: str
) -> None:
    faults(mock, {"kind": kind})

    with pytest.raises(ResponseValidationError) as caught:
        call_test(make_client(mock, "none"), mode)

    assert caught.value.status_code == 200
    assert caught.value.body  # a bounded quote of what came back
    assert len(caught.value.body) <= 260
    assert ("malformed JSON" if kind == "malformed" else "text/html") in str(caught.value)
    assert attempts(mock) == 1


@pytest.mark.parametrize("mode", MODES)
def test_rate_limit_error_exposes_retry_after(mock: MockServer, mode: str) -> None:
    mock.rate_limit(0, retry_after=120)  # longer than the client waits for: raised at once

    with pytest.raises(RateLimitError) as caught:
        call_test(make_client(mock, "none", max_retries=3), mode)

    assert caught.value.retry_after == 120.0
    assert attempts(mock) == 1


@pytest.mark.parametrize("mode", MODES)
def test_other_api_errors_are_never_retried(mock: MockServer, mode: str) -> None:
    with pytest.raises(APIError) as caught:
        call_test(make_client(mock, "none", max_retries=5), mode, expected_result="exception")

    assert not isinstance(caught.value, (RateLimitError, InternalServerError))
    assert attempts(mock) == 1


def test_backoff_grows_exponentially_with_jitter() -> None:
    for retries, base in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 8.0), (500, 8.0)]:
        delays = {backoff(retries, 0.5, 8.0) for _ in range(50)}
        assert all(0.75 * base <= d <= base for d in delays)
        assert len(delays) > 1  # jittered


@pytest.mark.parametrize("mode", MODES)
def test_connection_refused_raises_api_connection_error(mode: str) -> None:
    with socket.socket() as s:  # a port that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = Client(base_url=f"http://127.0.0.1:{port}/api/v2", max_retries=1, **FAST_RETRIES)

    with pytest.raises(APIConnectionError) as caught:
        call_test(client, mode)

    assert not isinstance(caught.value, APITimeoutError)
    assert "after 2 attempts" in str(caught.value)
    assert caught.value.__cause__ is not None


def test_retries_and_requests_are_logged_without_bodies(mock: MockServer, caplog: pytest.LogCaptureFixture) -> None:
    faults(mock, {"kind": "status", "status": 503})
    caplog.set_level(logging.DEBUG, logger="deribit_session_client")

    call_test(make_client(mock, "none"), "sync")

    messages = [r.getMessage() for r in caplog.records if r.name == "deribit_session_client"]
    assert any(m.startswith("Retrying GET /public/test in ") and "(retry 1 of 2) after HTTP 503" in m for m in messages)
    assert any(m.startswith("GET /public/test -> 503 in ") and "(retries: 0)" in m for m in messages)
    assert any(m.startswith("GET /public/test -> 200 in ") and "(retries: 1)" in m for m in messages)
    assert not any("1.2.26" in m for m in messages)  # no bodies unless asked


def test_bodies_are_logged_when_asked(mock: MockServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="deribit_session_client")

    call_test(make_client(mock, "none", log_bodies=True), "sync")

    assert any("1.2.26" in r.getMessage() for r in caplog.records)


def test_invalid_client_settings_are_rejected() -> None:
    with pytest.raises(ValueError, match="max_retries"):
        Client(base_url="http://127.0.0.1:9", max_retries=-1)


# -- secrets -------------------------------------------------------------------------------

SECRETS = [ACCESS_TOKEN, CLIENT_SECRET]


def _basic_token() -> str:
    import base64

    return base64.b64encode(f"client-7:{CLIENT_SECRET}".encode()).decode()


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in [*SECRETS, _basic_token()]:
            assert secret not in text


def _secret_paths() -> list[tuple[str, dict[str, Any] | None, int | None]]:
    return [
        ("ok", None, None),
        ("500", {"kind": "status", "status": 500}, None),
        ("drop", {"kind": "drop"}, None),
        ("timeout", {"kind": "delay", "seconds": 2}, None),
        ("malformed", {"kind": "malformed"}, None),
        ("content_type", {"kind": "content_type"}, None),
        ("rate_limit", None, 429),
        ("invalid_params", None, None),
        ("realistic_10030", None, None),
    ]


@pytest.mark.parametrize("auth", ["bearer", "basic", "wrong-bearer"])
@pytest.mark.parametrize(("path", "fault", "rate_status"), _secret_paths(), ids=[p[0] for p in _secret_paths()])
def test_secrets_never_appear_in_reprs_errors_tracebacks_or_logs(
    mock: MockServer,
    caplog: pytest.LogCaptureFixture,
    path: str,
    fault: dict[str, Any] | None,
    rate_status: int | None,
    auth: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    # (0.3 s where the timeout is the point; elsewhere 5 s, so that a process make test-stress
    # pauses for 0.5 s gets the answer under test, not a timeout)
    client = make_client(mock, auth, timeout=0.3 if path == "timeout" else 5.0, max_retries=1, log_bodies=True)
    assert isinstance(client, AuthenticatedClient)
    if fault:
        faults(mock, fault, fault)
    if rate_status:
        mock.rate_limit(0, status=rate_status)
    if path == "realistic_10030":
        mock.realistic(True)
    error: BaseException | None = None
    try:
        with client:
            if path == "invalid_params":
                set_heartbeat.sync(client=client, interval=1)
            else:
                # connection scope: 10030 over HTTP in realistic mode (account scope is served)
                scope: Literal["account", "connection"] = "connection" if path == "realistic_10030" else "account"
                enable_cancel_on_disconnect.sync(client=client, scope=scope)
    except DeribitError as exc:
        error = exc

    expected_error = {
        "ok": None if auth != "wrong-bearer" else AuthenticationError,
        "500": InternalServerError,
        "drop": APIConnectionError,
        "timeout": APITimeoutError,
        "malformed": ResponseValidationError,
        "content_type": ResponseValidationError,
        "rate_limit": RateLimitError,
        "invalid_params": InvalidParamsError,
        "realistic_10030": AuthenticationError if auth == "wrong-bearer" else APIError,
    }[path]
    if expected_error is None:
        assert error is None
    else:
        assert isinstance(error, expected_error)
        assert_no_secret(str(error), repr(error), "".join(traceback.format_exception(error)))
        for attr in ("response", "request"):
            if getattr(error, attr, None) is not None:
                assert_no_secret(repr(getattr(error, attr)))
    assert_no_secret(repr(client), str(client), caplog.text)
    assert_no_secret(repr(client.get_httpx_client().headers))
    assert_no_secret(repr(client.with_options(max_retries=0)))
