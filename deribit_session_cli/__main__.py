"""python -m deribit_session_cli: the same as the deribit-session command."""

from . import main

main()
