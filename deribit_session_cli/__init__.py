"""``deribit-session``: the session-management API from a shell (the ``[cli]`` extra). The
commands live in :mod:`deribit_session_cli.app`; this module only starts them, or says which
extra is missing."""

from __future__ import annotations

import sys

__all__ = ["main"]


def main() -> None:
    """The console script (installed with the package; it needs the ``[cli]`` extra)."""
    import importlib.util

    # (rich is imported when the first line is printed: its absence must show before any call)
    missing = [name for name in ("click", "rich") if importlib.util.find_spec(name) is None]
    if missing:
        print(
            f'deribit-session needs the [cli] extra: pip install "deribit-session-client[cli]"'
            f" ({' and '.join(missing)} missing)",
            file=sys.stderr,
        )
        sys.exit(2)
    from .app import run

    run()
