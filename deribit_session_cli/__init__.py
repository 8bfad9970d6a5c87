"""``deribit-session``: the session-management API from a shell (the ``[cli]`` extra). The
commands live in :mod:`deribit_session_cli.app`; this module only starts them, or says which
extra is missing."""

from __future__ import annotations

import sys

__all__ = ["main"]


def main() -> None:
    """The console script (installed with the package; it needs the ``[cli]`` extra)."""
    try:
        from .app import run
    except ImportError as exc:
        print(
            f'deribit-session needs the [cli] extra: pip install "deribit-session-client[cli]" ({exc.name} is missing)',
            file=sys.stderr,
        )
        sys.exit(2)
    run()
