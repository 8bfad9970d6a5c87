"""Types shared by the models and operations; the code lives in ``deribit_session_client._core.types``."""

from ._core.types import UNSET, File, FileTypes, RequestFiles, Response, Unset

__all__ = ["UNSET", "File", "FileTypes", "RequestFiles", "Response", "Unset"]
