# Generated from openapi.yaml by datamodel-code-generator (make generate). Do not edit.

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Envelope(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    jsonrpc: Literal["2.0"]
    id: Annotated[int | None, Field(description="The request id; absent over HTTP GET.")] = None
    testnet: Annotated[bool | None, Field(description="Whether the answer comes from the test network.")] = None
    usIn: Annotated[
        int | None, Field(description="The moment the request was received, in microseconds since the epoch.")
    ] = None
    usOut: Annotated[
        int | None, Field(description="The moment the answer was sent, in microseconds since the epoch.")
    ] = None
    usDiff: Annotated[int | None, Field(description="The server's processing time in microseconds.")] = None


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
