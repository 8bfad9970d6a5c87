"""Every rule that keeps a secret out of a log line, a repr or an exception message: which
keys are secret, and how a text or a JSON value is masked (the spec's secret parameters:
:func:`~.spec.registry.masked_params`)."""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "SECRET_KEYS",
    "mask_known_values",
    "mask_secrets",
    "masked_json",
    "masked_value",
    "redact",
]


#: Keys whose values never appear in a message: tokens and credentials.
SECRET_KEYS = ("access_token", "refresh_token", "client_secret", "signature", "password")
#: The same keys as they may appear in text: any case, camelCase too, and a bare ``token``.
_TEXT_KEYS = (*SECRET_KEYS, "accessToken", "refreshToken", "clientSecret", "token")
_SECRET_VALUE = re.compile(
    r"""(?P<key>\\?["']?(?:""" + "|".join(_TEXT_KEYS) + r""")\\?["']?\s*[:=]\s*)"""
    # a quoted value (JSON, a repr, JSON inside a JSON string), to its closing quote or, cut
    # off, to the end of the text; or a bare one (a query string, key=value text)
    r"""(?:(?P<escape>\\?)(?P<quote>["'])(?:(?!(?P=escape)(?P=quote))[\s\S])*(?P<closed>(?P=escape)(?P=quote))?"""
    r"""|[^\s"'&,;)}\]\\]+)""",
    re.IGNORECASE,
)


def _mask(match: re.Match[str]) -> str:
    quote = match.group("quote")
    if quote is None:
        return match.group("key") + "***"
    return match.group("key") + match.group("escape") + quote + "***" + (match.group("closed") or "")


def mask_secrets(text: str) -> str:
    """``text`` with the values of token and credential fields shown as ``***``: quoted (JSON,
    a repr; also a value cut off by an excerpt before its closing quote) or bare
    (``client_secret=...`` in a query string or a message)."""
    return _SECRET_VALUE.sub(_mask, text)


def redact(text: str, known: tuple[str | None, ...]) -> str:
    """``text`` with each known secret value (the client's own secret and tokens) shown as
    ``***``, and token and credential fields masked (:func:`mask_secrets`)."""
    return mask_secrets(mask_known_values(text, known))


def mask_known_values(text: str, known: tuple[str | None, ...]) -> str:
    """``text`` with each known secret value shown as ``***`` and nothing else changed (a JSON
    text stays JSON: a value inside a string is replaced inside it)."""
    for value in known:
        if value and len(value) >= 4 and value in text:
            text = text.replace(value, "***")
    return text


def masked_value(value: Any) -> Any:
    """``value`` (a JSON value) with token and credential fields shown as ``***``; a value
    nested too deeply to walk becomes ``"<nested too deeply>"``."""

    def mask(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: ("***" if k in SECRET_KEYS else mask(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [mask(v) for v in node]
        return node

    try:
        return mask(value)
    except RecursionError:
        return "<nested too deeply>"


def masked_json(value: Any) -> str:
    """``value`` as JSON with token and credential fields shown as ``***``."""
    import json

    try:
        return json.dumps(masked_value(value), default=repr)
    except RecursionError:
        return '"<nested too deeply>"'
