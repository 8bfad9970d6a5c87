"""Checks that the generated models' ``from_dict`` runs on every field, and their ``repr``.

The model template (templates/model.py.jinja) wraps each field of a primitive type in one
of the ``expect_*`` functions, so an answer whose JSON types are wrong raises
:class:`FieldTypeError` naming the field instead of building a model that lies about its types.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import attrs

from ..types import Unset

__all__ = [
    "FieldTypeError",
    "field_error",
    "expect_bool",
    "expect_float",
    "expect_int",
    "expect_object",
    "expect_str",
    "model_repr",
]

_DIGITS = re.compile(r"-?[0-9]+")


class FieldTypeError(TypeError):
    """A field of an answer is missing or has the wrong JSON type. ``field`` is its path
    (``result.enabled``; empty for the answer itself), ``problem`` what is wrong with it."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        where = f"field {field!r}" if field else "the answer"
        super().__init__(f"{where} {problem}")

    @classmethod
    def wrong_type(cls, field: str, expected: str, value: Any) -> FieldTypeError:
        shown = repr(value)
        if len(shown) > 60:
            shown = shown[:60] + "..."
        return cls(field, f"must be {expected}, got {type(value).__name__} {shown}")


def field_error(field: str, exc: Exception) -> FieldTypeError:
    """``exc``, raised while reading ``field``, as a FieldTypeError whose path starts at ``field``."""
    if isinstance(exc, FieldTypeError):
        return FieldTypeError(f"{field}.{exc.field}" if exc.field else field, exc.problem)
    if isinstance(exc, KeyError):
        return FieldTypeError(f"{field}.{exc.args[0]}", "is missing")
    text = str(exc)
    return FieldTypeError(field, f"is not valid: {text[:120]}")


def expect_object(value: Any) -> dict[str, Any]:
    """A copy of ``value`` as a dict, when it is a JSON object."""
    if not isinstance(value, Mapping):
        raise FieldTypeError.wrong_type("", "an object", value)
    return dict(value)


def expect_bool(value: Any, field: str) -> Any:
    if isinstance(value, bool) or isinstance(value, Unset):
        return value
    raise FieldTypeError.wrong_type(field, "a boolean", value)


def expect_int(value: Any, field: str) -> Any:
    """An integer; a string of decimal digits is read as one (the exchange has sent
    ``usIn``/``usOut`` as strings)."""
    if isinstance(value, int) and not isinstance(value, bool) or isinstance(value, Unset):
        return value
    if isinstance(value, str) and len(value) <= 40 and _DIGITS.fullmatch(value):
        return int(value)
    raise FieldTypeError.wrong_type(field, "an integer", value)


def expect_float(value: Any, field: str) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool) or isinstance(value, Unset):
        return value
    raise FieldTypeError.wrong_type(field, "a number", value)


def expect_str(value: Any, field: str) -> Any:
    if isinstance(value, str) or isinstance(value, Unset):
        return value
    raise FieldTypeError.wrong_type(field, "a string", value)


def model_repr(self: Any) -> str:
    """``Model(field=value, ...)`` without the fields that were not set."""
    parts = [
        f"{a.name}={getattr(self, a.name)!r}"
        for a in attrs.fields(type(self))
        if a.name != "additional_properties" and not isinstance(getattr(self, a.name), Unset)
    ]
    extra = getattr(self, "additional_properties", None)
    if extra:
        parts.append(f"additional_properties={extra!r}")
    return f"{type(self).__name__}({', '.join(parts)})"
