from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .._core.spec.models import (
    expect_bool,
    expect_int,
    expect_object,
    field_error,
    model_repr,
)
from ..models.json_rpc_version import JsonRpcVersion, check_json_rpc_version
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.order import Order


T = TypeVar("T", bound="OrdersResponse")


@_attrs_define(repr=False)
class OrdersResponse:
    """The answer of `private/get_open_orders_by_currency`.

    Attributes:
        jsonrpc (JsonRpcVersion):
        result (list[Order]):
        id (int | str | Unset): The request id (an integer or a string, echoed); absent over HTTP GET.
        testnet (bool | Unset): Whether the answer comes from the test network.
        us_in (int | Unset): The moment the request was received, in microseconds since the epoch.
        us_out (int | Unset): The moment the answer was sent, in microseconds since the epoch.
        us_diff (int | Unset): The server's processing time in microseconds.
    """

    __test__ = False  # not a test class, whatever its name, when a user's test module imports it

    jsonrpc: JsonRpcVersion
    result: list[Order]
    id: int | str | Unset = UNSET
    testnet: bool | Unset = UNSET
    us_in: int | Unset = UNSET
    us_out: int | Unset = UNSET
    us_diff: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        jsonrpc: str = self.jsonrpc

        result = []
        for result_item_data in self.result:
            result_item = result_item_data.to_dict()
            result.append(result_item)

        id: int | str | Unset
        if isinstance(self.id, Unset):
            id = UNSET
        else:
            id = self.id

        testnet = self.testnet

        us_in = self.us_in

        us_out = self.us_out

        us_diff = self.us_diff

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "jsonrpc": jsonrpc,
                "result": result,
            }
        )
        if id is not UNSET:
            field_dict["id"] = id
        if testnet is not UNSET:
            field_dict["testnet"] = testnet
        if us_in is not UNSET:
            field_dict["usIn"] = us_in
        if us_out is not UNSET:
            field_dict["usOut"] = us_out
        if us_diff is not UNSET:
            field_dict["usDiff"] = us_diff

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.order import Order  # noqa: PLC0415

        d = expect_object(src_dict)
        _jsonrpc = d.pop("jsonrpc")
        try:
            jsonrpc = check_json_rpc_version(_jsonrpc)

        except (KeyError, TypeError, ValueError) as exc:
            raise field_error("jsonrpc", exc) from None

        _result = d.pop("result")
        try:
            result = []
            _result = _result
            for result_item_data in _result:
                result_item = Order.from_dict(result_item_data)

                result.append(result_item)

        except (KeyError, TypeError, ValueError) as exc:
            raise field_error("result", exc) from None

        _id = d.pop("id", UNSET)
        try:

            def _parse_id(data: object) -> int | str | Unset:
                if isinstance(data, Unset):
                    return data
                return cast(int | str | Unset, data)

            id = _parse_id(_id)

        except (KeyError, TypeError, ValueError) as exc:
            raise field_error("id", exc) from None

        testnet = expect_bool(d.pop("testnet", UNSET), "testnet")

        us_in = expect_int(d.pop("usIn", UNSET), "usIn")

        us_out = expect_int(d.pop("usOut", UNSET), "usOut")

        us_diff = expect_int(d.pop("usDiff", UNSET), "usDiff")

        orders_response = cls(
            jsonrpc=jsonrpc,
            result=result,
            id=id,
            testnet=testnet,
            us_in=us_in,
            us_out=us_out,
            us_diff=us_diff,
        )

        orders_response.additional_properties = d
        return orders_response

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
