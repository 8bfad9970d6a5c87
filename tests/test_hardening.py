"""The HTTP client as a demanding user drives it: lifecycle, threads, event loops, every
failure typed, answers checked, parameters canonical. Each test observes the wire (the mock's
request log) or the client's own clock, never a sleep of the test's own."""

from __future__ import annotations

import asyncio
import fractions
import logging
import numbers
import pickle
import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import httpx
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
    MethodNotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
    WebSocketOnlyError,
)
from deribit_session_client._core import retry
from deribit_session_client.api.session_management import get_cancel_on_disconnect, set_heartbeat
from deribit_session_client.api.supporting import test as public_test
from deribit_session_client.api.trading import cancel_by_label
from deribit_session_client.models import CancelOnDisconnectResponse, TestResponse, TestResult

from .conftest import ACCESS_TOKEN, CLIENT_ID, CLIENT_SECRET, FAST_RETRIES

MODES = ["sync", "async"]

#: Retries against the exchange's own answers, measured by a fake clock: without the client's
#: rate limiter, whose waits (an answered 10028 empties its pool) would add to the sleeps.
NO_LIMITER = None


def peers(mock: MockServer) -> list[str]:
    return [r["peer"] for r in mock.requests()]


class FakeClock(retry.Clock):
    """Real time plus every sleep the client asked for, which returns at once."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.offset += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    for name in ("monotonic", "sleep", "async_sleep"):
        monkeypatch.setattr(retry.CLOCK, name, getattr(fake, name))
    return fake


def call(client: Client, mode: str, function: Any = public_test, **kwargs: Any) -> Any:
    """One call without entering the client (the client opens its pools on first use)."""
    if mode == "sync":
        return function.sync(client=client, **kwargs)
    return asyncio.run(function.asyncio(client=client, **kwargs))


# -- lifecycle -------------------------------------------------------------------------------


def test_a_client_used_then_entered_then_entered_again_keeps_working(mock: MockServer) -> None:
    client = Client(base_url=mock.api_url)
    public_test.sync(client=client)
    with client:
        public_test.sync(client=client)
    with client:  # a second `with` after the pool was closed opens a new one
        public_test.sync(client=client)
    public_test.sync(client=client)
    client.close()

    assert len(mock.requests()) == 4


def test_clones_nest_inside_their_parent_and_closing_one_never_breaks_the_parent(mock: MockServer) -> None:
    client = Client(base_url=mock.api_url)
    with client:
        public_test.sync(client=client)
        with client.with_options(max_retries=0) as quick:
            public_test.sync(client=quick)
        quick.close()
        public_test.sync(client=client)  # the clone's exit and close left the pool open
        with client:  # nested in itself
            public_test.sync(client=client)
        public_test.sync(client=client)

    # One keep-alive connection carried all five: the clone shared it and nobody closed it early.
    assert len(set(peers(mock))) == 1
    assert len(mock.requests()) == 5


def test_with_options_clones_share_one_connection_on_the_wire(mock: MockServer) -> None:
    client = Client(base_url=mock.api_url)
    quick = client.with_options(timeout=2.0, max_retries=0)
    slow = client.with_timeout(20.0)

    for c in (client, quick, slow, client):
        public_test.sync(client=c)
    client.close()

    assert len(set(peers(mock))) == 1
    assert (quick.max_retries, client.max_retries) == (0, 2)


def test_with_headers_makes_its_own_connection(mock: MockServer) -> None:
    client = Client(base_url=mock.api_url)
    other = client.with_headers({"X-Desk": "options"})
    public_test.sync(client=client)
    public_test.sync(client=other)
    client.close()
    other.close()

    first, second = mock.requests()
    assert first["peer"] != second["peer"]
    assert second["headers"]["x-desk"] == "options" and "x-desk" not in first["headers"]


def test_one_client_serves_one_event_loop_after_another(mock: MockServer) -> None:
    client = Client(base_url=mock.api_url)

    async def use() -> str:
        return (await public_test.asyncio(client=client)).result.version

    assert [asyncio.run(use()) for _ in range(3)] == ["1.2.26"] * 3

    async def use_and_close() -> None:
        async with client:
            await public_test.asyncio(client=client)

    asyncio.run(use_and_close())
    asyncio.run(use_and_close())
    assert len(mock.requests()) == 5


def test_two_event_loops_in_two_threads_use_one_client_at_once(mock: MockServer) -> None:
    client = Client(base_url=mock.api_url)
    results: list[str] = []

    def worker() -> None:
        async def run() -> None:
            for _ in range(5):
                results.append((await public_test.asyncio(client=client)).result.version)

        asyncio.run(run())

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == ["1.2.26"] * 10


def test_threads_racing_for_the_first_call_share_one_pool(mock: MockServer, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[httpx.Client] = []
    real_init = httpx.Client.__init__

    def slow_init(self: httpx.Client, *args: Any, **kwargs: Any) -> None:
        made.append(self)
        time.sleep(0.05)  # widen the window in which a second thread could make another pool
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(httpx.Client, "__init__", slow_init)
    client = Client(base_url=mock.api_url)
    barrier = threading.Barrier(8)

    def first_call() -> None:
        barrier.wait()
        public_test.sync(client=client)

    threads = [threading.Thread(target=first_call) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    client.close()

    assert len(made) == 1
    assert len(mock.requests()) == 8


# -- credentials per request -----------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_a_new_token_takes_effect_on_the_next_call(mock: MockServer, mode: str) -> None:
    client = AuthenticatedClient(base_url=mock.api_url, token="expired-token", **FAST_RETRIES)
    with pytest.raises(AuthenticationError):
        call(client, mode, get_cancel_on_disconnect, scope="account")

    client.token = ACCESS_TOKEN
    result = call(client, mode, get_cancel_on_disconnect, scope="account")

    assert result.result.enabled is False
    assert [r["auth"] for r in mock.requests()] == ["invalid", "bearer"]


def test_a_set_httpx_client_keeps_its_headers_but_this_clients_credentials_and_timeout_win(mock: MockServer) -> None:
    seen: list[httpx.Request] = []
    mine = httpx.Client(
        headers={"X-Desk": "rates", "Authorization": "Bearer theirs"},
        timeout=0.001,  # would time out every call if it won
        event_hooks={"request": [seen.append]},
    )
    client = AuthenticatedClient(base_url=mock.api_url, token=ACCESS_TOKEN, timeout=7.0).set_httpx_client(mine)

    get_cancel_on_disconnect.sync(client=client, scope="account")
    client.close()
    assert not mine.is_closed  # it stays the caller's to close
    mine.close()

    [sent] = mock.requests()
    assert sent["headers"]["x-desk"] == "rates"
    assert sent["auth"] == "bearer"  # this client's token, not the httpx client's header
    assert seen[0].extensions["timeout"]["read"] == pytest.approx(7.0, abs=0.5)


def test_the_query_is_what_httpx_would_send_and_a_set_httpx_clients_params_are_kept(mock: MockServer) -> None:
    # The client encodes the query itself (one URL parse a call, not httpx's two): the bytes
    # on the wire must be httpx's own encoding, and an httpx client's params still go along.
    client = AuthenticatedClient(base_url=mock.api_url, token=ACCESS_TOKEN)
    cancel_by_label.sync(client=client, label="desk 1&2=ü/+")
    theirs = httpx.Client(params={"desk": "rates"})
    mine = Client(base_url=mock.api_url).set_httpx_client(theirs)
    set_heartbeat.sync(client=mine, interval=30)
    client.close()
    mine.close()
    theirs.close()

    first, second = mock.requests()
    assert first["query"] == str(httpx.QueryParams({"label": "desk 1&2=ü/+"}))
    assert httpx.QueryParams(second["query"]) == httpx.QueryParams({"desk": "rates", "interval": "30"})


def test_the_default_timeout_is_what_reaches_the_transport(mock: MockServer) -> None:
    seen: list[httpx.Request] = []
    client = Client(base_url=mock.api_url, httpx_args={"event_hooks": {"request": [seen.append]}})

    public_test.sync(client=client)
    client.close()

    timeouts = seen[0].extensions["timeout"]
    assert timeouts["connect"] == pytest.approx(5.0, abs=0.5)
    assert timeouts["read"] == pytest.approx(10.0, abs=0.5)
    assert len(mock.requests()) == 1


# -- one deadline per call -------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_a_server_that_drips_bytes_is_cut_off_at_the_calls_timeout(mock: MockServer, mode: str) -> None:
    mock.faults({"kind": "drip", "interval": 0.1})  # ~130 bytes: 13 s if each read were the bound
    client = Client(base_url=mock.api_url, timeout=0.5, max_retries=0)
    started = time.monotonic()

    with pytest.raises(APITimeoutError):
        call(client, mode)

    # 0.5 s plus one 0.1 s drip, plus 1.5 s of margin for a loaded machine: far below 13 s.
    assert time.monotonic() - started < 0.5 + 0.1 + 1.5


def test_the_retry_deadline_bounds_the_whole_call(mock: MockServer, clock: FakeClock) -> None:
    client = Client(
        base_url=mock.api_url, max_retries=10, initial_retry_delay=0.2, max_retry_delay=0.2, retry_deadline=1.0
    )
    public_test.sync(client=client)  # the pool and its connection made before the deadline counts
    mock.faults(*[{"kind": "status", "status": 503}] * 10)

    # The last 503, or (on a loaded machine) the last attempt cut off by what is left of the
    # deadline: either way the deadline ends the call.
    with pytest.raises((InternalServerError, APITimeoutError)):
        public_test.sync(client=client)

    # Waits of 0.15-0.2 s (jitter): at most six fit in 1 s (fewer when the attempts themselves
    # are slow on a loaded machine; one needs the first attempt within 0.8 s), and no retry
    # starts after it: without the deadline there would be ten.
    assert 1 <= len(clock.sleeps) <= 6 and sum(clock.sleeps) < 1.0
    assert len(mock.requests()) - 1 in (len(clock.sleeps), len(clock.sleeps) + 1)


# -- every failure is a DeribitError ---------------------------------------------------------


def test_a_huge_integer_is_an_invalid_param_not_an_overflow(mock: MockServer) -> None:
    client = Client(base_url=mock.api_url)
    with pytest.raises(InvalidParamsError) as caught:
        set_heartbeat.sync(client=client, interval=10**400)
    assert caught.value.data == {"param": "interval", "reason": "must be a finite number"}
    assert mock.requests() == []


@pytest.mark.parametrize("mode", MODES)
def test_a_deeply_nested_answer_is_a_response_validation_error(mock: MockServer, mode: str) -> None:
    mock.faults({"kind": "answer", "body": "[" * 100_000 + "]" * 100_000})
    with pytest.raises(ResponseValidationError, match="nests too deeply"):
        call(Client(base_url=mock.api_url), mode)


@pytest.mark.parametrize("mode", MODES)
def test_detailed_keeps_a_nonstandard_status_as_an_int(mock: MockServer, mode: str) -> None:
    mock.faults({"kind": "answer", "status": 520, "body": "origin error"})
    client = Client(base_url=mock.api_url, max_retries=0)
    if mode == "sync":
        response = public_test.sync_detailed(client=client)
    else:
        response = asyncio.run(public_test.asyncio_detailed(client=client))
    assert response.status_code == 520
    assert response.content == b"origin error"
    assert response.parsed is None


@pytest.mark.parametrize("mode", MODES)
def test_a_broken_gzip_body_is_a_response_validation_error(mock: MockServer, mode: str) -> None:
    mock.faults({"kind": "answer", "body": "not gzip at all", "headers": {"content-encoding": "gzip"}})
    with pytest.raises(ResponseValidationError, match="could not be decoded"):
        call(Client(base_url=mock.api_url), mode)
    assert len(mock.requests()) == 1


@pytest.mark.parametrize("mode", MODES)
def test_a_redirect_loop_is_a_deribit_error(mock: MockServer, mode: str) -> None:
    loop = {"kind": "answer", "status": 302, "headers": {"location": f"{mock.api_url}/public/test"}}
    mock.faults(*[loop] * 25)
    with pytest.raises(ResponseValidationError, match="too many redirects"):
        call(Client(base_url=mock.api_url, follow_redirects=True), mode)


def test_a_redirect_not_followed_is_a_response_validation_error(mock: MockServer) -> None:
    mock.faults({"kind": "answer", "status": 302, "headers": {"location": "https://elsewhere.invalid/"}})
    with pytest.raises(ResponseValidationError, match="unexpected HTTP status 302"):
        public_test.sync(client=Client(base_url=mock.api_url))


def test_an_answer_larger_than_the_cap_is_refused(mock: MockServer) -> None:
    big = {"jsonrpc": "2.0", "result": {"version": "x" * 5000}}
    mock.faults({"kind": "answer", "body": big}, {"kind": "answer", "body": big})

    with pytest.raises(ResponseValidationError, match="max_response_bytes=4096"):
        public_test.sync(client=Client(base_url=mock.api_url, max_response_bytes=4096))
    assert len(public_test.sync(client=Client(base_url=mock.api_url)).result.version) == 5000


def test_the_content_type_is_compared_case_insensitively(mock: MockServer) -> None:
    body = {"jsonrpc": "2.0", "result": {"version": "9.9.9"}}
    mock.faults({"kind": "answer", "body": body, "headers": {"content-type": "Application/JSON; Charset=UTF-8"}})
    assert public_test.sync(client=Client(base_url=mock.api_url)).result.version == "9.9.9"


def test_an_error_message_of_10_kb_is_quoted_in_a_few_hundred_characters(mock: MockServer) -> None:
    error = {"code": 11094, "message": "m" * 10_000, "data": {"param": "p" * 10_000, "reason": "r" * 10_000}}
    mock.faults({"kind": "answer", "status": 400, "body": {"jsonrpc": "2.0", "error": error}})

    with pytest.raises(APIError) as caught:
        public_test.sync(client=Client(base_url=mock.api_url))
    assert len(str(caught.value)) < 1000
    assert len(repr(caught.value)) < 1000


@pytest.mark.parametrize("mode", MODES)
def test_a_200_that_carries_an_error_raises_it(mock: MockServer, mode: str) -> None:
    body = {"jsonrpc": "2.0", "error": {"code": 13021, "message": "forbidden"}}
    mock.faults({"kind": "answer", "status": 200, "body": body})
    with pytest.raises(PermissionDeniedError) as caught:
        call(Client(base_url=mock.api_url), mode)
    assert caught.value.status_code == 200


def test_a_200_that_carries_10028_is_retried_like_a_rate_limit(mock: MockServer, clock: FakeClock) -> None:
    body = {"jsonrpc": "2.0", "error": {"code": 10028, "message": "too_many_requests"}}
    mock.faults({"kind": "answer", "status": 200, "body": body, "retry_after": 0.7})

    assert public_test.sync(client=Client(base_url=mock.api_url, rate_limit=NO_LIMITER)).result.version == "1.2.26"
    assert clock.sleeps == [0.7]
    assert len(mock.requests()) == 2


def test_a_5xx_with_a_json_rpc_error_body_keeps_its_code(mock: MockServer) -> None:
    error = {"code": 11094, "message": "internal_server_error"}
    mock.faults(*[{"kind": "status", "status": 503, "error": error}] * 3)
    with pytest.raises(InternalServerError) as caught:
        public_test.sync(client=Client(base_url=mock.api_url, rate_limit=NO_LIMITER, **FAST_RETRIES))
    assert (caught.value.code, caught.value.status_code, caught.value.message) == (11094, 503, "internal_server_error")
    assert len(mock.requests()) == 3  # public/test is x-idempotent: retried


@pytest.mark.parametrize("mode", MODES)
def test_an_http_date_retry_after_is_honoured(mock: MockServer, clock: FakeClock, mode: str) -> None:
    mock.faults({"kind": "status", "status": 429, "retry_after_date": 3})
    assert call(Client(base_url=mock.api_url, rate_limit=NO_LIMITER), mode).result.version == "1.2.26"
    [slept] = clock.sleeps
    assert 1.0 <= slept <= 3.0  # an HTTP date has whole seconds


@pytest.mark.parametrize("status", [429, 400])
@pytest.mark.parametrize("mode", MODES)
def test_rate_limits_wait_for_retry_after_not_the_backoff(
    mock: MockServer, clock: FakeClock, mode: str, status: int
) -> None:
    error = {"code": 10028, "message": "too_many_requests"}
    mock.faults({"kind": "status", "status": status, "error": error, "retry_after": 0.6})

    result = call(Client(base_url=mock.api_url, rate_limit=NO_LIMITER, initial_retry_delay=0.01), mode)

    assert result.result.version == "1.2.26"
    assert clock.sleeps == [0.6]
    assert len(mock.requests()) == 2


def test_exceptions_pickle_and_unpickle() -> None:
    errors: list[DeribitError] = [
        InvalidParamsError.client_side(param="interval", reason="must be a number"),
        RateLimitError("too_many_requests", code=10028, status_code=429, retry_after=1.5),
        WebSocketOnlyError("must_be_websocket_request", code=10030, status_code=400),
        MethodNotFoundError("Method not found", code=-32601),
        APIConnectionError("GET /public/test failed"),
        APITimeoutError("GET /public/test timed out"),
        ResponseValidationError("malformed JSON", status_code=200, body=b"{"),
    ]
    for error in errors:
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error)
        assert str(copy) == str(error)
        assert vars(copy).keys() <= vars(error).keys()
    rate = pickle.loads(pickle.dumps(errors[1]))
    assert isinstance(rate, RateLimitError) and rate.retry_after == 1.5


def test_an_error_with_its_response_pickles_without_it(mock: MockServer) -> None:
    with pytest.raises(AuthenticationError) as caught:
        get_cancel_on_disconnect.sync(client=AuthenticatedClient(base_url=mock.api_url, token="wrong"))
    assert caught.value.response is not None
    copy = pickle.loads(pickle.dumps(caught.value))
    assert str(copy) == str(caught.value) and copy.response is None


# -- typed answers are checked ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"jsonrpc": "2.0", "result": {"scope": "account", "enabled": "false"}}, "result.enabled"),
        ({"jsonrpc": "2.0", "result": {"scope": "account", "enabled": False}, "usIn": "yesterday"}, "usIn"),
        ({"jsonrpc": "2.0", "result": {"scope": "account", "enabled": False}, "usIn": "--5"}, "usIn"),
        ({"jsonrpc": "2.0", "result": {"scope": "account", "enabled": False}, "testnet": "no"}, "testnet"),
        ({"jsonrpc": "2.0", "result": {"scope": "account", "enabled": None}}, "result.enabled"),
        ({"jsonrpc": "2.0", "result": {"scope": 5, "enabled": True}}, "result.scope"),
        ({"jsonrpc": "2.0", "result": {"scope": ["account"], "enabled": True}}, "result.scope"),
        ({"jsonrpc": 2.0, "result": {"scope": "account", "enabled": True}}, "jsonrpc"),
        ({"jsonrpc": "2.0", "result": ["account", False]}, "result"),
        ({"jsonrpc": "2.0", "result": None}, "result"),
        ({"jsonrpc": "2.0", "result": {"scope": "account"}}, "result.enabled"),
        ({"result": {"scope": "account", "enabled": True}}, "jsonrpc"),
    ],
)
def test_an_answer_with_wrong_json_types_names_the_field(mock: MockServer, body: Any, field: str) -> None:
    mock.faults({"kind": "answer", "body": body})
    client = AuthenticatedClient(base_url=mock.api_url, token=ACCESS_TOKEN)
    with pytest.raises(ResponseValidationError) as caught:
        get_cancel_on_disconnect.sync(client=client, scope="account")
    assert repr(field) in str(caught.value)


def test_us_in_and_us_out_as_digit_strings_are_read_as_integers() -> None:
    # A captured exchange answer had usIn/usOut as strings (deribit-api-notes.md).
    answer = {"jsonrpc": "2.0", "result": {"version": "1"}, "usIn": "1535043730126248", "usOut": 1535043730126250}
    parsed = TestResponse.from_dict(answer)
    assert (parsed.us_in, parsed.us_out) == (1535043730126248, 1535043730126250)


# -- parameters ------------------------------------------------------------------------------


class _Int64:
    """Stands in for numpy.int64 (which this project does not install): an integer type that is
    not an int, registered as numbers.Integral as numpy's integer scalars are."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __int__(self) -> int:
        return self.value

    def __index__(self) -> int:
        return self.value

    def __float__(self) -> float:
        return float(self.value)

    def __eq__(self, other: object) -> bool:
        return bool(self.value == other)

    def __hash__(self) -> int:
        return hash(self.value)


numbers.Integral.register(_Int64)


@pytest.mark.parametrize(
    ("value", "query"),
    [
        (30, "interval=30"),
        (30.5, "interval=30.5"),
        (Decimal("30"), "interval=30"),
        (Decimal("1E+2"), "interval=100"),
        (Decimal("30.25"), "interval=30.25"),
        (fractions.Fraction(61, 2), "interval=30.5"),
        (_Int64(30), "interval=30"),
    ],
    ids=["int", "float", "Decimal", "Decimal-exponent", "Decimal-fraction", "Fraction", "int64-like"],
)
def test_real_numbers_are_accepted_and_sent_in_canonical_form(mock: MockServer, value: Any, query: str) -> None:
    assert set_heartbeat.sync(client=Client(base_url=mock.api_url), interval=value).result == "ok"
    assert [r["query"] for r in mock.requests()] == [query]


@pytest.mark.parametrize("value", [True, "30", Decimal("NaN"), float("inf"), None])
def test_non_numbers_and_bools_are_still_rejected(mock: MockServer, value: Any) -> None:
    with pytest.raises(InvalidParamsError):
        set_heartbeat.sync(client=Client(base_url=mock.api_url), interval=value)
    assert mock.requests() == []


# -- models ----------------------------------------------------------------------------------


def test_models_are_not_collected_as_tests_and_their_repr_leaves_out_unset_fields() -> None:
    assert TestResponse.__test__ is False and TestResult.__test__ is False
    parsed = TestResponse.from_dict({"jsonrpc": "2.0", "result": {"version": "1.2.26"}})
    assert repr(parsed) == "TestResponse(jsonrpc='2.0', result=TestResult(version='1.2.26'))"
    cod = CancelOnDisconnectResponse.from_dict(
        {"jsonrpc": "2.0", "result": {"scope": "account", "enabled": True}, "usIn": 1, "extra": 2}
    )
    assert "us_out" not in repr(cod) and "us_in=1" in repr(cod) and "'extra': 2" in repr(cod)


# -- the mock, as the exchange ---------------------------------------------------------------


def test_credentials_on_a_public_method_are_ignored(mock: MockServer) -> None:
    client = AuthenticatedClient(base_url=mock.api_url, token="not-a-token")
    assert public_test.sync(client=client).result.version == "1.2.26"


def test_a_repeated_query_parameter_is_invalid(mock: MockServer) -> None:
    answer = httpx.get(f"{mock.api_url}/public/set_heartbeat?interval=30&interval=40")
    assert answer.status_code == 400
    assert answer.json()["error"]["data"] == {"param": "interval", "reason": "must not be repeated"}


@pytest.mark.parametrize("text", ["10_000", "0x1f", " 30", "30 ", "1e", "++1"])
def test_the_mock_reads_numbers_as_the_exchange_does(mock: MockServer, text: str) -> None:
    answer = httpx.get(f"{mock.api_url}/public/set_heartbeat", params={"interval": text})
    assert answer.json()["error"]["data"] == {"param": "interval", "reason": "must be a number"}


def test_the_mock_request_log_is_bounded(mock: MockServer) -> None:
    with httpx.Client(base_url=mock.api_url) as http:
        for _ in range(1010):
            http.get("/public/test")
    log = mock.requests()
    assert len(log) == 1000


# -- logging ---------------------------------------------------------------------------------


def test_secret_parameters_are_masked_in_logs(mock: MockServer, caplog: pytest.LogCaptureFixture) -> None:
    # public/auth over HTTP carries the secret in its query: every line that shows the URL masks it
    caplog.set_level(logging.DEBUG)
    from deribit_session_client.api.authentication import auth

    with Client(base_url=mock.api_url, log_bodies=True) as client:
        auth.sync(client=client, grant_type="client_credentials", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    assert CLIENT_SECRET not in caplog.text
    assert "client_secret=%2A%2A%2A" in caplog.text  # the URL is there, its secret masked
    assert "mock." not in caplog.text  # (the tokens it issued: bodies are logged, tokens masked)


@pytest.fixture(autouse=True)
def _quiet_httpx() -> Iterator[None]:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    yield


# -- found by review: the call's bound, closing in use, credentials, leaks, odd settings -------


class _DripServer:
    """A raw HTTP server (a thread on loopback) that sends its status line one byte every 0.1 s."""

    def __init__(self) -> None:
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/api/v2"
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.recv(65536)
                for byte in b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n" * 100:
                    if self.stop.is_set():
                        break
                    try:
                        conn.sendall(bytes([byte]))
                    except OSError:
                        break
                    self.stop.wait(0.1)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.sock.close()


@pytest.mark.parametrize("mode", MODES)
def test_a_server_that_drips_its_headers_is_cut_off_at_the_timeout(mode: str) -> None:
    server = _DripServer()
    try:
        client = Client(base_url=server.url, timeout=0.5, max_retries=0)
        started = time.monotonic()
        with pytest.raises(APITimeoutError):
            call(client, mode)
        elapsed = time.monotonic() - started
        client.close()
    finally:
        server.close()
    assert elapsed < 0.5 + 1.5  # without the bound it is 100 x 40 bytes x 0.1 s; margin for a loaded machine


def test_closing_a_client_while_another_thread_calls_raises_only_deribit_errors(mock: MockServer) -> None:
    mock.faults(*[{"kind": "delay", "seconds": 0.3}] * 4)
    client = Client(base_url=mock.api_url, **FAST_RETRIES)
    outcomes: list[BaseException | str] = []

    def caller() -> None:
        for _ in range(4):
            try:
                outcomes.append(public_test.sync(client=client).result.version)
            except BaseException as exc:  # anything at all: it must be a DeribitError
                outcomes.append(exc)

    thread = threading.Thread(target=caller)
    thread.start()
    for _ in range(6):
        time.sleep(0.1)
        client.close()
    thread.join(30)
    client.close()

    assert len(outcomes) == 4
    assert all(o == "1.2.26" or isinstance(o, DeribitError) for o in outcomes), outcomes


def test_a_token_with_a_line_break_is_refused_without_quoting_it(mock: MockServer) -> None:
    client = AuthenticatedClient(base_url=mock.api_url, token=ACCESS_TOKEN + "\n")
    with pytest.raises(AuthenticationError) as caught:
        get_cancel_on_disconnect.sync(client=client, scope="account")
    text = "".join(__import__("traceback").format_exception(caught.value))
    assert ACCESS_TOKEN not in text
    assert mock.requests() == []  # nothing was sent


def test_a_new_token_reaches_the_clones_made_before(mock: MockServer) -> None:
    client = AuthenticatedClient(base_url=mock.api_url, token="expired-token")
    quick = client.with_options(timeout=2.0)
    client.token = ACCESS_TOKEN

    assert get_cancel_on_disconnect.sync(client=quick, scope="account").result.enabled is False
    assert repr(ACCESS_TOKEN) not in repr(quick) and ACCESS_TOKEN not in repr(quick)


def test_a_clone_that_sets_its_own_httpx_client_leaves_its_parent_alone(mock: MockServer) -> None:
    client = Client(base_url=mock.api_url)
    clone = client.with_options(max_retries=0)
    theirs = httpx.Client(headers={"X-Desk": "clone"})
    clone.set_httpx_client(theirs)

    public_test.sync(client=client)
    public_test.sync(client=clone)
    client.close()
    theirs.close()

    first, second = mock.requests()
    assert "x-desk" not in first["headers"] and second["headers"]["x-desk"] == "clone"


def _resource_warnings(action: Callable[[], None]) -> list[str]:
    import gc
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()  # what earlier tests left behind is not this test's
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        action()
        gc.collect()
    return [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]


def test_no_socket_is_left_open_by_common_patterns(mock: MockServer) -> None:
    def patterns() -> None:
        with Client(base_url=mock.api_url).with_options(max_retries=1) as clone:  # a clone of a temporary
            public_test.sync(client=clone)
        replaced = Client(base_url=mock.api_url)
        public_test.sync(client=replaced)
        other = httpx.Client()
        replaced.set_httpx_client(other)  # the pool it replaces is closed
        other.close()
        parent = Client(base_url=mock.api_url)
        clone2 = parent.with_options(timeout=3.0)
        parent.__enter__()
        clone2.__enter__()
        public_test.sync(client=clone2)
        parent.__exit__(None, None, None)  # the parent's block ends first...
        clone2.__exit__(None, None, None)  # ...the last block to end closes the pool
        looped = Client(base_url=mock.api_url)
        for _ in range(3):  # one event loop after another, never entered
            asyncio.run(public_test.asyncio(client=looped))
        looped.close()

    assert _resource_warnings(patterns) == []


def test_async_with_in_several_threads_leaves_no_socket_open(mock: MockServer) -> None:
    client = Client(base_url=mock.api_url)
    barrier = threading.Barrier(4)

    def worker() -> None:
        async def run() -> None:
            async with client:
                barrier.wait(10)
                await public_test.asyncio(client=client)
                barrier.wait(10)

        asyncio.run(run())

    def threads() -> None:
        workers = [threading.Thread(target=worker) for _ in range(4)]
        for t in workers:
            t.start()
        for t in workers:
            t.join(30)

    assert _resource_warnings(threads) == []
    assert len(mock.requests()) == 4


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("timeout", [-1.0, 0.0, float("nan"), "3", httpx.Timeout(1.0, read=-2.0)])
def test_a_bad_per_call_timeout_is_an_invalid_param(mock: MockServer, mode: str, timeout: Any) -> None:
    with pytest.raises(InvalidParamsError) as caught:
        call(Client(base_url=mock.api_url), mode, timeout=timeout)
    assert caught.value.data["param"] == "timeout"
    assert mock.requests() == []


@pytest.mark.parametrize(
    "settings",
    [
        {"timeout": -1.0},
        {"timeout": float("nan")},
        {"retry_deadline": float("nan")},
        {"base_url": "ftp://x/"},
        {"base_url": "http://127.0.0.1:9/api/v2?x=1"},  # (a call's path would land in the query)
        {"base_url": "http://127.0.0.1:9/api/v2#frag"},  # (and in the fragment: never sent)
        {"base_url": "http://127.0.0.1:9/api/v2?"},
    ],
)
def test_bad_client_settings_are_refused_at_construction(settings: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Client(**{"base_url": "http://127.0.0.1:9/api/v2", **settings})


@pytest.mark.parametrize("mode", MODES)
def test_no_bound_at_all_is_allowed(mock: MockServer, mode: str) -> None:
    mock.faults({"kind": "delay", "seconds": 0.3})
    client = Client(base_url=mock.api_url, timeout=None, retry_deadline=float("inf"))
    assert call(client, mode).result.version == "1.2.26"


@pytest.mark.parametrize("mode", MODES)
def test_a_timeout_with_no_read_bound_waits_for_a_slow_answer(mock: MockServer, mode: str) -> None:
    mock.faults({"kind": "delay", "seconds": 1.2})
    client = Client(base_url=mock.api_url, timeout=httpx.Timeout(None, connect=1.0))
    assert call(client, mode).result.version == "1.2.26"


def test_the_client_asks_for_uncompressed_answers(mock: MockServer) -> None:
    public_test.sync(client=Client(base_url=mock.api_url))
    assert mock.requests()[0]["headers"]["accept-encoding"] == "identity"


def test_a_long_message_survives_pickling_unchanged() -> None:
    error = APIError("m" * 10_000, code=1, status_code=400)
    again = pickle.loads(pickle.dumps(error))
    assert str(again) == str(error) and again.message == error.message


def test_a_negative_retry_after_falls_back_to_the_backoff(mock: MockServer, clock: FakeClock) -> None:
    mock.faults({"kind": "status", "status": 429, "retry_after": -5})
    client = Client(base_url=mock.api_url, rate_limit=NO_LIMITER, initial_retry_delay=0.4, max_retry_delay=0.4)
    assert public_test.sync(client=client).result.version == "1.2.26"
    [slept] = clock.sleeps
    assert 0.3 <= slept <= 0.4


def test_a_deeply_nested_error_body_says_so(mock: MockServer) -> None:
    body = '{"jsonrpc": "2.0", "error": {"code": 1, "message": "x", "data": ' + "[" * 100_000 + "]" * 100_000 + "}}"
    mock.faults({"kind": "answer", "status": 400, "body": body})
    with pytest.raises(ResponseValidationError, match="nests too deeply"):
        public_test.sync(client=Client(base_url=mock.api_url))


def test_httpx_own_log_lines_mask_secret_parameters(mock: MockServer, caplog: pytest.LogCaptureFixture) -> None:
    from deribit_session_client.api.authentication import auth

    caplog.set_level(logging.INFO, logger="httpx")
    result = auth.sync(
        client=Client(base_url=mock.api_url),
        grant_type="client_credentials",
        client_id="client-7",
        client_secret=CLIENT_SECRET,
    )
    assert result.result.token_type == "bearer"
    assert any("public/auth" in r.getMessage() for r in caplog.records if r.name == "httpx")
    assert CLIENT_SECRET not in caplog.text


def test_a_failed_attempt_is_logged_at_debug(mock: MockServer, caplog: pytest.LogCaptureFixture) -> None:
    mock.faults({"kind": "drop"})
    caplog.set_level(logging.DEBUG, logger="deribit_session_client")
    with pytest.raises(APIConnectionError):
        public_test.sync(client=Client(base_url=mock.api_url, max_retries=0))
    assert any(r.getMessage().startswith("GET /public/test -> RemoteProtocolError in ") for r in caplog.records)
