"""What the runtime knows of each operation, and the parameter checks the spec asks for.

``make generate`` derives one :class:`Operation` per path of openapi.yaml
(``scripts/derive_operations.py``) into ``deribit_session_client._operations``; the generated
operation modules hand it to the client with the caller's parameters. A failed check raises
the same :class:`~..errors.InvalidParamsError` (code -32602, ``data = {"param", "reason"}``) with
the same reason as the server's, before anything is sent.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..errors import DeribitError, InvalidParamsError, OrderOutcomeUnknownError
from ..types import Unset

__all__ = [
    "MATCHING_ENGINE",
    "MATCHING_ENGINE_METHODS",
    "NON_MATCHING_ENGINE",
    "Operation",
    "changes_orders",
    "matching_engine",
    "outcome_unknown",
    "reason_for",
    "text_param",
]

NON_MATCHING_ENGINE = "non_matching_engine"
MATCHING_ENGINE = "matching_engine"

#: The matching-engine methods the exchange documents, for methods called by name
#: (``ws.call``); a path of the spec says it with ``x-rate-limit: matching_engine``.
MATCHING_ENGINE_METHODS = frozenset(
    {
        "private/buy",
        "private/sell",
        "private/edit",
        "private/edit_by_label",
        "private/cancel",
        "private/cancel_all",
        "private/cancel_all_by_instrument",
        "private/cancel_all_by_currency",
        "private/cancel_all_by_kind_or_type",
        "private/cancel_by_label",
        "private/cancel_quotes",
        "private/close_position",
        "private/mass_quote",
        "private/verify_block_trade",
        "private/execute_block_trade",
    }
)


def matching_engine(method: str, op: Operation | None) -> bool:
    """Whether a call draws on the matching-engine credit pool: as the spec says for its
    paths (``x-rate-limit``), as the exchange documents for a method called by name."""
    return op.rate_limit == MATCHING_ENGINE if op is not None else method in MATCHING_ENGINE_METHODS


def changes_orders(method: str, op: Operation | None) -> bool:
    """Whether a call changes orders (a matching-engine method the spec does not mark safe to
    repeat): when its frame may have reached the exchange and no answer came, its outcome is
    unknown (OrderOutcomeUnknownError), never a plain failure."""
    return matching_engine(method, op) and not (op is not None and op.idempotent)


def text_param(params: Mapping[str, Any], key: str) -> str | None:
    """``params[key]`` when it is a string (an order's label, id or instrument), else None."""
    value = params.get(key)
    return value if isinstance(value, str) else None


def outcome_unknown(
    method: str, params: Mapping[str, Any], cause: DeribitError, cancel_on_disconnect: bool = False
) -> OrderOutcomeUnknownError:
    """The error of an order call (:func:`changes_orders`) whose request may have reached the
    exchange and whose answer never came (``cause`` says why; chained as its ``__cause__``)."""
    unknown = OrderOutcomeUnknownError(
        method,
        label=text_param(params, "label"),
        instrument_name=text_param(params, "instrument_name"),
        cancel_on_disconnect=cancel_on_disconnect,
        reason=str(cause),
    )
    unknown.__cause__ = cause
    return unknown


_NUMBER_TYPES = {"number": "a number", "integer": "an integer"}


class Operation:
    """One path of the spec, as the transports need it.

    Attributes:
        name: The generated module's name (the operationId as the generator spells it).
        method: The HTTP method, lower case.
        path: The path under the API root, such as ``/public/set_heartbeat``.
        idempotent: The spec's ``x-idempotent``: safe to send again after a failure that may
            have reached the server. Without it, only failures that prove the request never
            left (connection refused, connect timeout) and rate-limit answers are retried.
        params: Query parameter name -> its rule (``required``, ``type``, bounds, ``enum``,
            ``secret`` for ``format: password``), in the spec's order.
        connection_state: The spec's ``x-connection-state``: which piece of a WebSocket
            connection's state a successful call sets (used to re-apply it after a reconnect).
        websocket_no_answer: The spec's ``x-websocket-no-answer``: over WebSocket the server
            answers by closing the connection (``private/logout``), which ends the session.
        rate_limit: The spec's ``x-rate-limit``: the credit pool the method draws on,
            ``non_matching_engine`` (the default) or ``matching_engine`` (orders).
    """

    __slots__ = (
        "connection_state",
        "idempotent",
        "method",
        "name",
        "params",
        "path",
        "rate_limit",
        "rpc_method",
        "secret",
        "websocket_no_answer",
    )

    def __init__(
        self,
        *,
        name: str,
        method: str,
        path: str,
        idempotent: bool = False,
        params: Mapping[str, Mapping[str, Any]] | None = None,
        connection_state: Mapping[str, Any] | None = None,
        websocket_no_answer: bool = False,
        rate_limit: str = "non_matching_engine",
    ) -> None:
        self.name = name
        self.method = method
        self.path = path
        #: The JSON-RPC method name: the path without its leading slash.
        self.rpc_method = path.lstrip("/")
        self.idempotent = idempotent
        self.params: Mapping[str, Mapping[str, Any]] = params or {}
        self.connection_state = connection_state
        self.websocket_no_answer = websocket_no_answer
        self.rate_limit = rate_limit
        self.secret = frozenset(n for n, rule in self.params.items() if rule.get("secret"))

    def __repr__(self) -> str:
        return f"Operation(name={self.name!r}, method={self.method!r}, path={self.path!r})"

    def prepare(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The parameters to send: checked against the spec, unset ones left out, numbers canonical.

        Raises:
            InvalidParamsError: for the first parameter that breaks its rule.
        """
        out: dict[str, Any] = {}
        for name, rule in self.params.items():
            value = values.get(name)
            reason = reason_for(rule, value)
            if reason is not None:
                raise InvalidParamsError.client_side(param=name, reason=reason)
            if value is not None and not isinstance(value, Unset):
                out[name] = canonical(rule, value)
        return out

    def secret_params(self) -> frozenset[str]:
        """The parameters that must never be logged (``format: password`` in the spec)."""
        return self.secret


def _as_number(value: Any) -> int | float | None:
    """``value`` as an int or float, or None when it is not a real number (bools are not)."""
    if type(value) is int or type(value) is float:
        return value  # (the common case, spared the abstract base classes' checks below)
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, Decimal)):
        return None  # (Decimal is no numbers.Real, but it is the trader's number)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, float):
        return value
    try:
        number = float(value)  # Decimal, Fraction, numpy floating scalars
    except (OverflowError, ValueError):
        return math.inf
    if number.is_integer() and value == number:
        return int(number)
    return number


def canonical(rule: Mapping[str, Any], value: Any) -> Any:
    """The form a valid value is sent in: a Decimal or numbers.Real (numpy scalars, Fraction) as int or float."""
    if type(value) is int:
        return value  # (what every branch below makes of an int)
    kind = rule.get("type")
    if kind in _NUMBER_TYPES:
        number = _as_number(value)
        if number is None:
            return value
        return int(number) if kind == "integer" and math.isfinite(number) else number
    if kind == "array":
        item = {"type": rule.get("items")}
        return [canonical(item, each) for each in value]
    return value


def reason_for(rule: Mapping[str, Any], value: Any) -> str | None:
    """Why ``value`` breaks ``rule``, in the server's words; None when it does not."""
    if value is None or isinstance(value, Unset):
        return "value required" if rule["required"] else None
    kind = rule.get("type")
    if kind in _NUMBER_TYPES:
        number = _as_number(value)
        if number is None:
            return f"must be {_NUMBER_TYPES[kind]}"
        if isinstance(number, float):
            if not math.isfinite(number):
                return "must be a finite number"
            if kind == "integer" and not number.is_integer():
                return "must be an integer"
        elif not _fits_a_double(number):
            return "must be a finite number"
        if "minimum" in rule and number < rule["minimum"]:
            return f"must not be less than {rule['minimum']:g}"
        if "exclusiveMinimum" in rule and number <= rule["exclusiveMinimum"]:
            return f"must be greater than {rule['exclusiveMinimum']:g}"
        if "maximum" in rule and number > rule["maximum"]:
            return f"must not be greater than {rule['maximum']:g}"
        if "exclusiveMaximum" in rule and number >= rule["exclusiveMaximum"]:
            return f"must be less than {rule['exclusiveMaximum']:g}"
    elif kind == "string":
        if not isinstance(value, str):
            return "must be a string"
        if len(value) < rule.get("minLength", 0):
            return (
                "must not be empty" if rule["minLength"] == 1 else f"must have at least {rule['minLength']} characters"
            )
        if "maxLength" in rule and len(value) > rule["maxLength"]:
            return f"must have at most {rule['maxLength']} characters"
    elif kind == "boolean" and not isinstance(value, bool):
        return "must be a boolean"
    elif kind == "array":
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)):
            return "must be an array"
        if len(value) < rule.get("minItems", 0):
            return f"must have at least {rule['minItems']} item(s)"
        item = {"required": True, "type": rule.get("items")}
        for n, each in enumerate(value):
            reason = reason_for(item, each)
            if reason is not None:
                return f"item {n} {reason}"
    if "enum" in rule and value not in rule["enum"]:
        return "must be one of: " + ", ".join(str(v) for v in rule["enum"])
    return None


def _fits_a_double(number: int) -> bool:
    # The exchange reads JSON numbers as doubles: an integer beyond their range is not finite there.
    try:
        float(number)
    except OverflowError:
        return False
    return True
