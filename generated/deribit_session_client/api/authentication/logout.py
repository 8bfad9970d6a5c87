from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..._operations import OPERATIONS
from ...models.error_response import ErrorResponse
from ...models.ok_response import OkResponse
from ...types import UNSET, Response, Unset

if TYPE_CHECKING:
    from ..._core.ws.client import WebSocketClient
    from ...client import AuthenticatedClient, TimeoutTypes


_OPERATION = OPERATIONS["logout"]

_MODELS: dict[int, type[Any]] = {
    200: OkResponse,
    400: ErrorResponse,
    429: ErrorResponse,
}


def sync_detailed(
    *,
    client: AuthenticatedClient | WebSocketClient,
    invalidate_token: bool | Unset = True,
    timeout: TimeoutTypes | Unset = UNSET,
) -> Response[ErrorResponse | OkResponse]:
    """Gracefully close the WebSocket connection; cancel-on-disconnect does not fire.

    Closes the WebSocket connection without an answer, and by default invalidates the
    connection's tokens. Unlike any other way a connection ends, cancel-on-disconnect is
    **not** triggered.

    Real exchange: WebSocket only; over HTTP it answers error 10030
    `must_be_websocket_request` (the mock does the same in every mode). Over WebSocket
    there is no answer: the server closes the connection.

    Args:
        client: The client to send with.
        invalidate_token (bool | Unset):  Default: True.
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is too large or cannot be decoded.

    Returns:
        Response[ErrorResponse | OkResponse]: the raw answer, ``parsed`` as the model of its
        status (None when the body does not parse).
    """

    return client._detailed_sync(
        _OPERATION,
        {
            "invalidate_token": invalidate_token,
        },
        _MODELS,
        timeout,
    )


def sync(
    *,
    client: AuthenticatedClient | WebSocketClient,
    invalidate_token: bool | Unset = True,
    timeout: TimeoutTypes | Unset = UNSET,
) -> OkResponse:
    """Gracefully close the WebSocket connection; cancel-on-disconnect does not fire.

    Closes the WebSocket connection without an answer, and by default invalidates the
    connection's tokens. Unlike any other way a connection ends, cancel-on-disconnect is
    **not** triggered.

    Real exchange: WebSocket only; over HTTP it answers error 10030
    `must_be_websocket_request` (the mock does the same in every mode). Over WebSocket
    there is no answer: the server closes the connection.

    Args:
        client: The client to send with.
        invalidate_token (bool | Unset):  Default: True.
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIError: The server answered with a JSON-RPC error; a subclass by code or status.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is not what the spec describes.

    Returns:
        OkResponse
    """

    return client._call_sync(
        _OPERATION,
        {
            "invalidate_token": invalidate_token,
        },
        OkResponse,
        timeout,
    )


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | WebSocketClient,
    invalidate_token: bool | Unset = True,
    timeout: TimeoutTypes | Unset = UNSET,
) -> Response[ErrorResponse | OkResponse]:
    """Gracefully close the WebSocket connection; cancel-on-disconnect does not fire.

    Closes the WebSocket connection without an answer, and by default invalidates the
    connection's tokens. Unlike any other way a connection ends, cancel-on-disconnect is
    **not** triggered.

    Real exchange: WebSocket only; over HTTP it answers error 10030
    `must_be_websocket_request` (the mock does the same in every mode). Over WebSocket
    there is no answer: the server closes the connection.

    Args:
        client: The client to send with.
        invalidate_token (bool | Unset):  Default: True.
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is too large or cannot be decoded.

    Returns:
        Response[ErrorResponse | OkResponse]: the raw answer, ``parsed`` as the model of its
        status (None when the body does not parse).
    """

    return await client._detailed_async(
        _OPERATION,
        {
            "invalidate_token": invalidate_token,
        },
        _MODELS,
        timeout,
    )


async def asyncio(
    *,
    client: AuthenticatedClient | WebSocketClient,
    invalidate_token: bool | Unset = True,
    timeout: TimeoutTypes | Unset = UNSET,
) -> OkResponse:
    """Gracefully close the WebSocket connection; cancel-on-disconnect does not fire.

    Closes the WebSocket connection without an answer, and by default invalidates the
    connection's tokens. Unlike any other way a connection ends, cancel-on-disconnect is
    **not** triggered.

    Real exchange: WebSocket only; over HTTP it answers error 10030
    `must_be_websocket_request` (the mock does the same in every mode). Over WebSocket
    there is no answer: the server closes the connection.

    Args:
        client: The client to send with.
        invalidate_token (bool | Unset):  Default: True.
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIError: The server answered with a JSON-RPC error; a subclass by code or status.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is not what the spec describes.

    Returns:
        OkResponse
    """

    return await client._call_async(
        _OPERATION,
        {
            "invalidate_token": invalidate_token,
        },
        OkResponse,
        timeout,
    )
