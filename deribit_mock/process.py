"""Starting and driving the mock exchange as a real server process (tests and benchmarks)."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent


class MockServer:
    """A running mock exchange and its /_mock controls."""

    def __init__(self, base: str, process: subprocess.Popen[bytes], ca_path: Path | None = None) -> None:
        self.base = base
        self.api_url = f"{base}/api/v2"
        self.process = process
        #: The test CA's bundle when the mock serves TLS (``start_mock(tls=True)``), else None.
        self.ca_path = ca_path
        self.owns_tls_dir = False
        verify: ssl.SSLContext | bool = True
        if ca_path is not None:
            verify = self.ssl_context()
            verify.check_hostname = False  # the controls reach a mock whatever names its certificate is for
        # A connection per control request: a kept-alive one that uvicorn closes for idleness
        # (5 s) just as the next request goes out is reset under it (seen under make test-stress).
        self.controls = httpx.Client(
            base_url=f"{base}/_mock",
            timeout=5.0,
            verify=verify,
            limits=httpx.Limits(max_keepalive_connections=0),
            event_hooks={"response": [_refused_as_value_error]},
        )

    def ssl_context(self) -> ssl.SSLContext:
        """A client SSL context that trusts the mock's test CA (TLS mocks only)."""
        if self.ca_path is None:
            raise ValueError("this mock serves plain http:// and ws://; start it with tls=True")
        return ssl.create_default_context(cafile=str(self.ca_path))

    def reset(self) -> None:
        self.controls.post("/reset").raise_for_status()

    def requests(self) -> list[dict[str, Any]]:
        response = self.controls.get("/requests")
        response.raise_for_status()
        log: list[dict[str, Any]] = response.json()
        return log

    def faults(self, *faults: dict[str, Any]) -> None:
        self.controls.post("/faults", json={"faults": list(faults)}).raise_for_status()

    def rate_limit(
        self, limit: int, *, window: float = 60.0, status: int = 429, retry_after: float | None = None
    ) -> None:
        body = {"limit": limit, "window": window, "status": status, "retry_after": retry_after}
        self.controls.post("/rate_limit", json=body).raise_for_status()

    def publish(self, channel: str, data: Any = None, *, count: int = 1, rate: float | None = None) -> int:
        """Sends a notification on ``channel`` ``count`` times to every connection subscribed to
        it, paced at ``rate`` a second (None: as fast as it can); returns how many went out."""
        body = {"channel": channel, "data": data, "count": count, "rate": rate}
        response = self.controls.post("/ws/publish", json=body, timeout=max(60.0, 2 * count / (rate or 1e9)))
        response.raise_for_status()
        sent: int = response.json()["sent"]
        return sent

    def refuse_channels(self, *channels: str) -> None:
        """Subscribing leaves these channels out of its answer from now on (until reset)."""
        self.controls.post("/config", json={"refuse_channels": list(channels)}).raise_for_status()

    def credits(self, credits: float = 50_000, refill_per_s: float = 10_000, cost: float = 500) -> None:
        """The exchange's credit model: every request costs ``cost`` from a pool of ``credits``
        refilled at ``refill_per_s``; one that finds too few gets 10028 (and over WebSocket its
        session is closed)."""
        body = {"credits": credits, "refill_per_s": refill_per_s, "cost": cost}
        self.controls.post("/rate_limit", json=body).raise_for_status()

    def credits_state(self) -> dict[str, Any]:
        """The credit model's ``balance`` now and how many requests it ``refused``."""
        response = self.controls.get("/rate_limit")
        response.raise_for_status()
        state: dict[str, Any] = response.json()
        return state

    def stub(
        self,
        method: str,
        *,
        result: Any = None,
        error: dict[str, Any] | None = None,
        transport: str | None = None,
    ) -> None:
        """Answer ``method`` (one outside the spec) with ``result``, or with ``error``
        (``{"code", "message", "data"?}``), on both transports or on ``transport`` alone,
        until the next reset."""
        body: dict[str, Any] = {"method": method, "transport": transport}
        if error is not None:
            body["error"] = error
        else:
            body["result"] = result
        self.controls.post("/stubs", json=body).raise_for_status()

    def realistic(self, on: bool) -> None:
        self.controls.post("/config", json={"realistic": on}).raise_for_status()

    # -- WebSocket ---------------------------------------------------------------------------

    @property
    def ws_url(self) -> str:
        scheme, rest = self.base.split("://", 1)
        return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/ws/api/v2"

    def time_scale(self, scale: float) -> None:
        """Multiply every mock duration by ``scale`` (until the next reset)."""
        self.controls.post("/config", json={"time_scale": scale}).raise_for_status()

    def _get(self, path: str) -> Any:
        response = self.controls.get(path)
        response.raise_for_status()
        return response.json()

    def connections(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._get("/connections")
        return result

    def events(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._get("/events")
        return result

    def heartbeats(self) -> dict[str, Any]:
        result: dict[str, Any] = self._get("/heartbeats")
        return result

    def _ws_control(self, what: str, connection: int | None) -> list[int]:
        body = {} if connection is None else {"id": connection}
        response = self.controls.post(f"/ws/{what}", json=body)
        response.raise_for_status()
        ids: list[int] = next(iter(response.json().values()))
        return ids

    def drop(self, connection: int | None = None) -> list[int]:
        """Abort a WebSocket connection (all when None) with no close frame."""
        return self._ws_control("drop", connection)

    def stall(self, connection: int | None = None) -> list[int]:
        """Stop reading and sending on a connection (all when None), keeping TCP open."""
        return self._ws_control("stall", connection)

    def notify(
        self, params: dict[str, Any] | list[dict[str, Any]], connection: int | None = None, fragments: int = 1
    ) -> list[int]:
        """Send a ``subscription`` notification with these params (a list: one per item, back to
        back); the first goes out in ``fragments`` frames."""
        body: dict[str, Any] = {"params": params, "fragments": fragments}
        if connection is not None:
            body["id"] = connection
        response = self.controls.post("/ws/notify", json=body)
        response.raise_for_status()
        sent: list[int] = response.json()["sent"]
        return sent

    def ws_faults(self, *faults: dict[str, Any]) -> None:
        """Queue WebSocket faults: ``{"method": m, "action": "drop" | "ignore" | "delay", "seconds": s}``, one frame each."""
        self.controls.post("/ws/faults", json={"faults": list(faults)}).raise_for_status()

    def set_client_secret(self, secret: str) -> None:
        """Change the API key's secret (until the next reset), as a revoked key."""
        self.controls.post("/config", json={"client_secret": secret}).raise_for_status()

    def orders(self) -> list[dict[str, Any]]:
        """Every order of every account: the order as the exchange answers it, plus its
        ``account`` and the ``connection`` that placed it (None over HTTP)."""
        result: list[dict[str, Any]] = self._get("/orders")
        return result

    def set_marks(self, **marks: float) -> None:
        """Set instruments' mark prices: ``set_marks(**{"BTC-PERPETUAL": 65000})``."""
        self.controls.post("/marks", json=marks).raise_for_status()

    def send_test_request(self, connection: int | None = None) -> list[int]:
        """Send a test_request now, with the usual deadline."""
        return self._ws_control("test_request", connection)


class DeribitMock(MockServer):
    """The ``deribit_mock`` fixture: a running mock exchange, reset for this test; every control
    of :class:`MockServer` (``reset``, ``drop``, ``stall``, ``send_test_request``, ``notify``,
    ``publish``, ``stub``, ``faults``, ``ws_faults``, ``rate_limit``, ``credits``,
    ``time_scale``, ``realistic``, ``orders``, ``set_marks``, ``connections``, ``events``,
    ``heartbeats``, ``requests``, ...) plus the credentials it was started with."""

    def __init__(self, server: MockServer) -> None:
        # The session's server, shared: its process and its controls' client, not copies.
        vars(self).update(vars(server))
        # What the mock was started with: DERIBIT_MOCK_* in the test environment win.
        self.client_id = os.environ.get("DERIBIT_MOCK_CLIENT_ID", "mock-client-id")
        self.client_secret = os.environ.get("DERIBIT_MOCK_CLIENT_SECRET", "mock-client-secret")
        self.access_token = os.environ.get("DERIBIT_MOCK_ACCESS_TOKEN", "mock-access-token")
        self._trusting = server.ssl_context() if server.ca_path else None

    @property
    def ssl_context(self) -> ssl.SSLContext | None:  # type: ignore[override]
        """An ``ssl.SSLContext`` trusting the test CA (``deribit_mock_tls``; None for the plain
        mock): ``WebSocketClient(..., ssl=...)``, ``Client(..., verify_ssl=...)``. (An attribute
        here, as the fixture always had it; ``MockServer.ssl_context()`` makes a new one.)"""
        return self._trusting

    @property
    def server(self) -> MockServer:
        """The mock itself (kept for tests written against the earlier wrapper)."""
        return self


def _refused_as_value_error(response: httpx.Response) -> None:
    """A control the mock refuses (400: a bad fault, stub, id or setting) raises ValueError
    with the mock's own reason, not a bare HTTP error."""
    if response.status_code == 400:
        response.read()
        try:
            reason = str(response.json().get("error", response.text))
        except ValueError:
            reason = response.text
        raise ValueError(f"the mock refused {response.request.method} {response.request.url.path}: {reason[:300]}")


def start_mock(
    env: dict[str, str] | None = None, *args: str, tls: bool = False, tls_dir: Path | None = None, port: int = 0
) -> MockServer:
    """Starts ``python -m deribit_mock`` on a socket bound here, so no port can be taken first.

    ``env`` adds to the environment (credentials: ``DERIBIT_MOCK_*``); ``args`` go to the CLI.
    ``tls``: https:// and wss:// with a test CA made for this server (in ``tls_dir``, else a
    folder of its own removed by ``stop_mock``); ``port``: this port instead of a free one.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(4096)
    port = sock.getsockname()[1]
    # From a checkout: the repository and generated/; installed (the testing extra): the
    # site-packages directory that holds deribit_mock (and its _models).
    paths = [str(ROOT / "generated"), str(ROOT), os.environ.get("PYTHONPATH", "")]
    full_env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in paths if p),
        **(env or {}),
    }
    ca_path = None
    if tls:
        folder = tls_dir or Path(tempfile.mkdtemp(prefix="deribit-mock-tls-"))
        args = (*args, "--tls", "--tls-dir", str(folder))
        ca_path = folder / "ca.pem"
    process = subprocess.Popen(
        [sys.executable, "-m", "deribit_mock", "--fd", str(sock.fileno()), *args],
        env=full_env,
        pass_fds=[sock.fileno()],
    )
    sock.close()
    deadline = time.monotonic() + 15
    if ca_path is not None:
        written = ca_path.parent / "names.txt"  # the last file the server writes
        while not written.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("the mock server did not start (no TLS certificate)")
            time.sleep(0.02)
    server = MockServer(f"{'https' if tls else 'http'}://127.0.0.1:{port}", process, ca_path)
    server.owns_tls_dir = tls and tls_dir is None
    while True:
        try:
            if server.controls.get("/health").status_code == 200:
                return server
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("the mock server did not start")
        time.sleep(0.05)


def stop_mock(server: MockServer) -> None:
    server.controls.close()
    server.process.terminate()
    try:
        server.process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
    if server.owns_tls_dir and server.ca_path is not None:
        shutil.rmtree(server.ca_path.parent, ignore_errors=True)
