"""How the clients announce themselves."""

from __future__ import annotations

from . import registry

__all__ = ["user_agent"]


def user_agent(extra: str = "") -> str:
    """``deribit-session-client/X.Y.Z``, sent over HTTP and in the WebSocket handshake."""
    return f"deribit-session-client/{registry.version()}" + (f" {extra}" if extra else "")
