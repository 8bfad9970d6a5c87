"""The package's name and version, as the clients announce them."""

from __future__ import annotations

import importlib

__all__ = ["package_name", "package_version", "user_agent"]


def package_name() -> str:
    """The package this runtime is copied into: ``deribit_session_client``."""
    return __name__.rsplit(".", 2)[0]


def package_version() -> str:
    """``deribit_session_client.__version__`` (from pyproject.toml, through ``make generate``)."""
    try:
        return str(importlib.import_module(package_name()).__version__)
    except (ImportError, AttributeError):  # the runtime outside a generated package
        return "0"


def user_agent(extra: str = "") -> str:
    """``deribit-session-client/X.Y.Z``, sent over HTTP and in the WebSocket handshake."""
    return f"deribit-session-client/{package_version()}" + (f" {extra}" if extra else "")


# Copied from runtime/_core/meta.py by make generate. Do not edit here: edit runtime/_core/meta.py.
