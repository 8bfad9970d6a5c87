"""What a new connection is given before any caller's call goes out, apart from any socket
(sans-I/O): the session's credentials (the ``public/auth`` request and the tokens its answer
holds) and the plan of requests that sets a connection up, one step at a time.

The plan is a generator: it yields each request (method, params, operation) and is sent the
answer's envelope back; it raises the DeribitError a refusal is. The engine
(:class:`~.protocol.SessionProtocol`, its :mod:`.steps`) drives it as the host hands it answers."""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Generator, Mapping
from typing import Any

from ..errors import (
    APIError,
    DeribitError,
    RateLimitError,
    ResponseValidationError,
    SubscriptionRefusedError,
    excerpt,
)
from ..spec import registry
from ..spec.answers import checked
from ..spec.operations import Operation
from .lifecycle import Lifecycle
from .session import MIN_REFRESH_INTERVAL, RpcSession, client_signature, refresh_delay

__all__ = ["Credentials", "Plan", "Step", "check_session", "finite_at_least", "setup_plan"]

#: One request of the plan: method, params, and the spec's operation (None: not in the spec).
Step = tuple[str, dict[str, Any], Operation | None]
#: The plan: yields steps, is sent each step's answer (a JSON-RPC envelope).
Plan = Generator[Step, dict[str, Any], None]


class Credentials:
    """What ``public/auth`` is sent with, and the tokens its answer gives (sans-I/O: the time
    a signature needs is passed in)."""

    def __init__(
        self,
        client_id: str | None,
        secret: str | None,
        *,
        auth_kind: str = "client_signature",
        scope: str | None = None,
        access_token: str | None = None,
        min_refresh_interval: float = MIN_REFRESH_INTERVAL,
    ) -> None:
        self.client_id = client_id
        self.secret = secret
        self.auth_kind = auth_kind
        self.scope = scope
        #: A token given instead of credentials: sent with every private call.
        self.given_token = access_token
        self.min_refresh_interval = min_refresh_interval
        self.refresh_token: str | None = None
        #: Kept only to mask it wherever a server might quote it.
        self.access_token: str | None = None
        #: Seconds until the token should be refreshed, from the last answer (None: never).
        self.refresh_in: float | None = None

    def __repr__(self) -> str:
        return f"Credentials(client_id={self.client_id!r}, auth_kind={self.auth_kind!r})"

    @property
    def secrets(self) -> tuple[str | None, ...]:
        """Every secret this session knows, for masking by value."""
        return (self.secret, self.given_token, self.access_token, self.refresh_token)

    @property
    def bearer(self) -> str | None:
        """The token private calls carry themselves (a client with a token and no secret)."""
        return self.given_token if self.secret is None else None

    def params(self, refresh: bool, now: float) -> dict[str, Any] | None:
        """What ``public/auth`` is sent with at ``now`` (Unix seconds), or None: no credentials,
        nothing to authenticate. ``refresh``: with the refresh token, when there is one."""
        if self.secret is None or self.client_id is None:
            return None
        params: dict[str, Any]
        if refresh and self.refresh_token is not None:
            params = {"grant_type": "refresh_token", "refresh_token": self.refresh_token}
        elif self.auth_kind == "client_credentials":
            params = {"grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self.secret}
        else:
            timestamp = int(now * 1000)
            nonce = secrets.token_hex(8)
            params = {
                "grant_type": "client_signature",
                "client_id": self.client_id,
                "timestamp": timestamp,
                "nonce": nonce,
                "data": "",
                "signature": client_signature(self.secret, timestamp, nonce),
            }
        if self.scope and not refresh:
            params["scope"] = self.scope
        return params

    def accept(self, envelope: dict[str, Any]) -> None:
        """Keeps the tokens of ``public/auth``'s answer and when to refresh them; raises the
        error a refusal is (AuthenticationError), or ResponseValidationError for no token."""
        result = checked(envelope, "public/auth")["result"]
        if not isinstance(result, dict) or not isinstance(result.get("access_token"), str):
            raise ResponseValidationError("public/auth answered without an access token")
        renewal = result.get("refresh_token")
        self.refresh_token = renewal if isinstance(renewal, str) else None
        self.access_token = result["access_token"]
        self.refresh_in = refresh_delay(result.get("expires_in"), self.min_refresh_interval)


def setup_plan(
    session: RpcSession,
    credentials: Credentials,
    life: Lifecycle,
    *,
    first: bool,
    heartbeat_interval: float | None,
    cancel_on_disconnect: str | None,
    now: float,
    refused: Callable[[SubscriptionRefusedError], None],
) -> Plan:
    """Authenticate, then on the first connection the constructor's heartbeat and
    cancel-on-disconnect, on a later one the state the last connection had (what the spec's
    ``x-connection-state`` records, in its order); ``refused`` is told of channels the
    exchange did not subscribe again (they are dropped, the session goes on)."""
    params = credentials.params(False, now)
    if params is not None:
        credentials.accept((yield "public/auth", params, None))
    life.authenticated()
    if first:
        operations = registry.operations()
        if heartbeat_interval is not None:
            yield from _apply(operations, "public/set_heartbeat", {"interval": heartbeat_interval})
        if cancel_on_disconnect is not None:
            yield from _apply(operations, "private/enable_cancel_on_disconnect", {"scope": cancel_on_disconnect})
        return
    for method, step_params in session.reapply():
        key = session.set_of(method)
        if key is None:
            checked((yield method, step_params, None))
        else:
            yield from _restore_set(session, key, method, step_params, refused)


def _apply(operations: Mapping[str, Operation], method: str, params: dict[str, Any]) -> Plan:
    op = next((o for o in operations.values() if o.rpc_method == method), None)
    checked((yield method, op.prepare(params) if op is not None else params, op))


def _restore_set(
    session: RpcSession,
    key: str,
    method: str,
    params: dict[str, Any],
    refused: Callable[[SubscriptionRefusedError], None],
) -> Plan:
    """Subscribes again; what the exchange leaves out, refuses outright or answers with a
    malformed list is dropped from the set and reported: the session goes on without it. A
    refusal by code is about the channels (13009 here is a channel the token's scope does not
    cover: the session itself was just authenticated), except 10028: the credit pool is empty,
    and this connection is replaced."""
    asked: list[str] = next(iter(params.values()))
    cause: DeribitError | None = None
    try:
        result = checked((yield method, params, None)).get("result")
    except APIError as exc:
        if isinstance(exc, RateLimitError):
            raise  # the session cannot go on as it is: this connection is replaced
        result, cause = [], exc
    if not isinstance(result, list) or not all(isinstance(item, str) for item in result):
        cause = ResponseValidationError(f"{method} answered with {excerpt(repr(result), 80)}, not a list of channels")
        result = []
    listed = set(result)
    missing = [item for item in asked if item not in listed]
    if missing:
        session.drop(key, missing)
        refused(
            SubscriptionRefusedError(
                f"{method}: the exchange did not subscribe {missing} again after a reconnect; they are dropped",
                missing,
                cause,
            )
        )


def check_session(
    client_id: str | None,
    client_secret: str | None,
    auth: str,
    cancel_on_disconnect: str | None,
    heartbeat_interval: float | None,
    access_token: str | None = None,
) -> None:
    """Raises ValueError naming the first session option (WebSocketClient's or
    SessionProtocol's) the exchange would refuse."""
    if (client_id is None) != (client_secret is None):
        raise ValueError("client_id and client_secret go together")
    if cancel_on_disconnect is not None and client_id is None and not access_token:
        raise ValueError(
            "cancel_on_disconnect needs an authenticated session: give client_id and client_secret (or access_token)"
        )
    if auth not in ("client_signature", "client_credentials"):
        raise ValueError("auth must be 'client_signature' or 'client_credentials'")
    if cancel_on_disconnect not in (None, "connection"):
        raise ValueError("cancel_on_disconnect must be 'connection' or None")
    if heartbeat_interval is not None and not finite_at_least(heartbeat_interval, 10.0):
        raise ValueError("heartbeat_interval must be at least 10 seconds, and finite")


def finite_at_least(value: Any, floor: float, *, strictly: bool = False) -> bool:
    """Whether ``value`` is a real number of seconds, finite, and at least (or above) ``floor``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        number = float(value)
    except OverflowError:  # an integer beyond any float
        return False
    return math.isfinite(number) and (number > floor if strictly else number >= floor)
