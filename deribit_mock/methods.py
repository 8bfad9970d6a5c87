"""The exchange's methods, independent of the transport that carries them.

``dispatch`` takes a method name, its named params and who is calling, and returns the
answer's envelope fields or raises :class:`RpcError`. The HTTP app calls it today; a
WebSocket JSON-RPC endpoint (with heartbeats) can call the same function with
``transport="websocket"`` and a ``Session`` per connection.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from . import _models as models
from .book import Book, BookError

Transport = Literal["http", "websocket"]

#: The version public/test reports.
SERVER_VERSION = "1.2.26"


class RpcError(Exception):
    """A JSON-RPC error answer: code, message and optional data."""

    def __init__(self, code: int, message: str, data: Any = None, *, http_status: int = 400) -> None:
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message
        self.data = data
        self.http_status = http_status

    def to_dict(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


def invalid_params(param: str, reason: str) -> RpcError:
    return RpcError(-32602, "Invalid params", {"param": param, "reason": reason})


UNAUTHORIZED = 13009

#: Parameters the mock's request logs never show (the spec's `format: password` ones, and tokens).
SECRET_PARAMS = frozenset({"access_token", "client_secret", "refresh_token", "signature"})


@dataclass
class Session:
    """What the exchange keeps per connection. Over HTTP every request is a new one."""

    account: str | None = None
    cancel_on_disconnect: bool = False
    heartbeat_interval: float | None = None
    #: The WebSocket connection's id; None over HTTP.
    connection_id: int | None = None
    #: The access token that authenticated the connection (``public/auth``), if any.
    token: str | None = None
    #: Set by ``private/logout``: the WebSocket layer closes without an answer.
    logout: bool = False
    #: The connection's subscribed channels, in the order they were subscribed.
    channels: dict[str, None] = field(default_factory=dict)


@dataclass
class Credentials:
    """The one API key the mock knows, and its static token."""

    client_id: str
    client_secret: str
    access_token: str
    #: Access-token lifetime in (unscaled) seconds: ``DERIBIT_MOCK_TOKEN_TTL``.
    token_ttl: float = 900.0


@dataclass
class Token:
    access: str
    refresh: str
    account: str
    scope: str
    #: The WebSocket connection a ``connection``-scope token belongs to (None: issued over HTTP).
    connection_id: int | None
    session_name: str | None
    expires_at: float
    refresh_expires_at: float
    #: The lifetime it was issued with (a refresh keeps it), in real seconds.
    lifetime: float = 0.0


#: How long a signature's timestamp may be off the server's clock, in seconds (not scaled).
SIGNATURE_WINDOW = 60.0
#: The longest lifetime ``scope=expires:N`` may ask for: a year (the exchange's mainnet default).
MAX_TOKEN_LIFETIME = 31_536_000.0
#: A refresh token outlives its access token by this factor (unverified at the exchange).
REFRESH_LIFETIME_FACTOR = 10.0


_STUB_NAME = re.compile(r"(?:public|private)/[A-Za-z0-9_.\-/]{1,93}")


@dataclass(frozen=True)
class Stub:
    """A canned answer for a method the spec does not describe (an order, positions, time).

    ``result`` is any JSON value; ``error`` (``{"code", "message", "data"?}``) answers an error
    instead. ``transports`` limits it to ``http`` or ``websocket``. A ``private/`` stub needs
    authentication as every private method does."""

    result: Any = None
    error: dict[str, Any] | None = None
    transports: frozenset[str] = frozenset({"http", "websocket"})

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> tuple[str, Stub]:
        """(method, stub) from a control's JSON body; ValueError saying what is wrong."""
        name = body.get("method")
        if not isinstance(name, str) or not _STUB_NAME.fullmatch(name):
            raise ValueError("method must be a name such as 'private/get_positions' (at most 100 characters)")
        if name in METHODS:
            raise ValueError(
                f"{name} is in the spec and has the mock's own behaviour; use faults or ws_faults to change its answer"
            )
        if ("result" in body) == ("error" in body):
            raise ValueError("give either result or error")
        error = body.get("error")
        if "error" in body and not (
            isinstance(error, dict)
            and isinstance(error.get("code"), int)
            and not isinstance(error.get("code"), bool)
            and isinstance(error.get("message"), str)
        ):
            raise ValueError("error must be an object with an integer code and a message")
        try:
            json.dumps(body.get("result", error), allow_nan=False)
        except ValueError:
            raise ValueError("result and error must be JSON without NaN or infinity") from None
        transport = body.get("transport")
        if transport not in (None, "http", "websocket"):
            raise ValueError("transport must be 'http', 'websocket' or absent (both)")
        transports = frozenset({transport} if transport else {"http", "websocket"})
        return name, cls(result=body.get("result"), error=error, transports=transports)


@dataclass
class State:
    """What the exchange keeps per account: the cancel-on-disconnect default, tokens, nonces."""

    credentials: Credentials = field(
        default_factory=lambda: Credentials("mock-client-id", "mock-client-secret", "mock-access-token")
    )
    #: Multiplies every mock duration (heartbeats, deadlines, token lifetimes, idle timeout).
    time_scale: float = 1.0
    cod_by_account: dict[str, bool] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    refresh_tokens: dict[str, Token] = field(default_factory=dict)
    nonces: dict[tuple[str, str], float] = field(default_factory=dict)
    sessions: int = 0
    #: Answers for methods outside the spec (``POST /_mock/stubs``): name -> Stub.
    stubs: dict[str, Stub] = field(default_factory=dict)
    #: Channels every subscribe leaves out of its answer (``POST /_mock/config``
    #: ``{"refuse_channels": [...]}``), as the exchange does with a channel it does not know.
    refused_channels: set[str] = field(default_factory=set)
    #: Every account's orders (deribit_mock/book.py).
    book: Book = field(default_factory=Book)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        self.book.reset()
        with self.lock:
            self.stubs.clear()
            self.refused_channels.clear()
            self.cod_by_account.clear()
            self.tokens.clear()
            self.refresh_tokens.clear()
            self.nonces.clear()

    # -- tokens ----------------------------------------------------------------------------

    def issue(self, account: str, scope: str, connection_id: int | None, session_name: str | None, ttl: float) -> Token:
        now = time.monotonic()
        token = Token(
            access=f"mock.{secrets.token_urlsafe(24)}",
            refresh=f"mock-refresh.{secrets.token_urlsafe(24)}",
            account=account,
            scope=scope,
            connection_id=connection_id if session_name is None else None,
            session_name=session_name,
            expires_at=now + ttl,
            refresh_expires_at=now + ttl * REFRESH_LIFETIME_FACTOR,
            lifetime=ttl,
        )
        with self.lock:
            self.tokens[token.access] = token
            self.refresh_tokens[token.refresh] = token
        return token

    def check_token(self, access: str, connection_id: int | None) -> str:
        """The account of a valid access token; RpcError 13009 saying why it is not."""
        if secrets.compare_digest(access.encode(), self.credentials.access_token.encode()):
            return self.credentials.client_id
        with self.lock:
            token = self.tokens.get(access)
        if token is None:
            raise RpcError(UNAUTHORIZED, "unauthorized", {"reason": "invalid_token"})
        if time.monotonic() >= token.expires_at:
            raise RpcError(UNAUTHORIZED, "unauthorized", {"reason": "token_expired: the access token has expired"})
        if token.session_name is None and token.connection_id != connection_id:
            raise RpcError(
                UNAUTHORIZED,
                "unauthorized",
                {"reason": "invalid_token: a connection-scope token of another connection"},
            )
        return token.account

    def drop_connection_tokens(self, connection_id: int) -> None:
        """A connection-scope token lives and dies with its connection."""
        with self.lock:
            for access, token in list(self.tokens.items()):
                if token.connection_id == connection_id and token.session_name is None:
                    del self.tokens[access]
                    self.refresh_tokens.pop(token.refresh, None)

    def revoke(self, access: str) -> None:
        with self.lock:
            token = self.tokens.pop(access, None)
            if token is not None:
                self.refresh_tokens.pop(token.refresh, None)

    def use_nonce(self, client_id: str, nonce: str) -> bool:
        """False when the nonce was already used within the signature window."""
        now = time.monotonic()
        with self.lock:
            if len(self.nonces) > 10_000:
                for key, until in list(self.nonces.items()):
                    if until < now:
                        del self.nonces[key]
            used_until = self.nonces.get((client_id, nonce))
            if used_until is not None and used_until >= now:
                return False
            self.nonces[(client_id, nonce)] = now + 2 * SIGNATURE_WINDOW
            return True

    def account_cod(self, account: str) -> bool:
        with self.lock:
            return self.cod_by_account.get(account, False)

    def set_account_cod(self, account: str, enabled: bool) -> None:
        with self.lock:
            self.cod_by_account[account] = enabled


@dataclass
class Call:
    """One call as a method handler sees it."""

    state: State
    session: Session
    transport: Transport
    params: Any


@dataclass(frozen=True)
class Method:
    name: str
    handler: Callable[[Call], Any]
    params: type[BaseModel] | None
    response: type[BaseModel]
    private: bool
    websocket_only: bool
    #: WebSocket-only even when the mock is not in realistic mode (private/logout: over HTTP
    #: there is no connection to close).
    always_websocket_only: bool = False
    #: Served over HTTP with ``scope=account`` even where WebSocket-only (the cancel-on-disconnect
    #: methods: confirmed against testnet by another client).
    account_scope_over_http: bool = False


METHODS: dict[str, Method] = {}


def _strict_numbers(model: type[BaseModel]) -> type[BaseModel]:
    """The generated params model, with NaN and infinity rejected like the exchange does."""
    config = ConfigDict(**{**model.model_config, "allow_inf_nan": False})
    return type(model.__name__, (model,), {"model_config": config, "__module__": __name__})


def method(
    name: str,
    *,
    response: type[BaseModel],
    params: type[BaseModel] | None = None,
    websocket_only: bool = False,
    always_websocket_only: bool = False,
    account_scope_over_http: bool = False,
) -> Callable[[Callable[[Call], Any]], Callable[[Call], Any]]:
    """Registers a handler; ``params`` and ``response`` are models generated from openapi.yaml."""

    def register(handler: Callable[[Call], Any]) -> Callable[[Call], Any]:
        METHODS[name] = Method(
            name=name,
            handler=handler,
            params=_strict_numbers(params) if params is not None else None,
            response=response,
            private=name.startswith("private/"),
            websocket_only=websocket_only or always_websocket_only,
            always_websocket_only=always_websocket_only,
            account_scope_over_http=account_scope_over_http,
        )
        return handler

    return register


_BOUNDS = {
    "greater_than_equal": ("ge", "must not be less than {:g}"),
    "greater_than": ("gt", "must be greater than {:g}"),
    "less_than_equal": ("le", "must not be greater than {:g}"),
    "less_than": ("lt", "must be less than {:g}"),
}
_REASONS = {
    "missing": "value required",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "int_parsing": "must be an integer",
    "int_type": "must be an integer",
    "int_from_float": "must be an integer",
    "finite_number": "must be a finite number",
    "bool_parsing": "must be a boolean",
    "bool_type": "must be a boolean",
    "string_type": "must be a string",
}


def _reason(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind in _REASONS:
        return _REASONS[kind]
    if kind in _BOUNDS:
        key, text = _BOUNDS[kind]
        return text.format(float(ctx[key]))
    if kind == "string_too_short":
        return (
            "must not be empty"
            if ctx.get("min_length") == 1
            else f"must have at least {ctx.get('min_length')} characters"
        )
    if kind == "string_too_long":
        return f"must have at most {ctx.get('max_length')} characters"
    if kind in ("literal_error", "enum"):
        return "must be one of: " + ", ".join(re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
    return str(error["msg"])


# What the exchange reads as a number in a query string: no "10_000", "0x1f" or " 30".
_NUMBER_TEXT = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:nan|inf|infinity)", re.IGNORECASE)


def _numeric_fields(model: type[BaseModel]) -> dict[str, str]:
    kinds: dict[str, str] = {}
    for name, info in model.model_fields.items():
        annotation = str(info.annotation)
        if "float" in annotation:
            kinds[info.alias or name] = "must be a number"
        elif "int" in annotation:
            kinds[info.alias or name] = "must be an integer"
    return kinds


def _parse_params(model: type[BaseModel] | None, params: Mapping[str, Any]) -> Any:
    if model is None:
        return None
    for name, reason in _numeric_fields(model).items():
        value = params.get(name)
        if isinstance(value, str) and not _NUMBER_TEXT.fullmatch(value):
            raise invalid_params(name, reason)
    try:
        return model.model_validate(dict(params))
    except ValidationError as exc:
        first = exc.errors()[0]
        raise invalid_params(str(first["loc"][0]) if first["loc"] else "", _reason(first)) from None


class BadRequest(Exception):
    """A JSON-RPC request that cannot be dispatched: ``error`` is the answer, ``ident`` the
    ``{"id": ...}`` to echo (empty when the id itself was unusable)."""

    def __init__(self, error: RpcError, ident: dict[str, Any]) -> None:
        super().__init__(error.message)
        self.error = error
        self.ident = ident


def parse_request(raw: str | bytes, *, missing_method: RpcError) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """(ident, method, params) of one JSON-RPC request, as a WebSocket frame or an HTTP POST
    body; BadRequest otherwise: -32700 not JSON, -32600 a batch, not an object or a bad id,
    ``missing_method`` without a method name, -32602 params that are not an object."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw  # invalid UTF-8: not JSON
        request = json.loads(text)
    except (ValueError, RecursionError):
        raise BadRequest(RpcError(-32700, "Parse error"), {}) from None
    if isinstance(request, list):
        raise BadRequest(RpcError(-32600, "Invalid Request", {"reason": "batch requests are not supported"}), {})
    if not isinstance(request, dict):
        raise BadRequest(RpcError(-32600, "Invalid Request", {"reason": "not a JSON object"}), {})
    has_id = "id" in request
    rpc_id = request.get("id")
    if has_id and (isinstance(rpc_id, bool) or not isinstance(rpc_id, (int, str))):
        raise BadRequest(RpcError(-32600, "Invalid Request", {"reason": "id must be an integer or a string"}), {})
    ident: dict[str, Any] = {"id": rpc_id} if has_id else {}
    name = request.get("method")
    if not isinstance(name, str):
        raise BadRequest(missing_method, ident)
    if name.startswith("/"):  # "/public/test": three peer clients send it (docs/exchange.md)
        name = name[1:]
    params = request.get("params", {})
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise BadRequest(RpcError(-32602, "Invalid params", {"param": "params", "reason": "must be an object"}), ident)
    return ident, name, params


def example_only() -> frozenset[str]:
    """The methods of the spec the mock has no handler for: it answers them with the spec's own
    example (marked ``served_from: example`` in its request log, and over HTTP with the header
    ``X-Mock-Served-From: example``). Give one a real handler here, in methods.py:
    ``@method("<name>", params=models.<Name>GetParametersQuery, response=models.<Result>)``."""
    return frozenset(name for name in models.EXAMPLES if name not in METHODS)


def dispatch(
    state: State,
    name: str,
    params: Mapping[str, Any],
    *,
    session: Session,
    transport: Transport,
    realistic: bool,
) -> Any:
    """Runs method ``name``; returns its result (already checked against the response model)."""
    found = METHODS.get(name)
    if found is None:
        if name in example_only():  # a method of the spec with no handler yet: its example answers
            if name.startswith("private/") and session.account is None:
                raise RpcError(UNAUTHORIZED, "unauthorized", {"reason": "authorization_required"})
            return models.EXAMPLES[name]
        stub = state.stubs.get(name)
        if stub is None or transport not in stub.transports:
            raise RpcError(-32601, "Method not found")
        if name.startswith("private/") and session.account is None:
            raise RpcError(UNAUTHORIZED, "unauthorized", {"reason": "authorization_required"})
        if stub.error is not None:
            error = stub.error
            raise RpcError(error["code"], error["message"], error.get("data"))
        return stub.result
    if found.private and session.account is None:
        raise RpcError(UNAUTHORIZED, "unauthorized", {"reason": "authorization_required"})
    if (realistic or found.always_websocket_only) and found.websocket_only and transport != "websocket":
        if not (found.account_scope_over_http and params.get("scope") == "account"):
            raise RpcError(10030, "must_be_websocket_request")
    call = Call(state=state, session=session, transport=transport, params=_parse_params(found.params, params))
    result = found.handler(call)
    # Validate the answer against the spec's response model: a spec change the mock does not
    # follow fails loudly here instead of answering something the spec does not describe.
    found.response.model_validate({"jsonrpc": "2.0", "result": result})
    return result


@method(
    "public/set_heartbeat",
    params=models.PublicSetHeartbeatGetParametersQuery,
    response=models.OkResponse,
    websocket_only=True,
)
def set_heartbeat(call: Call) -> str:
    call.session.heartbeat_interval = call.params.interval
    return "ok"


@method("public/disable_heartbeat", response=models.OkResponse, websocket_only=True)
def disable_heartbeat(call: Call) -> str:
    call.session.heartbeat_interval = None
    return "ok"


def _set_cod(call: Call, enabled: bool) -> str:
    if call.params.scope == "account":
        assert call.session.account is not None
        call.state.set_account_cod(call.session.account, enabled)
    else:
        # Over HTTP the "connection" is this one request: the setting ends with it.
        call.session.cancel_on_disconnect = enabled
    return "ok"


@method(
    "private/enable_cancel_on_disconnect",
    params=models.PrivateEnableCancelOnDisconnectGetParametersQuery,
    response=models.OkResponse,
    websocket_only=True,
    account_scope_over_http=True,
)
def enable_cancel_on_disconnect(call: Call) -> str:
    return _set_cod(call, True)


@method(
    "private/disable_cancel_on_disconnect",
    params=models.PrivateDisableCancelOnDisconnectGetParametersQuery,
    response=models.OkResponse,
    websocket_only=True,
    account_scope_over_http=True,
)
def disable_cancel_on_disconnect(call: Call) -> str:
    return _set_cod(call, False)


@method(
    "private/get_cancel_on_disconnect",
    params=models.PrivateGetCancelOnDisconnectGetParametersQuery,
    response=models.CancelOnDisconnectResponse,
    websocket_only=True,
    account_scope_over_http=True,
)
def get_cancel_on_disconnect(call: Call) -> dict[str, Any]:
    assert call.session.account is not None
    scope = call.params.scope
    if scope == "account":
        enabled = call.state.account_cod(call.session.account)
    else:
        # A new connection starts with the account default; over HTTP each request is one.
        enabled = call.session.cancel_on_disconnect
    return {"scope": scope, "enabled": enabled}


@method("public/test", params=models.PublicTestGetParametersQuery, response=models.TestResponse)
def test(call: Call) -> dict[str, Any]:
    if call.params.expected_result == "exception":
        # The code the exchange uses here is unverified; 11094 is its generic internal error.
        raise RpcError(11094, "internal_server_error", {"reason": "expected_result=exception"})
    return {"version": SERVER_VERSION}


# -- subscriptions --------------------------------------------------------------------------

#: The prefix of the channels only an authenticated connection may subscribe to.
PRIVATE_CHANNELS = "user."


def _subscribe(call: Call, *, private: bool) -> list[str]:
    accepted = []
    for channel in call.params.channels:
        if channel in call.state.refused_channels or (not private and channel.startswith(PRIVATE_CHANNELS)):
            continue  # left out of the answer: not subscribed
        call.session.channels[channel] = None
        accepted.append(channel)
    return accepted


def _unsubscribe(call: Call) -> list[str]:
    removed = [channel for channel in call.params.channels if channel in call.session.channels]
    for channel in removed:
        del call.session.channels[channel]
    return removed


def _unsubscribe_all(call: Call) -> str:
    call.session.channels.clear()
    return "ok"


for _scope, _private in (("public", False), ("private", True)):
    _name = _scope.capitalize()
    method(
        f"{_scope}/subscribe",
        params=getattr(models, f"{_name}SubscribeGetParametersQuery"),
        response=models.ChannelsResponse,
        always_websocket_only=True,
    )(functools.partial(_subscribe, private=_private))
    method(
        f"{_scope}/unsubscribe",
        params=getattr(models, f"{_name}UnsubscribeGetParametersQuery"),
        response=models.ChannelsResponse,
        always_websocket_only=True,
    )(_unsubscribe)
    method(f"{_scope}/unsubscribe_all", response=models.OkResponse, always_websocket_only=True)(_unsubscribe_all)


# -- authentication -------------------------------------------------------------------------


def _scopes(requested: str | None) -> tuple[str | None, float | None, list[str]]:
    """(session name, expires override in seconds, the other scopes) from ``scope``."""
    session_name: str | None = None
    expires: float | None = None
    others: list[str] = []
    for part in (requested or "").split():
        if part.startswith("session:"):
            session_name = part.removeprefix("session:")
            if not session_name:
                raise invalid_params("scope", "session name required")
        elif part.startswith("expires:"):
            try:
                expires = float(part.removeprefix("expires:"))
            except ValueError:
                raise invalid_params("scope", "expires must be a number of seconds") from None
            if not 0 < expires <= MAX_TOKEN_LIFETIME:  # (also NaN)
                raise invalid_params("scope", f"expires must be between 0 and {MAX_TOKEN_LIFETIME:g} seconds")
        elif part == "connection":
            pass
        else:
            others.append(part)
    return session_name, expires, others


def client_signature(secret: str, timestamp: int, nonce: str, data: str = "") -> str:
    """``public/auth``'s ``client_signature``: lowercase hex HMAC-SHA256 of ``timestamp\\nnonce\\ndata``."""
    return hmac.new(secret.encode(), f"{timestamp}\n{nonce}\n{data}".encode(), hashlib.sha256).hexdigest()


def _secret(value: Any) -> str | None:
    return None if value is None else str(value.get_secret_value())


def _refused(reason: str) -> RpcError:
    return RpcError(13004, "invalid_credentials", {"reason": reason})


@method("public/auth", params=models.PublicAuthGetParametersQuery, response=models.AuthResponse)
def auth(call: Call) -> dict[str, Any]:
    p = call.params
    creds = call.state.credentials
    session_name, expires, others = _scopes(p.scope)
    old: Token | None = None
    if p.grant_type == "client_credentials":
        if p.client_id is None or p.client_secret is None:
            raise invalid_params("client_id" if p.client_id is None else "client_secret", "value required")
        if not (
            secrets.compare_digest(p.client_id.encode(), creds.client_id.encode())
            and secrets.compare_digest((_secret(p.client_secret) or "").encode(), creds.client_secret.encode())
        ):
            raise _refused("wrong client id or secret")
        account = creds.client_id
    elif p.grant_type == "client_signature":
        for name in ("client_id", "timestamp", "signature", "nonce"):
            if getattr(p, name) is None:
                raise invalid_params(name, "value required")
        if not secrets.compare_digest(p.client_id.encode(), creds.client_id.encode()):
            raise _refused("unknown client id")
        if abs(time.time() * 1000.0 - p.timestamp) > SIGNATURE_WINDOW * 1000.0:
            raise RpcError(UNAUTHORIZED, "unauthorized", {"reason": "timestamp more than 60 s off the server's clock"})
        expected = client_signature(creds.client_secret, p.timestamp, p.nonce, p.data or "")
        if not secrets.compare_digest(expected.encode(), (_secret(p.signature) or "").encode()):
            raise _refused("invalid signature")
        if not call.state.use_nonce(p.client_id, p.nonce):
            raise RpcError(UNAUTHORIZED, "unauthorized", {"reason": "nonce already used"})
        account = creds.client_id
    else:
        refresh = _secret(p.refresh_token)
        if refresh is None:
            raise invalid_params("refresh_token", "value required")
        with call.state.lock:
            old = call.state.refresh_tokens.pop(refresh, None)
            if old is not None:
                call.state.tokens.pop(old.access, None)
        if old is None or time.monotonic() >= old.refresh_expires_at:
            raise RpcError(UNAUTHORIZED, "unauthorized", {"reason": "invalid or expired refresh token"})
        account = old.account
        if p.scope is None:  # a refresh keeps the scope it had
            session_name, others = (
                old.session_name,
                [
                    s
                    for s in old.scope.split()
                    if s not in ("connection", "mainaccount") and not s.startswith("session:")
                ],
            )
    ttl = expires if expires is not None else creds.token_ttl
    lifetime = max(ttl * call.state.time_scale, 1.0)
    refreshed = old if p.grant_type == "refresh_token" else None
    if refreshed is not None and p.scope is None:
        lifetime = refreshed.lifetime  # a refresh keeps the lifetime it had
    granted = " ".join([f"session:{session_name}" if session_name else "connection", "mainaccount", *others])
    token = call.state.issue(account, granted, call.session.connection_id, session_name, lifetime)
    if call.transport == "websocket":
        if call.session.account is None:  # a new connection starts with the account's default
            call.session.cancel_on_disconnect = call.state.account_cod(account)
        call.session.account = account
        call.session.token = token.access
    result: dict[str, Any] = {
        "access_token": token.access,
        "token_type": "bearer",
        "expires_in": int(round(lifetime)),
        "refresh_token": token.refresh,
        "scope": granted,
        "enabled_features": [],
    }
    if session_name:
        with call.state.lock:
            call.state.sessions += 1
            result["sid"] = f"mock-sid-{call.state.sessions}"
    if p.state is not None:
        result["state"] = p.state
    return result


@method(
    "private/logout",
    params=models.PrivateLogoutGetParametersQuery,
    response=models.OkResponse,
    always_websocket_only=True,
)
def logout(call: Call) -> str:
    # The WebSocket layer sees session.logout, closes without an answer and fires no
    # cancel-on-disconnect.
    call.session.logout = True
    if call.params.invalidate_token is not False and call.session.token is not None:
        call.state.revoke(call.session.token)
    return "ok"


# -- trading: what cancel-on-disconnect acts on (the rules: deribit_mock/book.py) ----------

_T = TypeVar("_T")


def _on_book(call: Call, act: Callable[[str], _T]) -> _T:
    assert call.session.account is not None
    try:
        return act(call.session.account)
    except BookError as exc:
        raise RpcError(exc.code, exc.message, exc.data) from None


@method("private/buy", params=models.PrivateBuyGetParametersQuery, response=models.OrderPlacedResponse)
def buy(call: Call) -> dict[str, Any]:
    return _on_book(
        call, lambda account: call.state.book.place(account, call.session.connection_id, "buy", call.params)
    )


@method("private/sell", params=models.PrivateSellGetParametersQuery, response=models.OrderPlacedResponse)
def sell(call: Call) -> dict[str, Any]:
    return _on_book(
        call, lambda account: call.state.book.place(account, call.session.connection_id, "sell", call.params)
    )


@method("private/edit", params=models.PrivateEditGetParametersQuery, response=models.OrderPlacedResponse)
def edit(call: Call) -> dict[str, Any]:
    return _on_book(call, lambda account: call.state.book.edit(account, call.params))


@method("private/cancel", params=models.PrivateCancelGetParametersQuery, response=models.OrderResponse)
def cancel(call: Call) -> dict[str, Any]:
    return _on_book(call, lambda account: call.state.book.cancel(account, call.params.order_id))


@method("private/cancel_all", response=models.CountResponse)
def cancel_all(call: Call) -> int:
    return _on_book(call, lambda account: call.state.book.cancel_where(account))


@method("private/cancel_by_label", params=models.PrivateCancelByLabelGetParametersQuery, response=models.CountResponse)
def cancel_by_label(call: Call) -> int:
    return _on_book(call, lambda account: call.state.book.cancel_where(account, call.params.label))


@method(
    "private/get_open_orders_by_currency",
    params=models.PrivateGetOpenOrdersByCurrencyGetParametersQuery,
    response=models.OrdersResponse,
)
def get_open_orders_by_currency(call: Call) -> list[dict[str, Any]]:
    return _on_book(call, lambda account: call.state.book.open_orders(account, call.params.currency))


@method("private/get_order_state", params=models.PrivateGetOrderStateGetParametersQuery, response=models.OrderResponse)
def get_order_state(call: Call) -> dict[str, Any]:
    return _on_book(call, lambda account: call.state.book.state(account, call.params.order_id))
