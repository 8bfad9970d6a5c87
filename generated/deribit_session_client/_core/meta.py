# Copied from runtime/_core/meta.py by make generate. Do not edit here: edit runtime/_core/meta.py.
"""The package's name and version, as the clients announce them."""

from __future__ import annotations

import importlib

__all__ = ["package_version", "user_agent"]


def _package() -> str:
    return __name__.rsplit(".", 2)[0]  # deribit_session_client (this module is its _core.meta)


def package_version() -> str:
    """``deribit_session_client.__version__`` (from pyproject.toml, through ``make generate``)."""
    try:
        return str(importlib.import_module(_package()).__version__)
    except (ImportError, AttributeError):  # the runtime outside a generated package
        return "0"


def user_agent(extra: str = "") -> str:
    """``deribit-session-client/X.Y.Z``, sent over HTTP and in the WebSocket handshake."""
    return f"deribit-session-client/{package_version()}" + (f" {extra}" if extra else "")
