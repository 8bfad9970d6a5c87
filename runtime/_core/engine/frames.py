"""What one frame from the server does to a session: an answer settles its call (and records
what it set, and the orders it placed or closed), a ``test_request`` is answered in the same
step, a notification becomes an event, and anything else is reported or dropped."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..spec.answers import rpc_error
from ..spec.operations import changes_orders
from .calls import settle
from .events import Error, Notification
from .orders import ORDER_CHANNELS

if TYPE_CHECKING:
    from .session import Incoming
    from .steps import Engine

__all__ = ["dispatch"]


def dispatch(engine: Engine, incoming: Incoming) -> None:
    """What one frame from the server does to the session (:meth:`~.protocol.SessionProtocol.receive`)."""
    kind = incoming.kind
    if kind == "answer":
        call = engine._out.answered(incoming.id)
        if call is not None:
            if "error" in incoming.message:  # a server may quote the secret or a token by value
                engine._steps.mask(incoming)
            op = call.op
            if op is not None and op.connection_state:
                engine._session.succeeded(op.connection_state, call.method, call.params, incoming.message, call.sent_at)
                engine._deadline_mark += 1  # (a new heartbeat interval moves the silence limit)
            if "result" in incoming.message and (engine._orders.open or changes_orders(call.method, op)):
                result = incoming.message["result"]
                if changes_orders(call.method, op):
                    engine._orders.answered(call.method, call.params, result)
                else:  # (an order's state in any answer: private/get_order_state, say)
                    engine._orders.seen(result)
            try:
                engine._host.answered(call, incoming.message, incoming.raw)
            finally:  # (settled whatever the host's hook does)
                engine._out.deadlines.pop(call, None)
                settle(call.token, incoming.message, None)
    elif kind == "test_request":
        # answered in this step, unless the session is over or the host's lease lapsed (a program
        # that stopped renewing it must lose the session)
        if not engine._life.stopped and engine._host.lease_lapsed() is None:
            engine._out.outgoing.append((engine._session.answer_test_request(), None))
    elif kind == "notification":
        engine._events.append(Notification(incoming.message))
        params = incoming.message.get("params")
        if engine._orders.open and isinstance(params, dict) and str(params.get("channel")).startswith(ORDER_CHANNELS):
            engine._orders.seen(params.get("data"))
    elif kind == "internal":
        refused = rpc_error(incoming.message, method="public/test")
        if refused is not None:  # the answer to a test_request refused: the exchange may close
            engine._events.append(Error(refused))
    elif kind == "unknown" and "method" not in incoming.message:
        engine._host.ignored(f"an answer for no pending call (id {engine.redact(repr(incoming.id))[:40]})")
