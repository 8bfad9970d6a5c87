"""The mock's test controls, outside ``/api/v2`` (JSON in and out; a malformed body gets 400
with the reason).

Controls (outside ``/api/v2``, JSON in and out):

- ``GET  /_mock/health``: 200 when the server is up.
- ``GET  /_mock/requests``: the requests received under ``/api/v2``, oldest first: method,
  path, query string, headers (credentials masked) and how they authenticated.
- ``POST /_mock/reset``: clears state, the request log, faults and the rate limit.
- ``POST /_mock/config``: ``{"realistic": true|false}`` switches realistic mode.
- ``POST /_mock/rate_limit``: ``{"limit": N, "window": seconds, "status": 429|400,
  "retry_after": seconds|null}``; over N requests a window, answers 10028 ``too_many_requests``.
  Or the exchange's credit model, ``{"credits": 50000, "refill_per_s": 10000, "cost": 500}``:
  every request on either transport costs ``cost`` (heartbeat answers included; not the
  matching-engine methods), and one that finds too few credits gets 10028 (over WebSocket,
  the session is then closed, as at the exchange). ``{}`` turns both off.
- ``GET  /_mock/rate_limit``: the credit model's ``balance`` now and how many requests it
  ``refused``.
- ``POST /_mock/stubs``: ``{"method": "private/get_positions", "result": ANY}`` (or ``"error":
  {"code", "message", "data"?}``, and ``"transport": "http" | "websocket"`` for one only):
  answers a method outside the spec until the next reset. Private stubs need authentication.
- ``POST /_mock/faults``: ``{"faults": [FAULT, ...]}`` queues faults for the next requests
  under ``/api/v2``, one request each. A FAULT is ``{"kind": "delay", "seconds": S}``,
  ``{"kind": "status", "status": 500|502|503, "retry_after": S?}``, ``{"kind": "drop"}``
  (the connection closes mid-response), ``{"kind": "malformed"}`` (truncated JSON) or
  ``{"kind": "content_type"}`` (an HTML page with status 200), ``{"kind": "drip",
  "interval": S}`` (a valid answer, one byte every S seconds) or ``{"kind": "answer",
  "status": N, "body": TEXT_OR_JSON, "headers": {...}}`` (exactly that answer). A ``status``
  fault with ``"error": {"code", "message"}`` carries a JSON-RPC error body; ``retry_after``
  (seconds) or ``retry_after_date`` (seconds from now, sent as an HTTP date) add
  ``Retry-After``. ``"method": "public/test"`` limits a fault to one method, ``"match_headers":
  {"x-test": "a"}`` to requests carrying those headers (names lower case).
- ``GET /_mock/connections``, ``/_mock/events``, ``/_mock/heartbeats`` (and
  ``POST /_mock/heartbeats/reset``): what the WebSocket face saw.
- ``POST /_mock/ws/drop``, ``/ws/stall``, ``/ws/test_request``, ``/ws/notify``,
  ``/ws/faults``: WebSocket faults and events (see docs/testing.md, "The mock server").
- ``POST /_mock/ws/publish``: ``{"channel": ..., "data": ..., "count": n, "rate": per_second}``
  sends the notification ``count`` times to every connection subscribed to ``channel``, paced
  at ``rate`` (null: as fast as it can), and reports how many it sent.
- ``POST /_mock/config`` ``{"refuse_channels": [...]}``: subscribing leaves these out of its
  answer (not subscribed), as the exchange does with a channel it does not know.
- ``GET  /_mock/orders``: every order of every account, with the ``connection`` that placed it
  (null: over HTTP) and its state; ``POST /_mock/marks`` ``{"BTC-PERPETUAL": 65000}`` sets
  instruments' mark prices (a resting order the new mark crosses stays resting until it is
  edited: the mock matches only on placing and editing). Reset clears the orders and marks.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .methods import State, Stub
from .settings import Controls, CreditModel, Settings, positive
from .ws import DEFAULT_TEST_REQUEST_DEADLINE, Hub

__all__ = ["MAX_STUBS", "control_routes"]

#: How many methods ``/_mock/stubs`` answers at once.
MAX_STUBS = 1000


def control_routes(settings: Settings, state: State, controls: Controls, hub: Hub) -> list[Route]:
    """The ``/_mock/*`` routes over the mock's state, controls and WebSocket hub."""

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def requests_log(request: Request) -> Response:
        with controls.lock:
            return JSONResponse(list(controls.log))

    async def reset(request: Request) -> Response:
        with controls.lock:
            controls.epoch += 1  # first: a delayed request that wakes during the reset sees it
        for conn in list(hub.connections.values()):
            await hub.close(conn, "reset by /_mock/reset", forget=True)
        hub.reset_records()
        state.reset()
        state.time_scale = settings.time_scale
        state.credentials.client_secret = settings.client_secret
        with controls.lock:
            controls.log.clear()
            controls.faults.clear()
            controls.rate_limit = None
            controls.hits.clear()
            controls.credits = None
            controls.refused = 0
            controls.realistic = settings.realistic
        return JSONResponse({"status": "ok"})

    @_bad_input_is_400
    async def config(request: Request) -> Response:
        body = await _json_body(request)
        with controls.lock:
            if "realistic" in body:
                controls.realistic = bool(body["realistic"])
            if "client_secret" in body:  # a revoked or rotated API key
                state.credentials.client_secret = str(body["client_secret"])
            if "refuse_channels" in body:
                refused = body["refuse_channels"]
                if not isinstance(refused, list) or not all(isinstance(c, str) for c in refused):
                    raise ValueError("refuse_channels is a list of channel names")
                state.refused_channels = set(refused)
            if "time_scale" in body:
                try:
                    state.time_scale = positive(str(body["time_scale"]), "time_scale")
                except ValueError as exc:
                    return JSONResponse({"error": str(exc)}, status_code=400)
                hub.rescale()
            return JSONResponse({"realistic": controls.realistic, "time_scale": state.time_scale})

    async def orders(request: Request) -> Response:
        return JSONResponse(state.book.snapshot())

    @_bad_input_is_400
    async def marks(request: Request) -> Response:
        state.book.set_marks(await _json_body(request))
        return JSONResponse(dict(state.book.marks))

    async def connections(request: Request) -> Response:
        return JSONResponse([conn.describe() for conn in hub.connections.values()])

    async def events(request: Request) -> Response:
        return JSONResponse(list(hub.events))

    async def heartbeats(request: Request) -> Response:
        return JSONResponse(hub.heartbeat_stats())

    async def heartbeats_reset(request: Request) -> Response:
        hub.sent = hub.answered = hub.missed = 0
        hub.latencies.clear()
        return JSONResponse(hub.heartbeat_stats())

    @_bad_input_is_400
    async def ws_drop(request: Request) -> Response:
        picked = hub.pick(await _json_body(request))
        for conn in picked:
            if conn.protocol is None:
                return JSONResponse({"error": "this server cannot drop connections"}, status_code=501)
            conn.close_reason = "connection dropped (by /_mock/ws/drop)"
            conn.protocol.abort()
        return JSONResponse({"dropped": [c.id for c in picked]})

    @_bad_input_is_400
    async def ws_stall(request: Request) -> Response:
        picked = hub.pick(await _json_body(request))
        for conn in picked:
            if conn.protocol is None:
                return JSONResponse({"error": "this server cannot stall connections"}, status_code=501)
            conn.stalled = True
            conn.protocol.stall()
        return JSONResponse({"stalled": [c.id for c in picked]})

    @_bad_input_is_400
    async def ws_notify(request: Request) -> Response:
        body = await _json_body(request)
        picked = hub.pick(body)
        # params: one object, or a list of them sent back to back; fragments: the first message
        # goes out in that many frames (a first frame and continuations), all in one write.
        params = body.get("params", {})
        messages = [
            {"jsonrpc": "2.0", "method": "subscription", "params": p}
            for p in (params if isinstance(params, list) else [params])
        ]
        fragments = body.get("fragments", 1)
        if isinstance(fragments, bool) or not isinstance(fragments, int) or not 1 <= fragments <= 100:
            raise ValueError("fragments is an integer from 1 to 100")
        for conn in picked:
            if fragments > 1 and conn.protocol is not None and not conn.stalled and conn.close_reason is None:
                conn.protocol.send_texts([json.dumps(m) for m in messages], fragments)  # in one write
                continue
            for message in messages:
                await conn.send(message)
        return JSONResponse({"sent": [c.id for c in picked]})

    @_bad_input_is_400
    async def ws_publish(request: Request) -> Response:
        body = await _json_body(request)
        channel, count, rate = body.get("channel"), body.get("count", 1), body.get("rate")
        if not isinstance(channel, str) or not channel:
            raise ValueError("channel is a channel name")
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 10_000_000:
            raise ValueError("count is an integer from 1 to 10,000,000")
        if rate is not None and (isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate <= 1e7):
            raise ValueError("rate is a number of messages a second (up to 10,000,000), or null: as fast as it can")
        message = {"jsonrpc": "2.0", "method": "subscription", "params": {"channel": channel, "data": body.get("data")}}
        started = time.monotonic()
        sent = await hub.publish(channel, json.dumps(message), count, rate)
        return JSONResponse({"sent": sent, "seconds": round(time.monotonic() - started, 3)})

    @_bad_input_is_400
    async def ws_faults(request: Request) -> Response:
        body = await _json_body(request)
        faults = [hub.check_fault(f) for f in body.get("faults", [])]
        hub.faults.extend(faults)
        return JSONResponse({"queued": len(hub.faults)})

    @_bad_input_is_400
    async def ws_test_request(request: Request) -> Response:
        picked = hub.pick(await _json_body(request))
        for conn in picked:
            interval = conn.session.heartbeat_interval or DEFAULT_TEST_REQUEST_DEADLINE
            await hub.send_test_request(conn, float(interval) * state.time_scale)
        return JSONResponse({"sent": [c.id for c in picked]})

    @_bad_input_is_400
    async def stubs(request: Request) -> Response:
        name, stub = Stub.from_body(await _json_body(request))
        with state.lock:
            if name not in state.stubs and len(state.stubs) >= MAX_STUBS:
                raise ValueError(f"at most {MAX_STUBS} stubs until the next reset")
            state.stubs[name] = stub
            count = len(state.stubs)
        return JSONResponse({"stubbed": name, "stubs": count})

    @_bad_input_is_400
    async def rate_limit(request: Request) -> Response:
        body = await _json_body(request)
        credits = CreditModel.from_body(body) if "credits" in body else None
        with controls.lock:
            controls.rate_limit = body if body and body.get("limit") is not None else None
            controls.hits.clear()
            controls.credits = credits
            controls.refused = 0
        return JSONResponse({"status": "ok"})

    async def rate_limit_state(request: Request) -> Response:
        with controls.lock:
            model = controls.credits
            if model is not None:
                model.balance = min(model.credits, model.balance + (time.monotonic() - model.at) * model.refill_per_s)
                model.at = time.monotonic()
            return JSONResponse({"balance": None if model is None else model.balance, "refused": controls.refused})

    @_bad_input_is_400
    async def faults(request: Request) -> Response:
        body = await _json_body(request)
        with controls.lock:
            controls.faults.extend(body.get("faults", []))
            return JSONResponse({"queued": len(controls.faults)})

    return [
        Route("/_mock/health", health, methods=["GET"]),
        Route("/_mock/requests", requests_log, methods=["GET"]),
        Route("/_mock/reset", reset, methods=["POST"]),
        Route("/_mock/config", config, methods=["POST"]),
        Route("/_mock/rate_limit", rate_limit, methods=["POST"]),
        Route("/_mock/rate_limit", rate_limit_state, methods=["GET"]),
        Route("/_mock/faults", faults, methods=["POST"]),
        Route("/_mock/stubs", stubs, methods=["POST"]),
        Route("/_mock/connections", connections, methods=["GET"]),
        Route("/_mock/events", events, methods=["GET"]),
        Route("/_mock/heartbeats", heartbeats, methods=["GET"]),
        Route("/_mock/heartbeats/reset", heartbeats_reset, methods=["POST"]),
        Route("/_mock/ws/drop", ws_drop, methods=["POST"]),
        Route("/_mock/ws/stall", ws_stall, methods=["POST"]),
        Route("/_mock/ws/test_request", ws_test_request, methods=["POST"]),
        Route("/_mock/ws/notify", ws_notify, methods=["POST"]),
        Route("/_mock/ws/faults", ws_faults, methods=["POST"]),
        Route("/_mock/ws/publish", ws_publish, methods=["POST"]),
        Route("/_mock/orders", orders, methods=["GET"]),
        Route("/_mock/marks", marks, methods=["POST"]),
    ]


async def _json_body(request: Request) -> dict[str, Any]:
    """A control's JSON object (ValueError, answered 400, for anything else)."""
    raw = await request.body()
    try:
        body = json.loads(raw) if raw.strip() else {}
    except RecursionError:
        raise ValueError("the body nests too deeply") from None
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


def _bad_input_is_400(
    control: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    """A control whose malformed body (ValueError: bad JSON, a bad id or fault) gets a 400."""

    async def checked(request: Request) -> Response:
        try:
            return await control(request)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)[:200]}, status_code=400)

    return checked
