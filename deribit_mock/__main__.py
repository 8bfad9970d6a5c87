"""Runs the mock exchange: python -m deribit_mock [--port N | --fd FD] [--realistic]."""

from __future__ import annotations

import argparse
import socket

import uvicorn

from .app import Settings, create_app
from .ws import MockWebSocketProtocol


def describe(settings: Settings, http_base: str, ws_base: str) -> str:
    """What a person starting the mock needs to point a client at it (never the secret)."""
    mode = "realistic (10030 for WebSocket-only methods over HTTP)" if settings.realistic else "permissive"
    return "\n".join(
        [
            f"Mock exchange on {http_base}/api/v2 and {ws_base}/ws/api/v2 (controls under /_mock/)",
            f"  client id: {settings.client_id} (secret from DERIBIT_MOCK_CLIENT_SECRET, default mock-client-secret)",
            f"  mode: {mode}; time scale: {settings.time_scale:g}",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="deribit_mock", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to bind (default: 8000)")
    parser.add_argument("--fd", type=int, default=None, help="serve on this already-bound socket instead")
    parser.add_argument(
        "--realistic",
        action="store_true",
        default=None,
        help="answer 10030 to WebSocket-only methods over HTTP, as the exchange does",
    )
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args()
    settings = Settings.from_env(realistic=args.realistic)
    app = create_app(settings)
    if args.fd is None:
        print(describe(settings, f"http://{args.host}:{args.port}", f"ws://{args.host}:{args.port}"), flush=True)
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=False,
        lifespan="off",
        # uvicorn's sans-IO websockets implementation ("websockets-sansio"), subclassed only to
        # reach a connection's transport for the drop and stall controls.
        ws=MockWebSocketProtocol,
        ws_per_message_deflate=False,  # the exchange's clients run without compression
        ws_ping_interval=None,  # no server pings: they would close a paused test client for
        ws_ping_timeout=None,  # reasons the exchange never would (heartbeats do that job)
        ws_max_size=4 * 1024 * 1024,  # frames up to here reach the app, which answers -32600 over 32 kB
        backlog=4096,
    )
    server = uvicorn.Server(config)
    if args.fd is None:
        server.run()
    else:
        # socket(fileno=...) keeps the socket's real family (uvicorn's own --fd assumes AF_UNIX),
        # so asyncio sets TCP_NODELAY on accepted connections; without it each answer waits
        # ~40 ms for Nagle's algorithm and the client's delayed ACK.
        server.run(sockets=[socket.socket(fileno=args.fd)])


if __name__ == "__main__":
    main()
