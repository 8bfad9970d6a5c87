"""What a session knows of its orders, apart from any socket (sans-I/O): the error of an
order-changing call whose outcome is unknown, and the orders placed on the current connection
and not seen closed since, which a lost connection reports (``last_disconnect["orders"]``).

An order call is one that changes orders (:func:`~..spec.operations.changes_orders`). Its
frame may have reached the exchange once it was collected for the socket: from then on, a lost
connection, a closed session or a timeout leaves its outcome unknown, and it fails with
:class:`~..errors.OrderOutcomeUnknownError`, never a plain failure (``calls.after_sending``
decides; :func:`~..spec.operations.outcome_unknown` builds it, for HTTP too).

The orders are learned from what the session sees: the answers of ``private/buy`` and
``private/sell`` place them; any order object in an answer or a ``user.orders`` notification
with another state than ``open`` closes them; ``private/cancel_all`` closes them all, and
``private/cancel_by_label`` those with its label. Only orders placed on this connection are
counted (cancel-on-disconnect acts on no other).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..spec.operations import text_param

__all__ = ["CANCELLED", "ORDER_CHANNELS", "STILL_LIVE", "UNKNOWN", "Orders"]

#: What a lost connection meant for an order placed on it (``last_disconnect["orders"]``).
CANCELLED = "cancelled by the exchange"
STILL_LIVE = "still live"
UNKNOWN = "unknown"

#: The methods whose answer places an order (``{"order": {...}, "trades": [...]}``).
_PLACING = frozenset({"private/buy", "private/sell"})
#: The channels whose notifications carry the account's orders.
ORDER_CHANNELS = "user.orders."


class Orders:
    """The orders placed on the current connection and not seen closed (moved by its engine)."""

    def __init__(self) -> None:
        #: order_id -> its report entry, in the order they were placed.
        self.open: dict[str, dict[str, Any]] = {}
        #: Open orders an order call in flight at the loss may have changed (a cancel, an edit).
        self.touched: set[str] = set()
        #: Order calls in flight at the loss on no order counted here (their outcome unknown).
        self.unknown: list[dict[str, Any]] = []

    def answered(self, method: str, params: Mapping[str, Any], result: Any) -> None:
        """An order call's successful answer."""
        placed = result.get("order") if isinstance(result, dict) else None
        if isinstance(placed, dict) and method in _PLACING:
            order_id = placed.get("order_id")
            if isinstance(order_id, str) and placed.get("order_state") == "open":
                self.open[order_id] = _entry(method, order_id, placed)
                return
        if method == "private/cancel_all":
            self.open.clear()
        elif method == "private/cancel_by_label":
            label = params.get("label")
            self.open = {k: v for k, v in self.open.items() if v["label"] != label}
        self.seen(placed if isinstance(placed, dict) else result)

    def seen(self, order: Any) -> None:
        """An order object (or a list of them) from an answer or a notification: one no longer
        open is forgotten."""
        for each in order if isinstance(order, list) else [order]:
            if isinstance(each, dict) and each.get("order_id") in self.open and each.get("order_state") != "open":
                del self.open[each["order_id"]]

    def in_flight(self, method: str, params: Mapping[str, Any]) -> None:
        """An order call whose frame may have gone out when the connection was lost (or whose
        write failed): the orders it may have changed, or a new entry for what it may have placed."""
        order_id = text_param(params, "order_id")
        if method == "private/cancel_all":
            self.touched.update(self.open)
        elif method == "private/cancel_by_label":
            self.touched.update(k for k, v in self.open.items() if v["label"] == params.get("label"))
        elif order_id in self.open:
            self.touched.add(order_id)
        else:
            self.unknown.append(_entry(method, order_id, params) | {"after_disconnect": UNKNOWN})

    def lost(self, cancel_on_disconnect: bool) -> list[dict[str, Any]]:
        """The connection is gone: its orders, each with ``order_id``, ``label``,
        ``instrument_name``, ``method`` (the call that placed it, or the one in flight) and
        ``after_disconnect``: ``"cancelled by the exchange"`` (connection-scope
        cancel-on-disconnect was on, as this session set it), ``"still live"`` (it was off; an
        account-scope default set elsewhere is not known here), or ``"unknown"`` (an order call
        in flight at the loss: what it placed or changed; ``order_id`` None for a placing one).
        No order of it is counted afterwards: the next connection places its own."""
        report = []
        for order_id, entry in self.open.items():
            meant = CANCELLED if cancel_on_disconnect else UNKNOWN if order_id in self.touched else STILL_LIVE
            report.append(entry | {"after_disconnect": meant})
        report += self.unknown
        self.open, self.touched, self.unknown = {}, set(), []
        return report


def _entry(method: str, order_id: str | None, source: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "label": text_param(source, "label"),
        "instrument_name": text_param(source, "instrument_name"),
        "method": method,
    }
