"""The mock exchange's orders: one book per account, apart from any transport.

Orders rest and live per account. A limit buy below its instrument's mark (a sell above it)
rests ``open``; one that crosses fills at the mark at once (``filled``), unless it is
``post_only``: then it is moved to rest one tick from the mark, or refused with 11054
``post_only_reject`` when ``reject_post_only`` is set. A market order fills at the mark. An
``immediate_or_cancel`` or ``fill_or_kill`` order that does not fill at once is cancelled at once
(the mock fills whole or not at all).
Every order remembers the WebSocket connection that placed it (None over HTTP), so that
cancel-on-disconnect cancels exactly that connection's open orders
(:meth:`Book.cancel_connection`). Listeners hear every change (``user.orders`` channels).

Choices where the exchange's behaviour is not known (docs/exchange.md): the instrument set
and marks, the tick a post-only order is moved by, and 10004 for an unknown instrument.
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["INSTRUMENTS", "Book", "BookError", "Order"]


@dataclass(frozen=True)
class Instrument:
    currency: str
    mark: float
    tick: float


#: The instruments the mock trades, with their default marks (``POST /_mock/marks`` sets them).
INSTRUMENTS: Mapping[str, Instrument] = {
    "BTC-PERPETUAL": Instrument("BTC", 60_000.0, 0.5),
    "ETH-PERPETUAL": Instrument("ETH", 3_000.0, 0.05),
}


class BookError(Exception):
    """An order call the exchange refuses: its JSON-RPC error."""

    def __init__(self, code: int, message: str, data: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.data = code, message, data


def _not_found(order_id: str) -> BookError:
    return BookError(10004, "order_not_found", {"order_id": order_id})


@dataclass
class Order:
    order_id: str
    account: str
    #: The WebSocket connection that placed it; None over HTTP.
    connection_id: int | None
    instrument_name: str
    direction: str
    order_type: str
    amount: float
    price: float
    label: str
    post_only: bool
    reject_post_only: bool
    time_in_force: str
    order_state: str = "open"
    filled_amount: float = 0.0
    average_price: float = 0.0
    cancel_reason: str | None = None
    creation_timestamp: int = field(default_factory=lambda: time.time_ns() // 1_000_000)
    last_update_timestamp: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The order as the exchange answers it."""
        shown: dict[str, Any] = {
            "order_id": self.order_id,
            "order_state": self.order_state,
            "order_type": self.order_type,
            "direction": self.direction,
            "instrument_name": self.instrument_name,
            "price": self.price,
            "amount": self.amount,
            "filled_amount": self.filled_amount,
            "average_price": self.average_price,
            "label": self.label,
            "post_only": self.post_only,
            "time_in_force": self.time_in_force,
            "api": True,
            "creation_timestamp": self.creation_timestamp,
            "last_update_timestamp": self.last_update_timestamp or self.creation_timestamp,
        }
        if self.post_only:
            shown["reject_post_only"] = self.reject_post_only
        if self.cancel_reason is not None:
            shown["cancel_reason"] = self.cancel_reason
        return shown

    def describe(self) -> dict[str, Any]:
        """The order with the connection that placed it (``GET /_mock/orders``)."""
        return {**self.to_dict(), "account": self.account, "connection": self.connection_id}


class Book:
    """Every account's orders (one lock: controls and both faces share it)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.orders: dict[str, Order] = {}
        self.marks = {name: instrument.mark for name, instrument in INSTRUMENTS.items()}
        self._ids = itertools.count(1)
        #: Called with each order that changed (placed, filled, edited, cancelled), outside the lock.
        self.listeners: list[Callable[[Order], None]] = []

    def reset(self) -> None:
        with self.lock:
            self.orders.clear()
            self.marks = {name: instrument.mark for name, instrument in INSTRUMENTS.items()}

    def set_marks(self, marks: Mapping[str, Any]) -> None:
        """ValueError naming an unknown instrument or a mark that is not a positive number."""
        for name, mark in marks.items():
            if name not in INSTRUMENTS:
                raise ValueError(f"unknown instrument {name!r}: the mock trades {', '.join(INSTRUMENTS)}")
            if isinstance(mark, bool) or not isinstance(mark, (int, float)) or not 0 < mark < 1e12:
                raise ValueError(f"the mark of {name} must be a positive number")
        with self.lock:
            self.marks.update({name: float(mark) for name, mark in marks.items()})

    def snapshot(self) -> list[dict[str, Any]]:
        with self.lock:
            return [order.describe() for order in self.orders.values()]

    # -- the methods -------------------------------------------------------------------------

    def place(self, account: str, connection_id: int | None, direction: str, params: Any) -> dict[str, Any]:
        """``private/buy`` or ``private/sell`` (``params``: the generated params model)."""
        name = params.instrument_name
        if name not in INSTRUMENTS:
            raise BookError(10004, "instrument_not_found", {"instrument_name": name})
        kind = str(getattr(params.type, "value", params.type) or "limit")
        if kind == "limit" and params.price is None:
            raise BookError(-32602, "Invalid params", {"param": "price", "reason": "a limit order needs a price"})
        tif = str(getattr(params.time_in_force, "value", params.time_in_force) or "good_til_cancelled")
        with self.lock:
            order = Order(
                order_id=f"{INSTRUMENTS[name].currency}-{next(self._ids)}",
                account=account,
                connection_id=connection_id,
                instrument_name=name,
                direction=direction,
                order_type=kind,
                amount=float(params.amount),
                price=float(params.price) if params.price is not None else self.marks[name],
                label=params.label or "",
                post_only=bool(params.post_only),
                reject_post_only=bool(params.reject_post_only),
                time_in_force=tif,
            )
            trades = self._match(order)
            if order.order_state == "open" and tif in ("immediate_or_cancel", "fill_or_kill"):
                self._cancel(order, "immediate_or_cancel" if tif == "immediate_or_cancel" else "fill_or_kill")
            self.orders[order.order_id] = order
        self._changed(order)
        return {"order": order.to_dict(), "trades": trades}

    def edit(self, account: str, params: Any) -> dict[str, Any]:
        with self.lock:
            # on a copy: an edit refused (11054) leaves the order as it was
            order = dataclasses.replace(self._open(account, params.order_id), amount=float(params.amount))
            if params.price is not None:
                order.price = float(params.price)
            if params.post_only is not None:
                order.post_only = bool(params.post_only)
            order.last_update_timestamp = time.time_ns() // 1_000_000
            trades = self._match(order)
            self.orders[order.order_id] = order
        self._changed(order)
        return {"order": order.to_dict(), "trades": trades}

    def cancel(self, account: str, order_id: str) -> dict[str, Any]:
        with self.lock:
            order = self._open(account, order_id)
            self._cancel(order, "user_request")
        self._changed(order)
        return order.to_dict()

    def cancel_where(self, account: str, label: str | None = None) -> int:
        """``private/cancel_all`` (``label`` None) or ``private/cancel_by_label``: how many."""
        with self.lock:
            hit = [
                o
                for o in self.orders.values()
                if o.account == account and o.order_state == "open" and (label is None or o.label == label)
            ]
            for order in hit:
                self._cancel(order, "user_request")
        for order in hit:
            self._changed(order)
        return len(hit)

    def open_orders(self, account: str, currency: str) -> list[dict[str, Any]]:
        with self.lock:
            return [
                o.to_dict()
                for o in self.orders.values()
                if o.account == account
                and o.order_state == "open"
                and INSTRUMENTS[o.instrument_name].currency == currency
            ]

    def state(self, account: str, order_id: str) -> dict[str, Any]:
        with self.lock:
            order = self.orders.get(order_id)
            if order is None or order.account != account:
                raise _not_found(order_id)
            return order.to_dict()

    def cancel_connection(self, connection_id: int) -> list[Order]:
        """Cancel-on-disconnect: every open order the connection placed, cancelled."""
        with self.lock:
            hit = [o for o in self.orders.values() if o.connection_id == connection_id and o.order_state == "open"]
            for order in hit:
                self._cancel(order, "cancel_on_disconnect")
        for order in hit:
            self._changed(order)
        return hit

    # -- rules -------------------------------------------------------------------------------

    def _open(self, account: str, order_id: str) -> Order:
        order = self.orders.get(order_id)
        if order is None or order.account != account:
            raise _not_found(order_id)
        if order.order_state != "open":
            raise BookError(11044, "not_open_order", {"order_id": order_id, "order_state": order.order_state})
        return order

    def _cancel(self, order: Order, reason: str) -> None:
        order.order_state, order.cancel_reason = "cancelled", reason
        order.last_update_timestamp = time.time_ns() // 1_000_000

    def _match(self, order: Order) -> list[dict[str, Any]]:
        """Fills ``order`` at the mark when it crosses it (a market order always does)."""
        mark = self.marks[order.instrument_name]
        buy = order.direction == "buy"
        crosses = order.order_type == "market" or (order.price >= mark if buy else order.price <= mark)
        if not crosses:
            return []
        if order.post_only and order.order_type == "limit":
            if order.reject_post_only:
                raise BookError(11054, "post_only_reject", {"price": order.price, "mark": mark})
            tick = INSTRUMENTS[order.instrument_name].tick
            if buy and mark <= tick:  # (nowhere below the mark to rest)
                raise BookError(11054, "post_only_reject", {"price": order.price, "mark": mark})
            order.price = mark - tick if buy else mark + tick  # moved beside the best price: it rests
            return []
        if order.order_type == "market":
            order.price = mark
        order.order_state, order.filled_amount, order.average_price = "filled", order.amount, mark
        now = time.time_ns() // 1_000_000
        order.last_update_timestamp = now
        trade = {
            "trade_id": f"{order.order_id}-T",
            "instrument_name": order.instrument_name,
            "order_id": order.order_id,
            "direction": order.direction,
            "price": mark,
            "amount": order.amount,
            "timestamp": now,
        }
        return [trade]

    def _changed(self, order: Order) -> None:
        for listener in list(self.listeners):
            listener(order)
