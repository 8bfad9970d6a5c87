"""The WebSocket transports behind one registry (:mod:`.registry`): which library carries a
session's frames (websockets, or picows with the ``[fast]`` extra) and the :class:`~.wire.Link`
every transport gives the session. Adding a transport is a module here and a line in the
registry. Knows nothing of sessions."""
