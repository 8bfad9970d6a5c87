"""Certificates for the mock's ``https://`` and ``wss://``: a test CA made with trustme.

The files live in one folder and are kept across restarts, so a CA bundle a user pointed a
client at stays valid: ``ca.pem`` (trust this), ``server.pem`` (the server's chain),
``server.key`` and ``names.txt`` (the names the certificate is for; other names make new files).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

#: The names the server certificate is issued for unless DERIBIT_MOCK_TLS_NAMES says otherwise.
DEFAULT_NAMES = ("127.0.0.1", "localhost")


def default_folder() -> Path:
    return Path(tempfile.gettempdir()) / "deribit-mock-tls"


@dataclass(frozen=True)
class Certificates:
    folder: Path

    @property
    def ca(self) -> Path:
        return self.folder / "ca.pem"

    @property
    def chain(self) -> Path:
        return self.folder / "server.pem"

    @property
    def key(self) -> Path:
        return self.folder / "server.key"


def certificates(folder: Path, names: Sequence[str] = DEFAULT_NAMES) -> Certificates:
    """The CA and server certificate in ``folder``, made (with trustme) when missing or issued
    for other names."""
    import trustme  # the testing extra

    found = Certificates(folder)
    listed = folder / "names.txt"
    wanted = ",".join(names)
    if all(p.exists() for p in (found.ca, found.chain, found.key, listed)) and listed.read_text() == wanted:
        return found
    folder.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA()
    server = ca.issue_cert(*names)
    ca.cert_pem.write_to_path(str(found.ca))
    server.private_key_pem.write_to_path(str(found.key))
    found.chain.write_bytes(b"".join(blob.bytes() for blob in server.cert_chain_pems))
    found.key.chmod(0o600)
    listed.write_text(wanted)
    return found
