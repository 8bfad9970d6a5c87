"""Types shared by the generated models and operations: ``UNSET`` and ``Response``."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from http import HTTPStatus
from typing import IO, BinaryIO, Generic, Literal, TypeVar

from attrs import define

__all__ = ["UNSET", "File", "FileTypes", "RequestFiles", "Response", "Unset"]


class Unset:
    """The type of ``UNSET``: a parameter or field that was not given."""

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "UNSET"

    def __reduce__(self) -> str:
        return "UNSET"  # pickles as the module-level singleton


UNSET: Unset = Unset()

# The types that `httpx.Client(files=)` accepts (the generator's models refer to them).
FileContent = IO[bytes] | bytes | str
FileTypes = tuple[str | None, FileContent, str | None] | tuple[str | None, FileContent, str | None, Mapping[str, str]]
RequestFiles = list[tuple[str, FileTypes]]


@define
class File:
    """A file for a multipart upload."""

    payload: BinaryIO
    file_name: str | None = None
    mime_type: str | None = None

    def to_tuple(self) -> FileTypes:
        return self.file_name, self.payload, self.mime_type


T = TypeVar("T")


@define
class Response(Generic[T]):
    """A raw answer: status, body, headers, and ``parsed``, the model of its status (or None).

    ``status_code`` is an ``HTTPStatus`` when the status is a known one and a plain ``int``
    otherwise (Cloudflare's 520, for instance); both compare equal to the number.
    """

    status_code: HTTPStatus | int
    content: bytes
    headers: MutableMapping[str, str]
    parsed: T | None


def status_of(code: int) -> HTTPStatus | int:
    """``HTTPStatus(code)``, or ``code`` itself when it is not a standard status."""
    try:
        return HTTPStatus(code)
    except ValueError:
        return code


# Copied from runtime/_core/types.py by make generate. Do not edit here: edit runtime/_core/types.py.
