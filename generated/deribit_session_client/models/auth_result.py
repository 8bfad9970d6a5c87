from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .._core.spec.models import (
    expect_int,
    expect_object,
    expect_str,
    field_error,
    model_repr,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="AuthResult")


@_attrs_define(repr=False)
class AuthResult:
    """
    Attributes:
        access_token (str): The token for private calls. A secret.
        token_type (str): Always `bearer`.
        expires_in (int): Seconds until the access token expires (the mock reports its scaled lifetime).
        refresh_token (str): Gets a new pair with `grant_type=refresh_token`. A secret.
        scope (str): The granted scopes (the server may narrow what was asked).
        enabled_features (list[str] | Unset): Features enabled for the API key.
        sid (str | Unset): The session id, for `session:NAME` scope.
        state (str | Unset): The `state` of the request, echoed.
    """

    __test__ = False  # not a test class, whatever its name, when a user's test module imports it

    access_token: str
    token_type: str
    expires_in: int
    refresh_token: str
    scope: str
    enabled_features: list[str] | Unset = UNSET
    sid: str | Unset = UNSET
    state: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        access_token = self.access_token

        token_type = self.token_type

        expires_in = self.expires_in

        refresh_token = self.refresh_token

        scope = self.scope

        enabled_features: list[str] | Unset = UNSET
        if not isinstance(self.enabled_features, Unset):
            enabled_features = self.enabled_features

        sid = self.sid

        state = self.state

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "access_token": access_token,
                "token_type": token_type,
                "expires_in": expires_in,
                "refresh_token": refresh_token,
                "scope": scope,
            }
        )
        if enabled_features is not UNSET:
            field_dict["enabled_features"] = enabled_features
        if sid is not UNSET:
            field_dict["sid"] = sid
        if state is not UNSET:
            field_dict["state"] = state

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = expect_object(src_dict)
        access_token = expect_str(d.pop("access_token"), "access_token")

        token_type = expect_str(d.pop("token_type"), "token_type")

        expires_in = expect_int(d.pop("expires_in"), "expires_in")

        refresh_token = expect_str(d.pop("refresh_token"), "refresh_token")

        scope = expect_str(d.pop("scope"), "scope")

        _enabled_features = d.pop("enabled_features", UNSET)
        try:
            enabled_features = cast(list[str], _enabled_features)

        except (KeyError, TypeError, ValueError) as exc:
            raise field_error("enabled_features", exc) from None

        sid = expect_str(d.pop("sid", UNSET), "sid")

        state = expect_str(d.pop("state", UNSET), "state")

        auth_result = cls(
            access_token=access_token,
            token_type=token_type,
            expires_in=expires_in,
            refresh_token=refresh_token,
            scope=scope,
            enabled_features=enabled_features,
            sid=sid,
            state=state,
        )

        auth_result.additional_properties = d
        return auth_result

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
