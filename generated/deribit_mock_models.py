# Generated from openapi.yaml by datamodel-code-generator (make generate). Do not edit.

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class AuthResult(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    access_token: Annotated[SecretStr, Field(description="The token for private calls. A secret.")]
    token_type: Annotated[str, Field(description="Always `bearer`.")]
    expires_in: Annotated[
        int, Field(description="Seconds until the access token expires (the mock reports its scaled lifetime).")
    ]
    refresh_token: Annotated[SecretStr, Field(description="Gets a new pair with `grant_type=refresh_token`. A secret.")]
    scope: Annotated[str, Field(description="The granted scopes (the server may narrow what was asked).")]
    enabled_features: Annotated[list[str] | None, Field(description="Features enabled for the API key.")] = None
    sid: Annotated[str | None, Field(description="The session id, for `session:NAME` scope.")] = None
    state: Annotated[str | None, Field(description="The `state` of the request, echoed.")] = None


class Envelope(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    jsonrpc: Literal["2.0"]
    id: Annotated[
        int | str | None, Field(description="The request id (an integer or a string, echoed); absent over HTTP GET.")
    ] = None
    testnet: Annotated[bool | None, Field(description="Whether the answer comes from the test network.")] = None
    usIn: Annotated[
        int | None, Field(description="The moment the request was received, in microseconds since the epoch.")
    ] = None
    usOut: Annotated[
        int | None, Field(description="The moment the answer was sent, in microseconds since the epoch.")
    ] = None
    usDiff: Annotated[int | None, Field(description="The server's processing time in microseconds.")] = None


class ChannelsResponse(Envelope):
    model_config = ConfigDict(
        extra="allow",
    )
    result: list[str]


class Params(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    channel: str
    data: Annotated[Any, Field(description="The channel's payload (its shape depends on the channel).")]


class SubscriptionNotification(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    jsonrpc: Literal["2.0"]
    method: Literal["subscription"]
    params: Params


class OkResponse(Envelope):
    model_config = ConfigDict(
        extra="allow",
    )
    result: Annotated[Literal["ok"], Field(description="The result of a method that only acknowledges.")]


class CancelOnDisconnectState(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    scope: Annotated[
        Literal["connection", "account"], Field(description="Where a Cancel On Disconnect setting applies.")
    ]
    enabled: Annotated[bool, Field(description="Whether Cancel On Disconnect is on for this scope.")]


class CancelOnDisconnectResponse(Envelope):
    model_config = ConfigDict(
        extra="allow",
    )
    result: CancelOnDisconnectState


class TestResult(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    version: Annotated[str, Field(description="The API server's version.", examples=["1.2.26"])]


class TestResponse(Envelope):
    model_config = ConfigDict(
        extra="allow",
    )
    result: TestResult


class ErrorDetail(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    code: Annotated[int, Field(description="The JSON-RPC or Deribit error code.")]
    message: Annotated[str, Field(description="A short error message, such as `Invalid params`.")]
    data: Annotated[
        Any | None, Field(description="Free-form details; for -32602 an object with `param` and `reason`.\n")
    ] = None


class ErrorResponse(Envelope):
    model_config = ConfigDict(
        extra="allow",
    )
    error: ErrorDetail


class Order(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    order_id: Annotated[str, Field(description="The order's id, such as `BTC-12345`.")]
    order_state: Literal["open", "filled", "rejected", "cancelled", "untriggered"]
    order_type: Annotated[str, Field(description="`limit`, `market` (or another of the exchange's types).")]
    direction: Literal["buy", "sell"]
    instrument_name: str
    price: Annotated[
        float | str | None,
        Field(
            description="The limit price; the exchange answers the string `market_price` for a market order (unverified; the mock answers the mark it filled at)."
        ),
    ] = None
    amount: float
    filled_amount: float
    average_price: Annotated[float | None, Field(description="The average price of its fills (0 when none).")] = None
    label: Annotated[str | None, Field(description='The caller\'s label ("" when none was given).')] = None
    post_only: bool | None = None
    reject_post_only: bool | None = None
    time_in_force: str | None = None
    cancel_reason: Annotated[
        str | None,
        Field(
            description="Why a cancelled order was cancelled (`user_request`, `cancel_on_disconnect`, `autoliquidation`, ...)."
        ),
    ] = None
    creation_timestamp: Annotated[int, Field(description="Milliseconds since the epoch.")]
    last_update_timestamp: Annotated[int, Field(description="Milliseconds since the epoch.")]


class Trade(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    trade_id: str
    instrument_name: str
    order_id: str
    direction: Literal["buy", "sell"]
    price: float
    amount: float
    timestamp: int


class OrderPlacement(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    order: Order
    trades: list[Trade]


class OrderPlacedResponse(Envelope):
    model_config = ConfigDict(
        extra="allow",
    )
    result: OrderPlacement


class OrderResponse(Envelope):
    model_config = ConfigDict(
        extra="allow",
    )
    result: Order


class OrdersResponse(Envelope):
    model_config = ConfigDict(
        extra="allow",
    )
    result: list[Order]


class CountResponse(Envelope):
    model_config = ConfigDict(
        extra="allow",
    )
    result: Annotated[int, Field(ge=0)]


class PublicAuthGetParametersQuery(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    grant_type: Annotated[
        Literal["client_credentials", "client_signature", "refresh_token"],
        Field(description="How `public/auth` authenticates."),
    ]
    client_id: str | None = None
    client_secret: SecretStr | None = None
    refresh_token: SecretStr | None = None
    timestamp: int | None = None
    signature: SecretStr | None = None
    nonce: str | None = None
    data: str | None = None
    state: str | None = None
    scope: str | None = None


class PrivateLogoutGetParametersQuery(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    invalidate_token: bool | None = True


class PublicSetHeartbeatGetParametersQuery(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    interval: Annotated[float, Field(description="The heartbeat interval in seconds, but not less than 10", ge=10.0)]


class PrivateEnableCancelOnDisconnectGetParametersQuery(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    scope: Annotated[
        Literal["connection", "account"] | None, Field(description="Where a Cancel On Disconnect setting applies.")
    ] = "connection"


class PrivateDisableCancelOnDisconnectGetParametersQuery(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    scope: Annotated[
        Literal["connection", "account"] | None, Field(description="Where a Cancel On Disconnect setting applies.")
    ] = "connection"


class PrivateGetCancelOnDisconnectGetParametersQuery(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    scope: Annotated[
        Literal["connection", "account"] | None, Field(description="Where a Cancel On Disconnect setting applies.")
    ] = "connection"


class PublicTestGetParametersQuery(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    expected_result: Annotated[
        Literal["exception"] | None, Field(description="Makes `public/test` answer with an error.")
    ] = None


class PublicSubscribeGetParametersQuery(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    channels: Annotated[list[str], Field(min_length=1)]


class PublicUnsubscribeGetParametersQuery(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    channels: Annotated[list[str], Field(min_length=1)]


class PrivateSubscribeGetParametersQuery(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    channels: Annotated[list[str], Field(min_length=1)]


class PrivateUnsubscribeGetParametersQuery(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    channels: Annotated[list[str], Field(min_length=1)]


class PrivateBuyGetParametersQuery(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    instrument_name: Annotated[str, Field(min_length=1)]
    amount: Annotated[float, Field(gt=0.0)]
    type: Annotated[
        Literal["limit", "market"] | None,
        Field(description="An order's type (the exchange has more, such as `stop_limit`, that this spec leaves out)."),
    ] = None
    price: Annotated[float | None, Field(gt=0.0)] = None
    label: Annotated[str | None, Field(max_length=64)] = None
    time_in_force: Annotated[
        Literal["good_til_cancelled", "good_til_day", "fill_or_kill", "immediate_or_cancel"] | None,
        Field(description="How long an order rests; `good_til_cancelled` by default."),
    ] = None
    post_only: bool | None = None
    reject_post_only: bool | None = None


class PrivateSellGetParametersQuery(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    instrument_name: Annotated[str, Field(min_length=1)]
    amount: Annotated[float, Field(gt=0.0)]
    type: Annotated[
        Literal["limit", "market"] | None,
        Field(description="An order's type (the exchange has more, such as `stop_limit`, that this spec leaves out)."),
    ] = None
    price: Annotated[float | None, Field(gt=0.0)] = None
    label: Annotated[str | None, Field(max_length=64)] = None
    time_in_force: Annotated[
        Literal["good_til_cancelled", "good_til_day", "fill_or_kill", "immediate_or_cancel"] | None,
        Field(description="How long an order rests; `good_til_cancelled` by default."),
    ] = None
    post_only: bool | None = None
    reject_post_only: bool | None = None


class PrivateEditGetParametersQuery(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    order_id: Annotated[str, Field(min_length=1)]
    amount: Annotated[float, Field(gt=0.0)]
    price: Annotated[float | None, Field(gt=0.0)] = None
    post_only: bool | None = None


class PrivateCancelGetParametersQuery(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    order_id: Annotated[str, Field(min_length=1)]


class PrivateCancelByLabelGetParametersQuery(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    label: Annotated[str, Field(max_length=64, min_length=1)]


class PrivateGetOpenOrdersByCurrencyGetParametersQuery(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    currency: Literal["BTC", "ETH", "USDC", "USDT"]


class PrivateGetOrderStateGetParametersQuery(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    order_id: Annotated[str, Field(min_length=1)]


class AuthResponse(Envelope):
    model_config = ConfigDict(
        extra="allow",
    )
    result: AuthResult


#: Each spec method's example result (its 200 answer's example in the spec): what the mock
#: answers, marked as such, for a method it has no handler for (scripts/derive_examples.py).
EXAMPLES: dict[str, object] = {
    "public/auth": {
        "access_token": "1582628593469.1MbQ-J_4.CBP-OqOwm_FBdMYj4cRK2dMXyHPfBtXGpzLxhWg31nHu3H_Q60FpE5_vqUBEQGSiMrIGzw3nC37NMb9d1tpBNqBOM_Ql9pXOmgtV9Yj3Pq1c6BqC6dU6eTxHMFO67x8GpJxqw_QcKP5IepwGBD-gfKSHfAv9AEnLJkNu3JkMJBdLToY1lrBnuedF3dU_uARm",
        "expires_in": 31536000,
        "refresh_token": "1582628593469.1GP4rQd0.A9Wa78o5kFRIUP49mScaD1CqHgiK50HOl2VA6kCtWa8_Q_yOPu4H7V0zZgKsyaJgJ-P4Q-YYZQ0O0mFxy6WFTIkMDR3-2JY7r7ZHE8YxqrVAL7LJqMw_ByRUhzZpjT3tVRnPmVq6YZ6Pr7sC-DJgyfrV8tRrSsCE1WuUuNY6Lqww1-gLPhR9GyNS3IFGdHnUwlmJgyKLgGgk",
        "scope": "connection mainaccount",
        "enabled_features": [],
        "token_type": "bearer",
    },
    "private/logout": "ok",
    "public/set_heartbeat": "ok",
    "public/disable_heartbeat": "ok",
    "private/enable_cancel_on_disconnect": "ok",
    "private/disable_cancel_on_disconnect": "ok",
    "private/get_cancel_on_disconnect": {"scope": "account", "enabled": False},
    "public/test": {"version": "1.2.26"},
    "public/subscribe": ["ticker.BTC-PERPETUAL.100ms"],
    "public/unsubscribe": ["ticker.BTC-PERPETUAL.100ms"],
    "public/unsubscribe_all": "ok",
    "private/subscribe": ["ticker.BTC-PERPETUAL.100ms"],
    "private/unsubscribe": ["ticker.BTC-PERPETUAL.100ms"],
    "private/unsubscribe_all": "ok",
    "private/buy": {
        "order": {
            "order_id": "BTC-1",
            "order_state": "open",
            "order_type": "limit",
            "direction": "buy",
            "instrument_name": "BTC-PERPETUAL",
            "price": 30000,
            "amount": 10,
            "filled_amount": 0,
            "label": "my-bot-1",
            "post_only": True,
            "time_in_force": "good_til_cancelled",
            "creation_timestamp": 1535043730126,
            "last_update_timestamp": 1535043730126,
        },
        "trades": [],
    },
    "private/sell": {
        "order": {
            "order_id": "BTC-1",
            "order_state": "open",
            "order_type": "limit",
            "direction": "buy",
            "instrument_name": "BTC-PERPETUAL",
            "price": 30000,
            "amount": 10,
            "filled_amount": 0,
            "label": "my-bot-1",
            "post_only": True,
            "time_in_force": "good_til_cancelled",
            "creation_timestamp": 1535043730126,
            "last_update_timestamp": 1535043730126,
        },
        "trades": [],
    },
    "private/edit": {
        "order": {
            "order_id": "BTC-1",
            "order_state": "open",
            "order_type": "limit",
            "direction": "buy",
            "instrument_name": "BTC-PERPETUAL",
            "price": 30000,
            "amount": 10,
            "filled_amount": 0,
            "label": "my-bot-1",
            "post_only": True,
            "time_in_force": "good_til_cancelled",
            "creation_timestamp": 1535043730126,
            "last_update_timestamp": 1535043730126,
        },
        "trades": [],
    },
    "private/cancel": {
        "order_id": "BTC-1",
        "order_state": "cancelled",
        "order_type": "limit",
        "direction": "buy",
        "instrument_name": "BTC-PERPETUAL",
        "price": 30000,
        "amount": 10,
        "filled_amount": 0,
        "label": "my-bot-1",
        "cancel_reason": "user_request",
        "creation_timestamp": 1535043730126,
        "last_update_timestamp": 1535043731126,
    },
    "private/cancel_all": 2,
    "private/cancel_by_label": 2,
    "private/get_open_orders_by_currency": [],
    "private/get_order_state": {
        "order_id": "BTC-1",
        "order_state": "cancelled",
        "order_type": "limit",
        "direction": "buy",
        "instrument_name": "BTC-PERPETUAL",
        "price": 30000,
        "amount": 10,
        "filled_amount": 0,
        "label": "my-bot-1",
        "cancel_reason": "user_request",
        "creation_timestamp": 1535043730126,
        "last_update_timestamp": 1535043731126,
    },
}
