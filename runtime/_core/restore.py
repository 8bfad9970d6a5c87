"""What a new connection is given before any caller's call goes out: authentication, then on
the first connection the constructor's heartbeat and cancel-on-disconnect, on a later one the
state the last connection had (what the spec's ``x-connection-state`` records) and the user's
``on_reconnect``."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import registry
from .answers import checked
from .errors import APIError, APITimeoutError, AuthenticationError, RateLimitError, SubscriptionRefusedError
from .operations import Operation
from .session import RpcSession

if TYPE_CHECKING:
    from .supervisor import Supervisor

__all__ = ["describe", "establish"]

logger = logging.getLogger("deribit_session_client")


def describe(session: RpcSession) -> str:
    """The restored state, for the log line."""
    parts = [f"{method} {params}" for _, method, params in sorted(session.state.values(), key=lambda s: s[0])]
    parts += [f"{adder} ({len(members)} channels)" for _, adder, _, members in session.sets.values()]
    return "; ".join(parts) if parts else "no heartbeat, no cancel-on-disconnect"


async def establish(sup: Supervisor, first: bool, auth_deadline: float) -> str:
    """Authenticate (by ``auth_deadline``: opening and authenticating share the connect
    timeout) and put the connection state back, before any waiting call goes out. Returns
    what to add to the INFO line (an ``on_reconnect`` that raised)."""
    try:
        await sup.auth.authenticate(deadline=auth_deadline)
    except APITimeoutError:
        raise APITimeoutError(
            f"authenticating to {sup.settings.url} did not finish within connect_timeout ({sup.settings.connect_timeout} s)"
        ) from None
    sup.life.authenticated()
    if first:
        operations = registry.operations()
        if sup.settings.heartbeat_interval is not None:
            await _apply(sup, operations, "public/set_heartbeat", {"interval": sup.settings.heartbeat_interval})
        if sup.settings.cancel_on_disconnect is not None:
            await _apply(
                sup, operations, "private/enable_cancel_on_disconnect", {"scope": sup.settings.cancel_on_disconnect}
            )
    else:
        for method, params in sup.session.reapply():
            key = sup.session.set_of(method)
            if key is None:
                checked(await sup.request(method, params, sup.settings.call_timeout, None))
            else:
                await _restore_set(sup, key, method, params)
        if sup.last_disconnect is not None and sup.last_disconnect["down_s"] is None:
            sup.last_disconnect["down_s"] = round(time.time() - sup.last_disconnect["at"], 3)
        sup.in_on_reconnect = True  # (before it starts: its calls must go out during the restore)
        running = sup.callbacks.reconnected()
        if running is None:
            sup.in_on_reconnect = False
        else:
            try:
                await asyncio.wrap_future(running)
            except Exception as exc:  # logged by the runner and handed to on_error; the session stands
                return f"; on_reconnect raised {type(exc).__name__}, see on_error"
            finally:
                sup.in_on_reconnect = False
    return ""


async def _restore_set(sup: Supervisor, key: str, method: str, params: dict[str, Any]) -> None:
    """Subscribes again; what the exchange leaves out (or refuses outright) is dropped from the
    set and reported to ``on_error``: the session goes on without it."""
    asked: list[str] = next(iter(params.values()))
    cause: APIError | None = None
    try:
        result = checked(await sup.request(method, params, sup.settings.call_timeout, None)).get("result")
    except APIError as exc:
        if isinstance(exc, (RateLimitError, AuthenticationError)):
            raise  # the session cannot go on as it is: this connection is replaced
        result, cause = [], exc
    listed = set(result) if isinstance(result, list) else set(asked)
    refused = [item for item in asked if item not in listed]
    if refused:
        sup.session.drop(key, refused)
        sup.client._router.drop_channels(refused)
        error = SubscriptionRefusedError(
            f"{method}: the exchange did not subscribe {refused} again after a reconnect; they are dropped",
            refused,
            cause,
        )
        logger.warning("%s", error)
        sup.callbacks.error(error)


async def _apply(sup: Supervisor, operations: Mapping[str, Operation], method: str, params: dict[str, Any]) -> None:
    op = next((o for o in operations.values() if o.rpc_method == method), None)
    sent = op.prepare(params) if op is not None else params
    checked(await sup.request(method, sent, sup.settings.call_timeout, op))
