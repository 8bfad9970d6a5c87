"""Opening the TCP (and TLS) connection under a WebSocket: directly, through a SOCKS proxy
(python-socks), or through an HTTP CONNECT tunnel (an ``http://`` or ``https://`` proxy), and
the proxy the environment names when asked to use it. Every refusal is an APIConnectionError."""

from __future__ import annotations

import asyncio
import base64
import socket
import ssl as ssl_module
import urllib.parse
import urllib.request
from typing import Literal, cast

from ..errors import APIConnectionError

__all__ = ["direct_socket", "open_tcp", "proxy_for", "proxy_socket"]


def proxy_for(host: str, port: int, secure: bool, proxy: str | Literal[True] | None) -> str | None:
    """The proxy URL to go through: the one given, or with True the one the environment names
    for this URL (``wss_proxy``/``https_proxy``, ``socks_proxy``; ``no_proxy`` honoured)."""
    if proxy is None or isinstance(proxy, str):
        return proxy
    if urllib.request.proxy_bypass(f"{host}:{port}"):
        return None
    proxies = urllib.request.getproxies()
    for scheme in ("wss", "socks", "https") if secure else ("ws", "socks", "https", "http"):
        found = proxies.get(scheme)
        if found is not None:
            return "socks5h://" + found[7:] if scheme == "socks" and found.startswith("http://") else found
    return None


async def open_tcp(
    protocol: asyncio.BaseProtocol,
    host: str,
    port: int,
    secure: bool,
    context: ssl_module.SSLContext | None,
    proxy: str | Literal[True] | None,
    user_agent: str,
) -> None:
    """A TCP (and, with ``context``, TLS) connection to ``host:port`` under ``protocol``:
    direct, through a SOCKS proxy, or through an HTTP CONNECT tunnel (``proxy``, or with True
    the environment's for this address)."""
    loop = asyncio.get_running_loop()
    hostname = host if context is not None else None
    proxy = proxy_for(host, port, secure, proxy)
    if proxy is None:
        await loop.create_connection(lambda: protocol, host, port, ssl=context, server_hostname=hostname)
        return
    parsed = urllib.parse.urlsplit(proxy)
    if parsed.scheme.startswith("socks"):
        sock = await _socks(host, port, proxy, parsed)
        await loop.create_connection(lambda: protocol, sock=sock, ssl=context, server_hostname=hostname)
        return
    if parsed.scheme not in ("http", "https") or parsed.hostname is None:
        raise ValueError(f"unsupported proxy URL {parsed.scheme}://{parsed.hostname}: use http, https or socks5")
    tunnel = _Tunnel(host, port, parsed, user_agent)
    transport, _ = await loop.create_connection(
        lambda: tunnel,
        parsed.hostname,
        parsed.port or (443 if parsed.scheme == "https" else 80),
        ssl=ssl_module.create_default_context() if parsed.scheme == "https" else None,
    )
    try:
        await tunnel.done
        if tunnel.late:
            raise APIConnectionError("the proxy sent data after its answer to CONNECT")
        if context is not None:
            tls = await loop.start_tls(transport, protocol, context, server_hostname=hostname)
            assert tls is not None
            transport = tls
        else:
            transport.set_protocol(protocol)
    except BaseException:
        transport.abort()
        raise
    protocol.connection_made(transport)


async def proxy_socket(host: str, port: int, proxy: str, user_agent: str) -> socket.socket:
    """A socket connected to ``host:port`` through ``proxy`` (SOCKS, or an ``http://`` proxy's
    CONNECT tunnel), for a WebSocket library that takes a socket; an ``https://`` proxy
    (TLS to the proxy, then TLS through it) cannot be a plain socket: ValueError."""
    parsed = urllib.parse.urlsplit(proxy)
    if parsed.scheme.startswith("socks"):
        return await _socks(host, port, proxy, parsed)
    if parsed.scheme != "http" or parsed.hostname is None:
        raise ValueError(f"proxy_socket() takes socks or http proxies, not {parsed.scheme}://")
    loop = asyncio.get_running_loop()
    tunnel = _Tunnel(host, port, parsed, user_agent)
    sock = await direct_socket(parsed.hostname, parsed.port or 80)
    try:
        await loop.sock_sendall(sock, tunnel.request)
        while not tunnel.done.done():
            data = await loop.sock_recv(sock, 65536)
            if data:
                tunnel.data_received(data)
            else:
                tunnel.connection_lost(None)
        await tunnel.done
    except BaseException:
        sock.close()
        raise
    return sock


async def direct_socket(host: str, port: int) -> socket.socket:
    """A non-blocking socket connected to ``host:port`` (each address in turn)."""
    loop = asyncio.get_running_loop()
    failure: OSError | None = None
    for family, kind, proto, _, address in await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        sock = socket.socket(family, kind, proto)
        try:
            sock.setblocking(False)
            await loop.sock_connect(sock, address)
            return sock
        except OSError as exc:
            sock.close()
            failure = exc
        except BaseException:
            sock.close()
            raise
    raise failure or OSError(f"no address for {host}")


async def _socks(host: str, port: int, proxy: str, parsed: urllib.parse.SplitResult) -> socket.socket:
    """A socket connected to ``host:port`` through the SOCKS proxy ``proxy`` (python-socks)."""
    try:
        from python_socks.async_.asyncio import Proxy
    except ImportError:
        raise APIConnectionError(
            'connecting through a SOCKS proxy needs the [socks] extra: pip install "deribit-session-client[socks]"'
        ) from None
    try:
        # (python-socks spells "resolve at the proxy" as rdns=True, not as socks5h/socks4a)
        plain = {"socks5h": "socks5", "socks4a": "socks4"}.get(parsed.scheme, parsed.scheme)
        through = Proxy.from_url(plain + proxy[len(parsed.scheme) :], rdns=parsed.scheme in ("socks5h", "socks4a"))
        sock: socket.socket = await through.connect(host, port)
    except (OSError, asyncio.CancelledError):
        raise
    except Exception as exc:  # python-socks' ProxyError, ProxyConnectionError, ... (not OSError)
        raise APIConnectionError(f"the SOCKS proxy refused the connection: {type(exc).__name__}: {exc}") from exc
    return sock


class _Tunnel(asyncio.Protocol):
    """An HTTP CONNECT request to a proxy and its answer (200: the tunnel is open)."""

    def __init__(self, host: str, port: int, proxy: urllib.parse.SplitResult, user_agent: str) -> None:
        host = f"[{host}]" if ":" in host else host
        lines = [f"CONNECT {host}:{port} HTTP/1.1", f"Host: {host}:{port}", f"User-Agent: {user_agent}"]
        if proxy.username is not None:
            pair = f"{urllib.parse.unquote(proxy.username)}:{urllib.parse.unquote(proxy.password or '')}"
            lines.append(f"Proxy-Authorization: Basic {base64.b64encode(pair.encode()).decode()}")
        self.request = ("\r\n".join(lines) + "\r\n\r\n").encode()
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.received = b""
        self.late = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport = cast(asyncio.Transport, transport)  # (uvloop's transports do not subclass it)
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        if self.done.done():
            self.late = True  # (through the tunnel before the client's upgrade request: refused)
            return
        self.received += data
        head, found, rest = self.received.partition(b"\r\n\r\n")
        if not found:
            if len(self.received) > 65536:
                self.done.set_exception(APIConnectionError("the proxy's answer to CONNECT is too long"))
            return
        status = head.split(b"\r\n", 1)[0].split(b" ")
        if rest:  # nothing may come through the tunnel before the client's upgrade request
            self.done.set_exception(APIConnectionError("the proxy sent data after its answer to CONNECT"))
        elif len(status) >= 2 and status[1] == b"200":
            self.done.set_result(None)
        else:
            answer = b" ".join(status[1:]).decode(errors="replace")
            self.done.set_exception(APIConnectionError(f"the proxy refused the tunnel: HTTP {answer}"))

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_exception(APIConnectionError("the proxy closed the connection before the tunnel opened"))
