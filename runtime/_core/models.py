"""Checks that the generated models' ``from_dict`` runs on every field, and their ``repr``.

The model template (templates/model.py.jinja) wraps each field of a primitive type in one
of the ``expect_*`` functions, so an answer whose JSON types are wrong raises
:class:`FieldTypeError` naming the field instead of building a model that lies about its types.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import attrs

from .types import Unset

__all__ = ["FieldTypeError", "expect_bool", "expect_float", "expect_int", "expect_object", "expect_str", "model_repr"]

U = TypeVar("U", bound=Unset)


class FieldTypeError(TypeError):
    """A field of an answer has the wrong JSON type. ``field`` names it."""

    def __init__(self, field: str, expected: str, value: Any) -> None:
        self.field = field
        shown = repr(value)
        if len(shown) > 60:
            shown = shown[:60] + "..."
        super().__init__(f"field {field!r} must be {expected}, got {type(value).__name__} {shown}")


def expect_object(value: Any, model: str) -> dict[str, Any]:
    """A copy of ``value`` as a dict, when it is a JSON object."""
    if not isinstance(value, Mapping):
        raise FieldTypeError(model, "an object", value)
    return dict(value)


def expect_bool(value: Any, field: str) -> Any:
    if isinstance(value, bool) or isinstance(value, Unset):
        return value
    raise FieldTypeError(field, "a boolean", value)


def expect_int(value: Any, field: str) -> Any:
    """An integer; a string of decimal digits is read as one (the exchange has sent
    ``usIn``/``usOut`` as strings)."""
    if isinstance(value, int) and not isinstance(value, bool) or isinstance(value, Unset):
        return value
    if isinstance(value, str) and value.isascii() and value.lstrip("-").isdigit() and len(value) <= 40:
        return int(value)
    raise FieldTypeError(field, "an integer", value)


def expect_float(value: Any, field: str) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool) or isinstance(value, Unset):
        return value
    raise FieldTypeError(field, "a number", value)


def expect_str(value: Any, field: str) -> Any:
    if isinstance(value, str) or isinstance(value, Unset):
        return value
    raise FieldTypeError(field, "a string", value)


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
