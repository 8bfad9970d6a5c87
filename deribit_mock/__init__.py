"""A mock Deribit exchange for the client's contract tests: see README.md, "The mock server"."""

from .app import Settings, create_app
from .methods import METHODS, RpcError, dispatch

__all__ = ["METHODS", "RpcError", "Settings", "create_app", "dispatch"]
