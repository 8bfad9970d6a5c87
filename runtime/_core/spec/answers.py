"""Reading JSON-RPC answers into models or exceptions; shared by HTTP and WebSocket."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, Self, TypeVar

from ..errors import APIError, ResponseValidationError, error_from_rpc, excerpt
from ..redact import masked_json
from ..types import Response

if TYPE_CHECKING:
    import httpx

__all__ = ["checked", "decode_json", "detailed", "rpc_error", "to_model", "typed"]


if TYPE_CHECKING:  # (a Protocol class costs ~1 ms of import time)

    class Model(Protocol):
        @classmethod
        def from_dict(cls, src_dict: Mapping[str, Any]) -> Self: ...


T = TypeVar("T", bound="Model")


def decode_json(body: bytes | str, *, status_code: int | None = None, response: httpx.Response | None = None) -> Any:
    """The JSON value of ``body``; ResponseValidationError when it is not JSON (or nests absurdly)."""
    try:
        return json.loads(body)
    except RecursionError:
        raise ResponseValidationError(
            "the JSON answer nests too deeply", response=response, status_code=status_code, body=body
        ) from None
    except ValueError:
        raise ResponseValidationError("malformed JSON", response=response, status_code=status_code, body=body) from None


def rpc_error(
    answer: Any, *, status_code: int | None = None, response: httpx.Response | None = None, method: str | None = None
) -> APIError | None:
    """The exception for an answer that carries a well-formed JSON-RPC ``error``, else None.

    ``method`` names the call; over HTTP it is read from the request's path when not given."""
    if not isinstance(answer, dict):
        return None
    error = answer.get("error")
    if not isinstance(error, dict):
        return None
    code, message = error.get("code"), error.get("message")
    if not isinstance(code, int) or isinstance(code, bool) or not isinstance(message, str):
        return None
    if method is None and response is not None:
        method = _method_of(response)
    return error_from_rpc(code, message, error.get("data"), status_code=status_code, response=response, method=method)


def _method_of(response: httpx.Response) -> str | None:
    """``public/test`` from a request to ``.../api/v2/public/test`` (the path's last two parts)."""
    try:
        path = response.request.url.path
    except RuntimeError:  # a response built without a request
        return None
    parts = path.rstrip("/").split("/")
    return "/".join(parts[-2:]) if len(parts) >= 2 else None


def checked(envelope: dict[str, Any], method: str | None = None) -> dict[str, Any]:
    """A WebSocket answer with a ``result``; the error it carries raised (naming ``method``), or
    ResponseValidationError for one with neither."""
    envelope.pop("_raw", None)
    error = rpc_error(envelope, method=method)
    if error is not None:
        raise error
    if "result" not in envelope:
        from ..redact import masked_json

        raise ResponseValidationError("the answer has neither result nor error", body=excerpt(masked_json(envelope)))
    return envelope


def to_model(
    model: type[T],
    answer: Any,
    *,
    status_code: int | None = None,
    response: httpx.Response | None = None,
    body: bytes | str = b"",
) -> T:
    """``model.from_dict(answer)``; ResponseValidationError naming the field when it does not fit."""
    try:
        return model.from_dict(answer)
    except KeyError as exc:
        reason = f"field {exc.args[0]!r} is missing"
    except (TypeError, ValueError, AttributeError) as exc:
        reason = str(exc)
    except RecursionError:
        reason = "the answer nests too deeply"
    raise ResponseValidationError(
        f"the answer is not a {model.__name__}: {reason}", response=response, status_code=status_code, body=body
    ) from None


def parse_models(models: Mapping[int, type[Any]], status_code: int, body: bytes) -> Any:
    """The model of ``status_code`` built from ``body``, or None when there is none or it does not parse."""
    model = models.get(status_code)
    if model is None:
        return None
    try:
        return model.from_dict(json.loads(body))
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None


def typed(model: type[T], envelope: dict[str, Any], method: str) -> T:
    """The model of a WebSocket answer's result, or the exception its error is."""
    answer = checked(envelope, method)
    try:
        return model.from_dict(answer)
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError):
        # (the masked quote of the answer is made only when it is needed)
        return to_model(model, answer, body=excerpt(masked_json(answer)))


def detailed(envelope: dict[str, Any], models: Mapping[int, type[Any]]) -> Response[Any]:
    """A WebSocket answer as the detailed ``Response``: over WebSocket there is no HTTP status,
    so the frame maps to the status the same answer has over HTTP (200 for a result, 400 for
    an error); the content is the raw frame."""
    raw = envelope.pop("_raw", "").encode()
    status = 400 if "error" in envelope else 200
    return Response(status_code=status, content=raw, headers={}, parsed=parse_models(models, status, raw))
