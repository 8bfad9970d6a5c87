"""The session engine (sans-I/O): every rule a Deribit WebSocket session keeps, apart from any
socket, thread or clock. :class:`~.protocol.SessionProtocol` is its public face (exported as
``deribit_session_client.protocol``); the WebSocket client (:mod:`..ws`) is one of its hosts.
Imports only the base modules and :mod:`..spec`."""
