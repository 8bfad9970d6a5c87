"""Runs the mock exchange: python -m deribit_mock [--port N | --fd FD] [--realistic] [--tls [--tls-dir D]]."""

from __future__ import annotations

import argparse
import os
import socket
from pathlib import Path

try:
    import uvicorn
except ImportError:  # the base install: the mock's dependencies come with the testing extra
    raise SystemExit(
        'the mock exchange needs its dependencies: pip install "deribit-session-client[testing]"'
    ) from None

from .app import create_app
from .settings import Settings
from .tls import DEFAULT_NAMES, certificates, default_folder
from .ws import MockWebSocketProtocol


def describe(settings: Settings, http_base: str, ws_base: str, ca: Path | None = None) -> str:
    """What a person starting the mock needs to point a client at it (never the secret)."""
    mode = "realistic (10030 for WebSocket-only methods over HTTP)" if settings.realistic else "permissive"
    lines = [
        f"Mock exchange on {http_base}/api/v2 and {ws_base}/ws/api/v2 (controls under /_mock/)",
        f"  client id: {settings.client_id} (secret from DERIBIT_MOCK_CLIENT_SECRET, default mock-client-secret)",
        f"  mode: {mode}; time scale: {settings.time_scale:g}",
    ]
    if ca is not None:
        lines.append(f"  CA bundle: {ca} (trust it: ssl.create_default_context(cafile=...), or SSL_CERT_FILE)")
    return "\n".join(lines)


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
    parser.add_argument("--tls", action="store_true", help="serve https:// and wss:// with a test CA (trustme)")
    parser.add_argument(
        "--tls-dir",
        type=Path,
        default=None,
        help=f"where the CA and the server certificate are kept (default: {default_folder()})",
    )
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args()
    settings = Settings.from_env(realistic=args.realistic)
    app = create_app(settings)
    tls = None
    if args.tls:
        names = [n for n in os.environ.get("DERIBIT_MOCK_TLS_NAMES", "").split(",") if n] or list(DEFAULT_NAMES)
        tls = certificates(args.tls_dir or default_folder(), names)
    listener = None
    if args.fd is None:
        # Bound here, before anything is printed: a busy port is one clear line, not an address
        # announced and then refused.
        listener = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind((args.host, args.port))
        except OSError as exc:
            listener.close()
            raise SystemExit(f"the mock cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
        http, ws = ("https", "wss") if tls else ("http", "ws")
        base = f"{args.host}:{args.port}"
        print(describe(settings, f"{http}://{base}", f"{ws}://{base}", tls.ca if tls else None), flush=True)
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
        ssl_certfile=str(tls.chain) if tls else None,
        ssl_keyfile=str(tls.key) if tls else None,
    )
    server = uvicorn.Server(config)
    if listener is not None:
        server.run(sockets=[listener])
    else:
        # socket(fileno=...) keeps the socket's real family (uvicorn's own --fd assumes AF_UNIX),
        # so asyncio sets TCP_NODELAY on accepted connections; without it each answer waits
        # ~40 ms for Nagle's algorithm and the client's delayed ACK.
        server.run(sockets=[socket.socket(fileno=args.fd)])


if __name__ == "__main__":
    main()
