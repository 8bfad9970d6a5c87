"""What the generated package hands the runtime: its operations (derived from the spec) and its
version. ``_operations.py`` calls :func:`register` when the package is imported, so nothing in
the runtime imports the generated package by name."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ..redact import SECRET_KEYS

if TYPE_CHECKING:
    from .operations import Operation

__all__ = ["canonical", "masked_params", "operation_for", "operations", "register", "secret_params", "version"]


class _Registered:
    __slots__ = ("by_method", "operations", "secret_params", "version")

    def __init__(self) -> None:
        self.operations: Mapping[str, Operation] = MappingProxyType({})
        self.by_method: Mapping[str, Operation] = MappingProxyType({})
        #: Every parameter name the spec marks ``format: password``, in any operation: masked
        #: wherever a URL or a parameter list is logged (httpx's own log lines included).
        self.secret_params: frozenset[str] = frozenset()
        self.version = "0"


_registered = _Registered()


def register(operations: Mapping[str, Operation], *, version: str) -> None:
    """The package's operations by name, and its version (from pyproject.toml)."""
    _registered.operations = MappingProxyType(dict(operations))
    _registered.by_method = MappingProxyType({op.rpc_method: op for op in operations.values()})
    _registered.secret_params = frozenset(name for op in operations.values() for name in op.secret)
    _registered.version = version


def operations() -> Mapping[str, Operation]:
    return _registered.operations


def operation_for(method: str) -> Operation | None:
    """The spec's operation for a JSON-RPC method name (None for a method outside the spec)."""
    return _registered.by_method.get(method)


def secret_params() -> frozenset[str]:
    return _registered.secret_params


def version() -> str:
    return _registered.version


def masked_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """A request's parameters with tokens, credentials and the spec's ``format: password``
    parameters shown as ``***`` (for a DEBUG line)."""
    secret = _registered.secret_params
    return {k: ("***" if k in SECRET_KEYS or k in secret else v) for k, v in params.items()}


def canonical(method: str) -> str:
    """A method name as the spec spells it: ``/private/buy`` (a leading slash, as some clients
    send them) is ``private/buy``, so that the call gets every rule of its method."""
    return method[1:] if isinstance(method, str) and method.startswith("/") else method
