"""The keeper's side of setting a connection up: the shared setup plan (:mod:`.setup`) driven
by awaiting each answer, the token refresh scheduled, and after a reconnect the user's
``on_reconnect``."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from .errors import APITimeoutError, SubscriptionRefusedError
from .session import RpcSession
from .setup import setup_plan

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
    """Runs the setup plan (:func:`.setup.setup_plan`: authentication by ``auth_deadline``,
    since opening and authenticating share the connect timeout, then the state to put back),
    awaiting each answer, before any waiting call goes out; then, after a reconnect, the
    user's ``on_reconnect``. Returns what to add to the INFO line (an ``on_reconnect`` that
    raised)."""
    auth = sup.auth
    plan = setup_plan(
        sup.session,
        auth.credentials,
        sup.life,
        first=first,
        heartbeat_interval=sup.settings.heartbeat_interval,
        cancel_on_disconnect=sup.settings.cancel_on_disconnect,
        now=time.time(),
        refused=lambda error: _refused(sup, error),
    )
    answer: dict[str, Any] | None = None
    while True:
        try:
            method, params, op = plan.send(answer) if answer is not None else next(plan)
        except StopIteration:
            break
        if method == "public/auth":
            bound = max(auth_deadline - asyncio.get_running_loop().time(), 0.001)
            try:
                answer = await sup.request(method, params, bound, op)
            except APITimeoutError:
                raise APITimeoutError(
                    f"authenticating to {sup.settings.url} did not finish within connect_timeout ({sup.settings.connect_timeout} s)"
                ) from None
        else:
            answer = await sup.request(method, params, sup.settings.call_timeout, op)
    auth.schedule()
    if not first:
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


def _refused(sup: Supervisor, error: SubscriptionRefusedError) -> None:
    """Channels the exchange did not subscribe again: no longer routed, and reported."""
    sup.client._router.drop_channels(error.channels)
    logger.warning("%s", error)
    sup.callbacks.error(error)
