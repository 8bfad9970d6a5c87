"""The exchange's methods, independent of the transport that carries them.

``dispatch`` takes a method name, its named params and who is calling, and returns the
answer's envelope fields or raises :class:`RpcError`. The HTTP app calls it today; a
WebSocket JSON-RPC endpoint (with heartbeats) can call the same function with
``transport="websocket"`` and a ``Session`` per connection.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

import deribit_mock_models as models

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


@dataclass
class Session:
    """What the exchange keeps per connection. Over HTTP every request is a new one."""

    account: str | None = None
    cancel_on_disconnect: bool = False
    heartbeat_interval: float | None = None


@dataclass
class State:
    """What the exchange keeps per account: the cancel-on-disconnect default."""

    cod_by_account: dict[str, bool] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.cod_by_account.clear()

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
) -> Callable[[Callable[[Call], Any]], Callable[[Call], Any]]:
    """Registers a handler; ``params`` and ``response`` are models generated from openapi.yaml."""

    def register(handler: Callable[[Call], Any]) -> Callable[[Call], Any]:
        METHODS[name] = Method(
            name=name,
            handler=handler,
            params=_strict_numbers(params) if params is not None else None,
            response=response,
            private=name.startswith("private/"),
            websocket_only=websocket_only,
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
        raise RpcError(-32601, "Method not found")
    if found.private and session.account is None:
        raise RpcError(UNAUTHORIZED, "unauthorized", {"reason": "authorization_required"})
    if realistic and found.websocket_only and transport != "websocket":
        raise RpcError(10030, "must_be_websocket_request")
    call = Call(state=state, session=session, transport=transport, params=_parse_params(found.params, params))
    result = found.handler(call)
    # Validate the answer against the spec's response model: a spec change the mock does not
    # follow fails loudly here instead of answering something the spec does not describe.
    checked = found.response.model_validate({"jsonrpc": "2.0", "result": result})
    return checked.model_dump(mode="json", exclude_none=True)["result"]


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
)
def enable_cancel_on_disconnect(call: Call) -> str:
    return _set_cod(call, True)


@method(
    "private/disable_cancel_on_disconnect",
    params=models.PrivateDisableCancelOnDisconnectGetParametersQuery,
    response=models.OkResponse,
    websocket_only=True,
)
def disable_cancel_on_disconnect(call: Call) -> str:
    return _set_cod(call, False)


@method(
    "private/get_cancel_on_disconnect",
    params=models.PrivateGetCancelOnDisconnectGetParametersQuery,
    response=models.CancelOnDisconnectResponse,
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
