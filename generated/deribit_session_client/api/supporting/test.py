from typing import Any

from ..._validation import check_params
from ...client import AuthenticatedClient, Client, TimeoutTypes, build_response, parse_success
from ...models.error_response import ErrorResponse
from ...models.expected_result import ExpectedResult
from ...models.test_response import TestResponse
from ...types import UNSET, Response, Unset

_MODELS: dict[int, type[Any]] = {
    200: TestResponse,
    400: ErrorResponse,
    429: ErrorResponse,
}


def _get_kwargs(
    *,
    expected_result: ExpectedResult | Unset = UNSET,
) -> dict[str, Any]:
    check_params(
        "test",
        {
            "expected_result": expected_result,
        },
    )

    params: dict[str, Any] = {}

    json_expected_result: str | Unset = UNSET
    if not isinstance(expected_result, Unset):
        json_expected_result = expected_result

    params["expected_result"] = json_expected_result

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/public/test",
        "params": params,
    }
    return _kwargs


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    expected_result: ExpectedResult | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
) -> Response[ErrorResponse | TestResponse]:
    """Tests the connection to the API server, and returns its version.

    Tests the connection to the API server, and returns its version. This is the answer
    to a heartbeat `test_request`. With `expected_result=exception` the server answers
    with an error instead, for testing error handling.

    Args:
        client: The client to send with.
        expected_result (ExpectedResult | Unset): Makes `public/test` answer with an error.
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).

    Returns:
        Response[ErrorResponse | TestResponse]: the raw answer, ``parsed`` as the model of its
        status (None when the body does not parse).
    """

    response = client._request_sync(
        _get_kwargs(
            expected_result=expected_result,
        ),
        timeout,
    )
    return build_response(response, _MODELS)


def sync(
    *,
    client: AuthenticatedClient | Client,
    expected_result: ExpectedResult | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
) -> TestResponse:
    """Tests the connection to the API server, and returns its version.

    Tests the connection to the API server, and returns its version. This is the answer
    to a heartbeat `test_request`. With `expected_result=exception` the server answers
    with an error instead, for testing error handling.

    Args:
        client: The client to send with.
        expected_result (ExpectedResult | Unset): Makes `public/test` answer with an error.
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIError: The server answered with a JSON-RPC error; a subclass by code or status.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is not what the spec describes.

    Returns:
        TestResponse
    """

    response = client._request_sync(
        _get_kwargs(
            expected_result=expected_result,
        ),
        timeout,
    )
    return parse_success(response, TestResponse)


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    expected_result: ExpectedResult | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
) -> Response[ErrorResponse | TestResponse]:
    """Tests the connection to the API server, and returns its version.

    Tests the connection to the API server, and returns its version. This is the answer
    to a heartbeat `test_request`. With `expected_result=exception` the server answers
    with an error instead, for testing error handling.

    Args:
        client: The client to send with.
        expected_result (ExpectedResult | Unset): Makes `public/test` answer with an error.
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).

    Returns:
        Response[ErrorResponse | TestResponse]: the raw answer, ``parsed`` as the model of its
        status (None when the body does not parse).
    """

    response = await client._request_async(
        _get_kwargs(
            expected_result=expected_result,
        ),
        timeout,
    )
    return build_response(response, _MODELS)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    expected_result: ExpectedResult | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
) -> TestResponse:
    """Tests the connection to the API server, and returns its version.

    Tests the connection to the API server, and returns its version. This is the answer
    to a heartbeat `test_request`. With `expected_result=exception` the server answers
    with an error instead, for testing error handling.

    Args:
        client: The client to send with.
        expected_result (ExpectedResult | Unset): Makes `public/test` answer with an error.
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIError: The server answered with a JSON-RPC error; a subclass by code or status.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is not what the spec describes.

    Returns:
        TestResponse
    """

    response = await client._request_async(
        _get_kwargs(
            expected_result=expected_result,
        ),
        timeout,
    )
    return parse_success(response, TestResponse)
