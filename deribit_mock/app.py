"""The HTTP face of the mock exchange: ``GET /api/v2/<method>?params`` and ``POST
/api/v2/<method>`` with a JSON-RPC body (as the exchange serves both), plus test controls.

The test controls under ``/_mock/`` are in :mod:`.controls`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from email.utils import formatdate
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send

from .controls import control_routes
from .methods import (
    SECRET_PARAMS,
    SIGNATURE_WINDOW,
    BadRequest,
    Credentials,
    RpcError,
    Session,
    State,
    dispatch,
    example_only,
    parse_request,
)
from .settings import Controls, Settings, envelope
from .ws import Hub

_SECRET_HEADERS = ("authorization", "proxy-authorization", "cookie")


def _masked_query(request: Request) -> str:
    pairs = request.query_params.multi_items()
    if not any(name in SECRET_PARAMS for name, _ in pairs):
        return request.url.query
    return urlencode([(name, "***" if name in SECRET_PARAMS else value) for name, value in pairs])


def _signed_fields(header: str | None) -> dict[str, str] | None:
    """id, ts and nonce of a deri-hmac-sha256 header (for the request log; never the signature)."""
    if not header or not header.lower().startswith("deri-hmac-sha256 "):
        return None
    fields = dict(item.strip().partition("=")[::2] for item in header.split(" ", 1)[1].split(","))
    return {k: v for k, v in fields.items() if k in ("id", "ts", "nonce")}


def _masked_headers(request: Request) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        if name in _SECRET_HEADERS:
            scheme, _, rest = value.partition(" ")
            value = f"{scheme} ***" if rest else "***"
        headers[name] = value
    return headers


def _verify_signature(settings: Settings, state: State, fields: str, request: Request, body: bytes) -> str:
    """The account of a valid ``deri-hmac-sha256`` header; RpcError 13009 saying which rule failed."""

    def refuse(reason: str) -> RpcError:
        return RpcError(13009, "unauthorized", {"reason": reason})

    parts: dict[str, str] = {}
    for item in fields.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep or key in parts:
            raise refuse("malformed deri-hmac-sha256 header: fields are id, ts, nonce and sig, once each")
        parts[key] = value
    if set(parts) != {"id", "ts", "nonce", "sig"} or not parts["nonce"] or not parts["ts"].isdigit():
        raise refuse("malformed deri-hmac-sha256 header: fields are id, ts, nonce and sig, once each")
    if not secrets.compare_digest(parts["id"].encode(), settings.client_id.encode()):
        raise refuse("unknown client id")
    try:
        timestamp = int(parts["ts"])
    except ValueError:
        raise refuse("ts must be milliseconds since the epoch") from None
    if abs(time.time() * 1000.0 - timestamp) > SIGNATURE_WINDOW * 1000.0:
        raise refuse("ts more than 60 s off the server's clock")
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    query = request.scope.get("query_string", b"")
    uri = raw_path.decode("latin-1") + (f"?{query.decode('latin-1')}" if query else "")
    data = f"{parts['ts']}\n{parts['nonce']}\n{request.method.upper()}\n{uri}\n{body.decode('utf-8', 'replace')}\n"
    expected = hmac.new(state.credentials.client_secret.encode(), data.encode(), hashlib.sha256).hexdigest()
    if not secrets.compare_digest(expected.encode(), parts["sig"].encode()):
        raise refuse(
            "signature does not match: a wrong client secret, or a request (method, path with query, body)"
            " changed after it was signed"
        )
    if not state.use_nonce(parts["id"], parts["nonce"]):
        raise refuse("nonce already used: a replayed request")
    return settings.client_id


def _authenticate(
    settings: Settings, state: State, header: str | None, request: Request | None = None, body: bytes = b""
) -> tuple[str | None, str, dict[str, Any]]:
    """(account or None, how, the 13009 data when invalid): how is "none", "bearer", "basic",
    "signature" or "invalid"."""
    if not header:
        return None, "none", {}
    scheme, _, credentials = header.partition(" ")
    scheme = scheme.lower()
    if scheme == "deri-hmac-sha256" and request is not None:
        try:
            return _verify_signature(settings, state, credentials, request, body), "signature", {}
        except RpcError as exc:
            return None, "invalid", exc.data
    if scheme == "bearer":
        try:
            return state.check_token(credentials, None), "bearer", {}
        except RpcError as exc:
            return None, "invalid", exc.data
    elif scheme == "basic":
        try:
            decoded = base64.b64decode(credentials, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        expected = f"{settings.client_id}:{settings.client_secret}"
        if secrets.compare_digest(decoded.encode(), expected.encode()):
            return settings.client_id, "basic", {}
    return None, "invalid", {"reason": "invalid_credentials"}


class _DropMidResponse(Response):
    """Announces a body, sends part of it, then closes the connection."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"1000")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"jsonrpc": "2.0", "res', "more_body": True})
        raise ConnectionAbortedError("fault injection: connection dropped mid-response")


def create_app(settings: Settings | None = None) -> Starlette:
    """The mock exchange as an ASGI app."""
    settings = settings or Settings.from_env()
    state = State(
        credentials=Credentials(settings.client_id, settings.client_secret, settings.access_token, settings.token_ttl),
        time_scale=settings.time_scale,
    )
    controls = Controls(realistic=settings.realistic)
    hub = Hub(state, controls, settings)

    async def api(request: Request) -> Response:
        """``GET /api/v2/<method>?params``: the method from the path, params from the query."""
        us_in = time.time_ns() // 1000
        name = request.path_params["method"]
        body = await request.body()
        params = dict(request.query_params)
        early: RpcError | None = None
        if len(params) != len(request.query_params.multi_items()):
            repeated = next(k for k in params if len(request.query_params.getlist(k)) > 1)
            early = RpcError(-32602, "Invalid params", {"param": repeated, "reason": "must not be repeated"})
        return await answer(request, us_in, name, params, {}, body, _masked_query(request), early)

    async def api_post(request: Request) -> Response:
        """``POST /api/v2/<method>`` (or ``/api/v2``) with a JSON-RPC body, as many clients call
        the exchange: the body's method and params, its id echoed."""
        us_in = time.time_ns() // 1000
        body = await request.body()
        path_name = request.path_params.get("method")
        missing = RpcError(11050, "bad_request", {"reason": "the body must name the method"})
        try:
            ident, name, params = parse_request(body, missing_method=missing)
        except BadRequest as bad:
            log(request, path_name or "", _masked_query(request), None, "none")
            return JSONResponse(envelope(us_in, settings.testnet, bad.ident, error=bad.error.to_dict()), 400)
        early: RpcError | None = None
        if path_name and path_name != name:
            # Unverified at the exchange: the mock refuses rather than pick one of the two.
            reason = f"the body's method {name[:100]!r} differs from the path's {path_name[:100]!r}"
            early = RpcError(11050, "bad_request", {"reason": reason})
        masked = {k: ("***" if k in SECRET_PARAMS else v) for k, v in params.items()}
        return await answer(request, us_in, name, params, ident, body, _masked_query(request), early, masked)

    def log(request: Request, name: str, query: str, params: dict[str, Any] | None, how: str) -> dict[str, Any]:
        entry = {
            "transport": "http",
            "method": request.method,
            "path": request.url.path,
            "query": query,
            "headers": _masked_headers(request),
            "auth": how,
            "signed": _signed_fields(request.headers.get("authorization")),
            "peer": f"{request.client.host}:{request.client.port}" if request.client else None,
        }
        if params is not None:
            entry["rpc_method"], entry["params"] = name, params
        with controls.lock:
            controls.log.append(entry)
        return entry

    async def answer(
        request: Request,
        us_in: int,
        name: str,
        params: dict[str, Any],
        ident: dict[str, Any],
        body: bytes,
        query: str,
        early: RpcError | None,
        logged_params: dict[str, Any] | None = None,
    ) -> Response:
        """One HTTP JSON-RPC call, however it came: authentication, faults, rate limit, dispatch."""
        account, how, refusal = _authenticate(settings, state, request.headers.get("authorization"), request, body)
        entry = log(request, name, query, logged_params, how)

        def answered(**fields: Any) -> dict[str, Any]:
            return envelope(us_in, settings.testnet, ident, **fields)

        epoch = controls.epoch
        fault = controls.take_fault(name, request.headers)
        if fault is not None:
            injected = await _inject(fault)
            if injected is not None:
                return injected
            if controls.epoch != epoch:
                refusal = {"error": "the mock was reset while this request was delayed; not carried out"}
                return JSONResponse(refusal, status_code=503)
        limited = controls.rate_limited(name)
        if limited is not None:
            headers = {}
            if limited.get("retry_after") is not None:
                headers["Retry-After"] = str(limited["retry_after"])
            error = RpcError(10028, "too_many_requests").to_dict()
            return JSONResponse(answered(error=error), status_code=int(limited.get("status", 429)), headers=headers)
        if early is not None:
            return JSONResponse(answered(error=early.to_dict()), status_code=early.http_status)
        if how == "invalid" and name.startswith("private/"):
            # Credentials on a public method are ignored, as at the exchange.
            error = RpcError(13009, "unauthorized", refusal).to_dict()
            return JSONResponse(answered(error=error), status_code=400)
        session = Session(account=account, cancel_on_disconnect=state.account_cod(account) if account else False)
        try:
            result = dispatch(state, name, params, session=session, transport="http", realistic=controls.realistic)
        except RpcError as exc:
            return JSONResponse(answered(error=exc.to_dict()), status_code=exc.http_status)
        if name in example_only():  # (no handler yet: the spec's example answered)
            with controls.lock:
                entry["served_from"] = "example"
            return JSONResponse(answered(result=result), headers={"X-Mock-Served-From": "example"})
        return JSONResponse(answered(result=result))

    return Starlette(
        routes=[
            Route("/api/v2/{method:path}", api, methods=["GET"]),
            Route("/api/v2/{method:path}", api_post, methods=["POST"]),
            Route("/api/v2", api_post, methods=["POST"]),
            Route("/api/v2/", api_post, methods=["POST"]),
            *control_routes(settings, state, controls, hub),
            WebSocketRoute("/ws/api/v2", hub.endpoint),
        ]
    )


class _Drip(Response):
    """A complete, valid answer sent one byte at a time, ``interval`` seconds apart."""

    def __init__(self, body: bytes, interval: float) -> None:
        super().__init__()
        self.payload = body
        self.interval = interval

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(self.payload)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for i in range(len(self.payload)):
            await send({"type": "http.response.body", "body": self.payload[i : i + 1], "more_body": True})
            await asyncio.sleep(self.interval)
        await send({"type": "http.response.body", "body": b""})


def _retry_after_header(fault: dict[str, Any]) -> dict[str, str]:
    if fault.get("retry_after_date") is not None:
        when = time.time() + float(fault["retry_after_date"])
        return {"Retry-After": formatdate(when, usegmt=True)}
    if fault.get("retry_after") is not None:
        return {"Retry-After": str(fault["retry_after"])}
    return {}


async def _inject(fault: dict[str, Any]) -> Response | None:
    kind = fault["kind"]
    if kind == "delay":
        await asyncio.sleep(float(fault["seconds"]))
        return None
    if kind == "status":
        status = int(fault["status"])
        headers = _retry_after_header(fault)
        if "error" in fault:  # a JSON-RPC error body, as a gateway in front of the exchange may send
            body = envelope(time.time_ns() // 1000, True, None, error=fault["error"])
            return JSONResponse(body, status_code=status, headers=headers)
        page = f"<html><body><h1>{status}</h1>upstream unavailable</body></html>"
        return Response(page, status_code=status, media_type="text/html", headers=headers)
    if kind == "answer":
        # Any answer at all: {"status": 200, "body": "<text>" or JSON value, "headers": {...}}.
        raw = fault.get("body", "")
        content = raw.encode() if isinstance(raw, str) else json.dumps(raw).encode()
        headers = {"content-type": "application/json", **_retry_after_header(fault), **fault.get("headers", {})}
        return Response(content, status_code=int(fault.get("status", 200)), headers=headers)
    if kind == "drip":
        answer = envelope(time.time_ns() // 1000, True, None, result={"version": "1.2.26"})
        return _Drip(json.dumps(answer).encode(), float(fault.get("interval", 0.1)))
    if kind == "drop":
        return _DropMidResponse()
    if kind == "malformed":
        return Response('{"jsonrpc": "2.0", "result": ', media_type="application/json")
    if kind == "content_type":
        return Response("<html><body>maintenance</body></html>", media_type="text/html")
    return Response(json.dumps({"error": f"unknown fault kind {kind!r}"}), status_code=500)
