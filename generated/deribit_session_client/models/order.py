from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .._core.spec.models import (
    expect_bool,
    expect_float,
    expect_int,
    expect_object,
    expect_str,
    field_error,
    model_repr,
)
from ..models.order_direction import OrderDirection, check_order_direction
from ..models.order_order_state import OrderOrderState, check_order_order_state
from ..types import UNSET, Unset

T = TypeVar("T", bound="Order")


@_attrs_define(repr=False)
class Order:
    """An order as the exchange keeps it. The exchange sends more fields (`api`,
    `reduce_only`, `web`, `mmp`, ...); they are kept as extra properties.

        Attributes:
            order_id (str): The order's id, such as `BTC-12345`.
            order_state (OrderOrderState):
            order_type (str): `limit`, `market` (or another of the exchange's types).
            direction (OrderDirection):
            instrument_name (str):
            amount (float):
            filled_amount (float):
            creation_timestamp (int): Milliseconds since the epoch.
            last_update_timestamp (int): Milliseconds since the epoch.
            price (float | str | Unset): The limit price; the exchange answers the string `market_price` for a market order
                (unverified; the mock answers the mark it filled at).
            average_price (float | Unset): The average price of its fills (0 when none).
            label (str | Unset): The caller's label ("" when none was given).
            post_only (bool | Unset):
            reject_post_only (bool | Unset):
            time_in_force (str | Unset):
            cancel_reason (str | Unset): Why a cancelled order was cancelled (`user_request`, `cancel_on_disconnect`,
                `autoliquidation`, ...).
    """

    __test__ = False  # not a test class, whatever its name, when a user's test module imports it

    order_id: str
    order_state: OrderOrderState
    order_type: str
    direction: OrderDirection
    instrument_name: str
    amount: float
    filled_amount: float
    creation_timestamp: int
    last_update_timestamp: int
    price: float | str | Unset = UNSET
    average_price: float | Unset = UNSET
    label: str | Unset = UNSET
    post_only: bool | Unset = UNSET
    reject_post_only: bool | Unset = UNSET
    time_in_force: str | Unset = UNSET
    cancel_reason: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        order_id = self.order_id

        order_state: str = self.order_state

        order_type = self.order_type

        direction: str = self.direction

        instrument_name = self.instrument_name

        amount = self.amount

        filled_amount = self.filled_amount

        creation_timestamp = self.creation_timestamp

        last_update_timestamp = self.last_update_timestamp

        price: float | str | Unset
        if isinstance(self.price, Unset):
            price = UNSET
        else:
            price = self.price

        average_price = self.average_price

        label = self.label

        post_only = self.post_only

        reject_post_only = self.reject_post_only

        time_in_force = self.time_in_force

        cancel_reason = self.cancel_reason

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "order_id": order_id,
                "order_state": order_state,
                "order_type": order_type,
                "direction": direction,
                "instrument_name": instrument_name,
                "amount": amount,
                "filled_amount": filled_amount,
                "creation_timestamp": creation_timestamp,
                "last_update_timestamp": last_update_timestamp,
            }
        )
        if price is not UNSET:
            field_dict["price"] = price
        if average_price is not UNSET:
            field_dict["average_price"] = average_price
        if label is not UNSET:
            field_dict["label"] = label
        if post_only is not UNSET:
            field_dict["post_only"] = post_only
        if reject_post_only is not UNSET:
            field_dict["reject_post_only"] = reject_post_only
        if time_in_force is not UNSET:
            field_dict["time_in_force"] = time_in_force
        if cancel_reason is not UNSET:
            field_dict["cancel_reason"] = cancel_reason

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = expect_object(src_dict)
        order_id = expect_str(d.pop("order_id"), "order_id")

        _order_state = d.pop("order_state")
        try:
            order_state = check_order_order_state(_order_state)

        except (KeyError, TypeError, ValueError) as exc:
            raise field_error("order_state", exc) from None

        order_type = expect_str(d.pop("order_type"), "order_type")

        _direction = d.pop("direction")
        try:
            direction = check_order_direction(_direction)

        except (KeyError, TypeError, ValueError) as exc:
            raise field_error("direction", exc) from None

        instrument_name = expect_str(d.pop("instrument_name"), "instrument_name")

        amount = expect_float(d.pop("amount"), "amount")

        filled_amount = expect_float(d.pop("filled_amount"), "filled_amount")

        creation_timestamp = expect_int(d.pop("creation_timestamp"), "creation_timestamp")

        last_update_timestamp = expect_int(d.pop("last_update_timestamp"), "last_update_timestamp")

        _price = d.pop("price", UNSET)
        try:

            def _parse_price(data: object) -> float | str | Unset:
                if isinstance(data, Unset):
                    return data
                return cast(float | str | Unset, data)

            price = _parse_price(_price)

        except (KeyError, TypeError, ValueError) as exc:
            raise field_error("price", exc) from None

        average_price = expect_float(d.pop("average_price", UNSET), "average_price")

        label = expect_str(d.pop("label", UNSET), "label")

        post_only = expect_bool(d.pop("post_only", UNSET), "post_only")

        reject_post_only = expect_bool(d.pop("reject_post_only", UNSET), "reject_post_only")

        time_in_force = expect_str(d.pop("time_in_force", UNSET), "time_in_force")

        cancel_reason = expect_str(d.pop("cancel_reason", UNSET), "cancel_reason")

        order = cls(
            order_id=order_id,
            order_state=order_state,
            order_type=order_type,
            direction=direction,
            instrument_name=instrument_name,
            amount=amount,
            filled_amount=filled_amount,
            creation_timestamp=creation_timestamp,
            last_update_timestamp=last_update_timestamp,
            price=price,
            average_price=average_price,
            label=label,
            post_only=post_only,
            reject_post_only=reject_post_only,
            time_in_force=time_in_force,
            cancel_reason=cancel_reason,
        )

        order.additional_properties = d
        return order

    __repr__ = model_repr

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
