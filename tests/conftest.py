"""Fixtures: one real mock-server process per test worker, on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from deribit_session_client import AuthenticatedClient, Client

ROOT = Path(__file__).resolve().parent.parent
ACCESS_TOKEN = "tok-SECRET-4f9a1c"
CLIENT_ID = "client-7"
CLIENT_SECRET = "csecret-SECRET-88d2e0"


class MockServer:
    """A running mock exchange and its /_mock controls."""

    def __init__(self, base: str, process: subprocess.Popen[bytes]) -> None:
        self.base = base
        self.api_url = f"{base}/api/v2"
        self.process = process
        self.controls = httpx.Client(base_url=f"{base}/_mock", timeout=5.0)

    def reset(self) -> None:
        self.controls.post("/reset").raise_for_status()

    def requests(self) -> list[dict[str, Any]]:
        response = self.controls.get("/requests")
        response.raise_for_status()
        log: list[dict[str, Any]] = response.json()
        return log

    def faults(self, *faults: dict[str, Any]) -> None:
        self.controls.post("/faults", json={"faults": list(faults)}).raise_for_status()

    def rate_limit(self, limit: int, *, window: float = 60.0, status: int = 429, retry_after: float | None = None) -> None:
        body = {"limit": limit, "window": window, "status": status, "retry_after": retry_after}
        self.controls.post("/rate_limit", json=body).raise_for_status()

    def realistic(self, on: bool) -> None:
        self.controls.post("/config", json={"realistic": on}).raise_for_status()


def start_mock(env: dict[str, str] | None = None, *args: str) -> MockServer:
    """Starts ``python -m deribit_mock`` on a socket bound here, so no port can be taken first."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    full_env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "generated"), str(ROOT)]),
        "DERIBIT_MOCK_CLIENT_ID": CLIENT_ID,
        "DERIBIT_MOCK_CLIENT_SECRET": CLIENT_SECRET,
        "DERIBIT_MOCK_ACCESS_TOKEN": ACCESS_TOKEN,
        **(env or {}),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "deribit_mock", "--fd", str(sock.fileno()), *args],
        env=full_env,
        pass_fds=[sock.fileno()],
    )
    sock.close()
    server = MockServer(f"http://127.0.0.1:{port}", process)
    deadline = time.monotonic() + 15
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


@pytest.fixture(scope="session")
def mock_server() -> Iterator[MockServer]:
    server = start_mock()
    yield server
    stop_mock(server)


@pytest.fixture
def mock(mock_server: MockServer) -> MockServer:
    """The worker's mock server, reset to a clean state for this test."""
    mock_server.reset()
    return mock_server


FAST_RETRIES: dict[str, Any] = {"initial_retry_delay": 0.01, "max_retry_delay": 0.05}


@pytest.fixture
def client(mock: MockServer) -> Iterator[Client]:
    with Client(base_url=mock.api_url, **FAST_RETRIES) as c:
        yield c


@pytest.fixture
def auth_client(mock: MockServer) -> Iterator[AuthenticatedClient]:
    with AuthenticatedClient(base_url=mock.api_url, token=ACCESS_TOKEN, **FAST_RETRIES) as c:
        yield c


@pytest.fixture
def basic_client(mock: MockServer) -> Iterator[AuthenticatedClient]:
    with AuthenticatedClient.from_client_credentials(
        base_url=mock.api_url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, **FAST_RETRIES
    ) as c:
        yield c


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
