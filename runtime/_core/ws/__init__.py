"""The WebSocket client: :class:`~.client.WebSocketClient` (the facade: options, calls,
subscriptions, opening and closing) and the keeper that hosts the session engine
(:mod:`..engine`) on a thread of its own: the connection and its reconnects, timers, credits,
the liveness lease and the user's callbacks. The only subpackage that imports the engine and
the transports together."""
