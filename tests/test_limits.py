"""Staying inside the exchange's credits (docs/safety.md): the
sans-I/O credit pool (time passed in), then both clients against the mock process with the
exchange's credit model on.

Pools are shared per account and RateLimit in a process, so each test against the mock uses
limits of its own (a distinct RateLimit) to start from a full pool."""

from __future__ import annotations

import gc
import threading
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deribit_mock.process import MockServer
from deribit_session_client import AuthenticatedClient, Client, RateLimit, RateLimitError, WebSocketClient
from deribit_session_client._core.limits.credits import CreditPool
from deribit_session_client.api.supporting import test as public_test

from .conftest import CLIENT_ID, CLIENT_SECRET, credentials, wait_until

DOCUMENTED = RateLimit()  # 50,000 credits, 10,000 a second, 500 a request


@pytest.fixture(autouse=True)
def _no_client_of_an_earlier_test() -> None:
    """Every client of one account in a process shares one pool with one limit; each test here
    sets its own, so the (closed) clients of earlier tests must be gone, not just unreachable."""
    gc.collect()


# -- the pool (sans-I/O) --------------------------------------------------------------------------


def test_the_documented_pool_lets_a_burst_go_then_paces_calls_at_the_refill_rate() -> None:
    pool = CreditPool(DOCUMENTED, now=0.0)
    waits = [pool.admit(0.0, None) for _ in range(105)]
    # 50,000 credits: 99 calls at once (one call's cost is kept back as a margin), then one
    # every 500 / 10,000 s, in the order they came
    assert waits[:99] == [0.0] * 99
    assert waits[99:] == pytest.approx([0.05 * n for n in range(1, 7)])


def test_a_call_that_would_wait_longer_than_it_may_is_refused_and_costs_nothing() -> None:
    pool = CreditPool(RateLimit(credits=1000, refill_per_s=10, cost=500), now=0.0)
    assert pool.admit(0.0, 1.0) == 0.0
    assert pool.admit(0.0, 1.0) is None  # it would wait 50 s
    assert pool.admit(0.0, None) == pytest.approx(50.0)  # (the refused one took nothing)


def test_a_refund_gives_the_credits_back() -> None:
    pool = CreditPool(RateLimit(credits=1000, refill_per_s=10, cost=500), now=0.0)
    pool.admit(0.0, None)
    pool.refund(0.0)
    assert pool.admit(0.0, 0.0) == 0.0


def test_each_heartbeating_connection_keeps_one_answer_in_reserve() -> None:
    pool = CreditPool(DOCUMENTED, now=0.0)
    first, second = object(), object()
    pool.hold_for_heartbeats(first, 10.0)
    pool.hold_for_heartbeats(second, 15.0)
    assert pool.reserve() == 3 * 500  # the margin and one answer each
    waits = [pool.admit(0.0, None) for _ in range(98)]
    assert waits.count(0.0) == 97 and (waits[-1] or 0) > 0
    pool.hold_for_heartbeats(first, None)
    pool.hold_for_heartbeats(second, None)
    assert pool.reserve() == 500


@pytest.mark.parametrize(
    "values",
    [{"credits": 0}, {"refill_per_s": -1}, {"cost": float("nan")}, {"cost": True}, {"credits": 10, "cost": 20}],
)
def test_a_rate_limit_that_cannot_work_is_refused(values: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        RateLimit(**values)


@settings(max_examples=300, deadline=None)
@given(
    # (bursts: many calls at the same few instants, and calls in between)
    arrivals=st.lists(
        st.one_of(st.floats(min_value=0.0, max_value=20.0), st.sampled_from([0.0, 0.5, 1.0, 1.2, 2.0, 3.0])),
        min_size=1,
        max_size=400,
    ),
    late=st.lists(st.sampled_from([0.0, 0.0, 0.0, 0.01, 0.3, 1.5]), min_size=1, max_size=50),
    connections=st.integers(min_value=1, max_value=4),
    interval=st.sampled_from([10.0, 15.0, 30.0]),
    offset=st.floats(min_value=0.0, max_value=10.0),
    limit=st.sampled_from([DOCUMENTED, RateLimit(credits=5_000, refill_per_s=10_000, cost=50)]),
)
def test_no_flood_of_calls_leaves_a_heartbeat_answer_without_credits(
    arrivals: list[float], late: list[float], connections: int, interval: float, offset: float, limit: RateLimit
) -> None:
    """User calls arrive whenever they like and go out when admitted, some late (a paused
    process, a reconnect: ``late``: then the calls behind them wake together); each connection
    answers a test_request every interval. Replayed in send order against the exchange's own
    pool, no request finds it short of a request's cost."""
    import heapq

    ours = CreditPool(limit, now=0.0)
    for n in range(connections):
        ours.hold_for_heartbeats(n, interval)
    events: list[tuple[float, int, str]] = [(t, 0, "arrival") for t in arrivals]
    events += [(offset + n * 0.37 + k * interval, 1, "beat") for n in range(connections) for k in range(3)]
    heapq.heapify(events)
    last_send = 0.0
    calls = 0
    sends: list[tuple[float, str]] = []
    while events:
        at, _, kind = heapq.heappop(events)
        if kind == "arrival":
            wait = ours.admit(at, None)
            assert wait is not None
            last_send = max(last_send, at + wait + late[calls % len(late)])  # in order, maybe late
            calls += 1
            heapq.heappush(events, (last_send, 2, "call"))
        elif kind == "call":
            again = ours.take(at)  # (a call that waited past its turn goes only if the pool holds it)
            if again > 0:
                heapq.heappush(events, (at + again, 2, "call"))
                continue
            sends.append((at, kind))
        else:
            ours.charge(at)
            sends.append((at, kind))
    exchange = CreditPool(limit, now=0.0)
    for at, kind in sends:  # (already in time order)
        exchange._refill(at)  # (the exchange's side of the replay)
        assert exchange.balance >= limit.cost, f"a {kind} at {at:.3f} s found the pool short"
        exchange.balance -= limit.cost


def test_calls_that_wake_together_after_a_pause_go_only_as_the_pool_allows() -> None:
    """200 calls admitted at once (paced over half a second), then the process stops for 1.5 s
    (they all wake together, after the exchange's pool has refilled to its cap and no more),
    and 100 more arrive meanwhile: replayed against the exchange's pool, none overdraws."""
    import heapq

    limit = RateLimit(credits=5_000, refill_per_s=10_000, cost=50)
    ours, exchange = CreditPool(limit, now=0.0), CreditPool(limit, now=0.0)
    events: list[tuple[float, int]] = [(0.0, 0)] * 200 + [(1.1, 0)] * 100
    heapq.heapify(events)
    resumed = 1.5
    while events:
        at, kind = heapq.heappop(events)
        if kind == 0:  # an arrival: admitted, it wakes when its wait is over, or when the pause ends
            wait = ours.admit(at, None)
            assert wait is not None
            heapq.heappush(events, (max(at + wait, resumed), 1))
            continue
        again = ours.take(at)
        if again > 0:
            heapq.heappush(events, (at + again, 1))
            continue
        exchange._refill(at)
        assert exchange.balance >= limit.cost, f"a call at {at:.3f} s found the exchange's pool short"
        exchange.balance -= limit.cost


# -- against the mock's credit model --------------------------------------------------------------


def test_a_flood_from_eight_threads_never_overdraws_and_every_heartbeat_is_answered(mock: MockServer) -> None:
    # The exchange's shape, ten times faster: a burst of 100, then 200 calls a second.
    limit = RateLimit(credits=5_000, refill_per_s=10_000, cost=50)
    # The mock's pool holds twice the client's burst: make test-stress pauses the mock for up to
    # 0.5 s, and what the client sent at the allowed rate meanwhile (0.5 s of refill: a whole
    # burst) reaches it at once, on top of a pool that could not grow past its cap while it slept
    # (seen once in three stress runs). The client overdrawing its own pool is still caught: by the
    # mock past twice the burst, and by the elapsed bound below (the refill rate).
    mock.credits(credits=10_000, refill_per_s=10_000, cost=50)
    # heartbeat_interval 10 -> a test_request answered within 1 s (twice make test-stress's
    # longest pause of a process, 0.5 s)
    mock.time_scale(0.1)
    errors: list[BaseException] = []
    done = [0] * 8
    with WebSocketClient(mock.ws_url, heartbeat_interval=10, rate_limit=limit, **credentials()) as ws:
        start = time.monotonic()

        def flood(n: int) -> None:
            for _ in range(125):
                try:
                    ws.call("public/test", timeout=60)
                    done[n] += 1
                except BaseException as exc:  # noqa: BLE001 (collected and asserted below)
                    errors.append(exc)

        flooding = threading.Event()

        def probe() -> None:
            # The exchange sends test_requests only to a silent connection: during a flood the
            # mock is made to send them anyway, so each answer must find credits mid-flood.
            while not flooding.wait(0.1):
                mock.send_test_request()

        threads = [threading.Thread(target=flood, args=(n,)) for n in range(8)]
        prober = threading.Thread(target=probe)
        for thread in [*threads, prober]:
            thread.start()
        for thread in threads:
            thread.join(120)
        flooding.set()
        prober.join(10)
        elapsed = time.monotonic() - start
        assert errors == [] and sum(done) == 1000
        assert ws.stats["reconnects"] == 0 and ws.stats["state"] == "ready"
        answered = ws.stats["test_requests_answered"]
        lost = [e for e in mock.events() if e["event"] in ("closed", "test_request_missed")]
        assert lost == []  # (while open: the client's own close comes after)
    state = mock.credits_state()
    assert state["refused"] == 0  # no request of ours found the pool empty
    beats = mock.heartbeats()
    assert beats["test_requests_missed"] == 0 and beats["test_requests_sent"] >= 10
    assert answered >= beats["test_requests_sent"] - 1  # (the last may be on its way)
    # After the burst (about 100 calls, less the reserve and the session's own requests),
    # the rest went at no more than the refill rate: about 4.5 s at least. (A lower bound
    # only: a loaded machine makes it longer, never shorter.)
    assert elapsed >= (1000 - 100) * 50 / 10_000 * 0.95


def test_without_the_limiter_the_same_flood_is_cut_off_by_the_exchange(mock: MockServer) -> None:
    """The control: the mock's credit model does bite (10028, then the session is closed)."""
    mock.credits(credits=5_000, refill_per_s=10_000, cost=50)
    failures: list[BaseException] = []
    with WebSocketClient(mock.ws_url, rate_limit=None, **credentials()) as ws:

        def flood() -> None:
            for _ in range(100):
                try:
                    ws.call("public/test", timeout=10)
                except Exception as exc:  # noqa: BLE001 (collected and asserted below)
                    failures.append(exc)

        threads = [threading.Thread(target=flood) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert mock.credits_state()["refused"] >= 1
    assert any(isinstance(f, RateLimitError) for f in failures)


def _sent(mock: MockServer, method: str) -> int:
    """How many requests for ``method`` reached the mock, over either transport."""
    return sum(1 for r in mock.requests() if r.get("method") == method or r.get("path", "").endswith("/" + method))


def test_a_websocket_call_that_cannot_get_credits_in_time_raises_unsent(mock: MockServer) -> None:
    # The client's public/auth and one call now; the next would wait 50 s (the pool keeps one
    # call's cost back as a margin).
    limit = RateLimit(credits=1_500, refill_per_s=10, cost=500)
    with WebSocketClient(mock.ws_url, rate_limit=limit, **credentials()) as ws:
        assert ws.call("public/test", timeout=2) == {"version": "1.2.26"}
        started = time.monotonic()
        with pytest.raises(RateLimitError, match="not sent: the non-matching-engine rate limit has no credits"):
            ws.call("public/test", timeout=2)
        assert time.monotonic() - started < 1.5  # refused at once, not after waiting (margin: a loaded machine)
        assert ws.stats["state"] == "ready"
    assert _sent(mock, "public/test") == 1


def test_an_http_call_that_cannot_get_credits_in_time_raises_unsent(mock: MockServer) -> None:
    limit = RateLimit(credits=1_001, refill_per_s=10, cost=500)
    with Client(base_url=mock.api_url, rate_limit=limit, timeout=2.0) as client:
        assert public_test.sync(client=client) is not None
        with pytest.raises(RateLimitError, match="not sent: the non-matching-engine rate limit has no credits"):
            public_test.sync(client=client)
    assert _sent(mock, "public/test") == 1


def test_the_http_and_websocket_clients_of_one_account_share_its_credits(mock: MockServer) -> None:
    limit = RateLimit(credits=1_002, refill_per_s=10, cost=500)
    # the WebSocket client's own public/auth takes the first call's credits from the pool
    with WebSocketClient(mock.ws_url, rate_limit=limit, **credentials()):
        http = AuthenticatedClient.from_client_signature(
            base_url=mock.api_url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, rate_limit=limit, timeout=2.0
        )
        with http, pytest.raises(RateLimitError):
            public_test.sync(client=http)
    assert _sent(mock, "public/test") == 0


def test_the_matching_engine_has_a_pool_of_its_own(mock: MockServer) -> None:
    order = {"instrument_name": "BTC-PERPETUAL", "amount": 10, "price": 30_000}  # (it rests)
    tight = RateLimit(credits=1_003, refill_per_s=10, cost=500)
    with WebSocketClient(mock.ws_url, rate_limit=tight, **credentials()) as ws:
        # public/auth used the non-matching-engine pool's one call; orders are not held by it
        for _ in range(3):
            ws.call("private/buy", order, timeout=2)
    me = RateLimit(credits=1_004, refill_per_s=10, cost=500)
    with WebSocketClient(mock.ws_url, rate_limit=None, matching_engine_rate_limit=me, **credentials()) as ws:
        ws.call("private/buy", order, timeout=2)
        with pytest.raises(RateLimitError, match="matching-engine"):
            ws.call("private/buy", order, timeout=2)
        assert ws.call("public/test") == {"version": "1.2.26"}  # the other pool is untouched


def test_the_mock_refuses_an_overdraft_over_http_with_10028(mock: MockServer) -> None:
    mock.credits(credits=1_000, refill_per_s=1, cost=500)
    with Client(base_url=mock.api_url, rate_limit=None, max_retries=0) as client:
        public_test.sync(client=client)
        public_test.sync(client=client)
        with pytest.raises(RateLimitError) as refused:
            public_test.sync(client=client)
    assert refused.value.code == 10028 and mock.credits_state()["refused"] == 1


@pytest.mark.parametrize("bad", [{"credits": 0, "refill_per_s": 1, "cost": 1}, {"credits": 10, "refill_per_s": 1}])
def test_the_mock_refuses_a_credit_model_that_cannot_work(mock: MockServer, bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        mock.controls.post("/rate_limit", json=bad).raise_for_status()


def test_a_client_refuses_a_rate_limit_that_is_not_one(mock: MockServer) -> None:
    with pytest.raises(TypeError, match="RateLimit"):
        WebSocketClient(mock.ws_url, rate_limit=50_000, **credentials())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="RateLimit"):
        Client(base_url=mock.api_url, rate_limit=50_000)  # type: ignore[arg-type]


# -- found by review -------------------------------------------------------------------------------


def test_calls_queued_while_reconnecting_go_out_paced_not_in_one_burst(mock: MockServer) -> None:
    mock.credits(credits=2_000, refill_per_s=1_000, cost=500)
    limit = RateLimit(credits=2_000, refill_per_s=1_000, cost=500)
    results: list[str] = []
    with WebSocketClient(
        mock.ws_url, rate_limit=limit, **credentials(initial_retry_delay=2.0, max_retry_delay=2.0)
    ) as ws:
        time.sleep(1.0)  # both pools full again after public/auth
        before = ws.stats["reconnects"]
        mock.drop()
        wait_until(lambda: ws.stats["state"] != "ready", "the client to notice the drop")

        def one() -> None:
            try:
                ws.call("public/test", timeout=15)
                results.append("ok")
            except Exception as exc:  # noqa: BLE001 (collected and asserted below)
                results.append(f"{type(exc).__name__}: {exc}")

        first = [threading.Thread(target=one) for _ in range(3)]
        for thread in first:
            thread.start()
        time.sleep(1.0)  # the pool refills while they wait for the session, unsent
        second = [threading.Thread(target=one) for _ in range(3)]
        for thread in second:
            thread.start()
        for thread in first + second:
            thread.join(30)
        assert results == ["ok"] * 6
        assert ws.stats["reconnects"] == before + 1
    assert mock.credits_state()["refused"] == 0


def test_a_reconnect_waits_for_the_credits_of_its_own_requests(mock: MockServer) -> None:
    mock.credits(credits=3_000, refill_per_s=1_000, cost=500)
    limit = RateLimit(credits=3_000, refill_per_s=1_000, cost=500)
    with WebSocketClient(
        mock.ws_url, heartbeat_interval=10, cancel_on_disconnect="connection", rate_limit=limit, **credentials()
    ) as ws:
        while True:  # spend what the limiter allows at once
            try:
                ws.call("public/test", timeout=0.05)
            except RateLimitError:
                break
        before = ws.stats["reconnects"]
        mock.drop()
        wait_until(lambda: ws.stats["reconnects"] > before and ws.stats["state"] == "ready", "the restore", 20)
        assert ws.call("public/test", timeout=10) == {"version": "1.2.26"}
    assert mock.credits_state()["refused"] == 0  # public/auth, set_heartbeat, COD: none overdrew


def test_one_account_has_one_pool_whatever_the_client(mock: MockServer) -> None:
    limit = RateLimit(credits=3_001, refill_per_s=1, cost=1_000)
    with WebSocketClient(mock.ws_url, rate_limit=limit, **credentials()):
        with pytest.raises(ValueError, match="every client of one account must use the same rate limit"):
            WebSocketClient(mock.ws_url, **credentials())  # the default limit: a second pool
        # HTTP basic with the same client id is the same account: it shares the pool, so after the
        # WebSocket client's public/auth and these two calls, the third finds none left
        http = AuthenticatedClient.from_client_credentials(
            base_url=mock.api_url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, rate_limit=limit, timeout=2.0
        )
        with http:
            public_test.sync(client=http)
            with pytest.raises(RateLimitError) as refused:
                public_test.sync(client=http)
        assert refused.value.retry_after is not None and refused.value.retry_after > 1.0
        assert "not sent" in str(refused.value) and refused.value.code is None  # not the exchange's 10028


def test_a_call_is_not_sent_with_no_time_left_for_its_answer() -> None:
    pool = CreditPool(RateLimit(credits=1_000, refill_per_s=1_000, cost=500), now=0.0)
    assert pool.admit(0.0, None) == 0.0
    from deribit_session_client._core.limits.limiter import Limiter

    limiter = Limiter(RateLimit(credits=1_000, refill_per_s=1_000, cost=501), None, None)
    limiter.admit("public/test", None, 10.0)
    with pytest.raises(RateLimitError):  # it would wait 0.5 s of a 0.55 s timeout: 0.05 s left
        limiter.admit("public/test", None, 0.55)
    assert limiter.admit("public/test", None, 0.7) == pytest.approx(0.501, abs=0.01)


@pytest.mark.parametrize("values", [{"credits": 10**400}, {"refill_per_s": 5e-324}, {"cost": float("inf")}])
def test_a_rate_limit_out_of_any_sane_range_is_a_value_error(values: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        RateLimit(**values)


def test_a_pool_too_small_for_its_heartbeat_reserve_says_so(mock: MockServer, caplog: pytest.LogCaptureFixture) -> None:
    tiny = RateLimit(credits=1_200, refill_per_s=10_000, cost=500)  # (a reserve of 1,000 would need 1,500)
    with WebSocketClient(mock.ws_url, heartbeat_interval=10, rate_limit=tiny, **credentials()):
        pass
    assert "cannot keep" in caplog.text and "heartbeat answer may find the pool empty" in caplog.text


def test_an_answered_10028_empties_the_pool_for_every_client_of_the_account(mock: MockServer) -> None:
    limit = RateLimit(credits=10_000, refill_per_s=10_000, cost=500)
    mock.faults({"kind": "status", "status": 429, "error": {"code": 10028, "message": "too_many_requests"}})
    with Client(base_url=mock.api_url, rate_limit=limit, max_retries=0) as client:
        with pytest.raises(RateLimitError) as refused:
            public_test.sync(client=client)
        assert refused.value.code == 10028  # the exchange's
        started = time.monotonic()
        public_test.sync(client=client)  # waits for the refill: a request's cost and the margin
        assert time.monotonic() - started >= 0.09  # (a lower bound only: 1,000 credits at 10,000 a second)


def test_take_now_spends_only_when_nobody_waits_before_and_the_reserve_stays() -> None:
    pool = CreditPool(RateLimit(credits=1000, refill_per_s=10, cost=500), now=0.0)
    assert pool.take_now(0.0) is True and pool.balance == 500  # (the reserve: one cost)
    assert pool.take_now(0.0) is False and pool.balance == 500  # it would eat the reserve: nothing changed
    assert pool.admit(100.0, None) == 0.0  # refilled; an admitted call now waits its turn ...
    assert pool.take_now(100.0) is False  # ... and no newcomer goes before it
    assert pool.take(100.0) == 0.0 and pool.take_now(200.0) is True  # (its turn over, the refill pays the next)
