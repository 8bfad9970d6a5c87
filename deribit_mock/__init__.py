"""A mock Deribit exchange for the client's contract tests: see docs/testing.md, "The mock server".

Importing this package imports nothing beyond the standard library: the pytest plugin
(``deribit_mock.pytest_plugin``) is registered by the base install, where the mock's own
dependencies (starlette, uvicorn, pydantic: the ``testing`` extra) may be missing. The names
below load the server's modules on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_app
    from .methods import METHODS, RpcError, dispatch
    from .settings import Settings

__all__ = ["METHODS", "RpcError", "Settings", "create_app", "dispatch"]

_HOMES = {
    "Settings": "settings",
    "create_app": "app",
    "METHODS": "methods",
    "RpcError": "methods",
    "dispatch": "methods",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'deribit_mock' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f".{home}", __name__), name)
