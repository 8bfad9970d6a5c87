"""``AuthenticatedClient``: the HTTP client for private methods, with its credentials (a
signature per request, a bearer token, or HTTP basic) and the account whose credits it spends."""

from __future__ import annotations

import base64
from typing import Any, Self

import httpx
from attrs import define, field

from ..errors import AuthenticationError
from ..limits.limiter import account_key
from .attempts import masked
from .auth import HeaderAuth, Secret, SignatureAuth, Signer, to_secret
from .client import Client

__all__ = ["AuthenticatedClient"]


@define
class AuthenticatedClient(Client):
    """A client for every method, public and private.

    Signed requests (recommended): :meth:`from_client_signature`. Bearer:
    ``AuthenticatedClient(base_url=..., token=access_token)``. HTTP basic (client id and
    secret): :meth:`from_client_credentials`. The Authorization header is built for each
    request, so ``client.token = new_token`` takes effect on the next call. Secrets never
    appear in ``repr()``.

    Args:
        token: The access token (or, with ``prefix="Basic"``, base64 of ``id:secret``).
        prefix: The Authorization scheme, ``Bearer`` by default.
        auth_header_name: The header that carries the credentials.
    """

    _token: Secret = field(factory=lambda: Secret(""), kw_only=True, alias="token", converter=to_secret, repr=masked)
    prefix: str = field(default="Bearer", kw_only=True)
    auth_header_name: str = field(default="Authorization", kw_only=True)
    _signer: Signer | None = field(default=None, kw_only=True, alias="signer", repr=False)

    @property
    def token(self) -> str:
        """The credentials; setting it takes effect on the next request of this client and its clones."""
        return self._token.value

    @token.setter
    def token(self, value: str) -> None:
        self._token.value = value

    @classmethod
    def from_client_credentials(cls, *, base_url: str, client_id: str, client_secret: str, **kwargs: Any) -> Self:
        """A client that authenticates with HTTP basic: ``client_id:client_secret``."""
        token = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode("ascii")
        return cls(base_url=base_url, token=token, prefix="Basic", **kwargs)

    @classmethod
    def from_client_signature(cls, *, base_url: str, client_id: str, client_secret: str, **kwargs: Any) -> Self:
        """A client that signs every request (``deri-hmac-sha256``): an HMAC-SHA256 of a
        timestamp, a single-use nonce, the method, the path with its query and the body. Neither
        the secret nor a reusable token crosses the wire; each retry is signed afresh."""
        return cls(base_url=base_url, signer=Signer(client_id, Secret(client_secret)), **kwargs)

    def _account(self) -> str | None:
        if self._signer is not None:
            return account_key(self._signer.client_id, None)
        if self.prefix == "Basic":  # base64 of "client_id:client_secret": the account is the id
            try:
                client_id = base64.b64decode(self.token, validate=True).decode().split(":", 1)[0]
            except (ValueError, UnicodeDecodeError):
                client_id = ""
            if client_id:
                return account_key(client_id, None)
        return account_key(None, self.token)

    def _secrets(self) -> tuple[str | None, ...]:
        return (self.token, self._signer.secret.value if self._signer is not None else None)

    def _auth(self) -> httpx.Auth | None:
        if self._signer is not None:
            return SignatureAuth(self._signer)
        value = f"{self.prefix} {self.token}" if self.prefix else self.token
        if not value.isprintable() or not value.isascii():
            # httpx would refuse it with an error that quotes the header: say so without it.
            raise AuthenticationError(
                "the token contains a line break, a control or a non-ASCII character; nothing was sent"
            )
        return HeaderAuth(self.auth_header_name, value)


# -- one call's attempts -------------------------------------------------------------------------
