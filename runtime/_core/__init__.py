"""The handwritten runtime of ``deribit_session_client``, in parts whose imports run one way
(tests/test_layout.py holds them to it):

- the base modules here: :mod:`.errors` (one exception hierarchy), :mod:`.redact` (what keeps
  secrets out of logs), :mod:`.types`, :mod:`.retry` (backoff and the clock);
- :mod:`.spec`: the operation table derived from openapi.yaml, and answers read into models;
- :mod:`.limits`: the rate limits, shared by both clients;
- :mod:`.engine`: the sans-I/O session engine (public as ``deribit_session_client.protocol``);
- :mod:`.transports`: the WebSocket libraries, behind one registry;
- :mod:`.http`: the HTTP clients;
- :mod:`.ws`: the WebSocket client and the keeper that hosts the engine.

This folder is real Python, linted, type-checked and unit-tested as itself, and committed only
here: the wheel and the sdist take it as ``deribit_session_client._core``, and ``make`` copies it
under ``generated/`` (not committed) for the checkout's editable install. Edit the files here,
never the copies.
"""
