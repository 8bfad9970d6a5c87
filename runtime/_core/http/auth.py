"""HTTP credentials: the client secret kept out of reprs and pickles, signed requests
(``deri-hmac-sha256``), and a bearer or basic header built for each request."""

from __future__ import annotations

import time
from collections.abc import Generator
from typing import Any

import httpx


class Secret:
    """A secret shared by a client and its clones (so that a new token reaches them all);
    never shown by ``repr()``."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "'***'"

    def __reduce__(self) -> Any:
        raise TypeError("a client's credentials are not pickled")


def to_secret(value: str | Secret) -> Secret:
    return value if isinstance(value, Secret) else Secret(value)


class Signer:
    """A client id and its secret, for signed requests (the secret never shown)."""

    __slots__ = ("client_id", "secret")

    def __init__(self, client_id: str, secret: Secret) -> None:
        self.client_id = client_id
        self.secret = secret

    def __repr__(self) -> str:
        return f"Signer(client_id={self.client_id!r}, secret='***')"


class SignatureAuth(httpx.Auth):
    """``Authorization: deri-hmac-sha256 id=...,ts=...,nonce=...,sig=...`` over exactly what is
    sent: a fresh timestamp and nonce for each request (and so for each retry)."""

    def __init__(self, signer: Signer) -> None:
        self._signer = signer

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        import hashlib  # (here: a client that never signs does not pay for them at import)
        import hmac
        import secrets

        timestamp = int(time.time() * 1000)
        nonce = secrets.token_hex(8)
        uri = request.url.raw_path.decode("ascii")  # the path and the query, exactly as sent
        body = request.content.decode("utf-8") if request.content else ""
        data = f"{timestamp}\n{nonce}\n{request.method.upper()}\n{uri}\n{body}\n"
        signature = hmac.new(self._signer.secret.value.encode(), data.encode(), hashlib.sha256).hexdigest()
        request.headers["Authorization"] = (
            f"deri-hmac-sha256 id={self._signer.client_id},ts={timestamp},nonce={nonce},sig={signature}"
        )
        yield request

    def __repr__(self) -> str:
        return "SignatureAuth('***')"


class HeaderAuth(httpx.Auth):
    """Sets one header on each request (and on each retry), read from the client at that moment."""

    def __init__(self, name: str, value: str) -> None:
        self._name = name
        self._value = value

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self._name] = self._value
        yield request

    def __repr__(self) -> str:
        return f"HeaderAuth({self._name!r}, '***')"
