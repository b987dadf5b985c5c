"""One error hierarchy: each message names what was wrong, the offending value, the next step."""

from __future__ import annotations


class CommongroundError(Exception):
    """Base of every error a user can act on."""

    #: short machine-readable name used in the API's error shape
    code = "commonground_error"
    #: HTTP status the API answers with
    http_status = 400
    #: process exit status the CLI uses (see docs/cli.md)
    exit_code = 1

    def __init__(self, message: str, *, detail: object | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class InvalidInput(CommongroundError):
    """A value, option or record that does not follow the documented format."""

    code = "invalid_input"
    http_status = 422
    exit_code = 2


class InvalidRecord(InvalidInput):
    """An initiative record that does not validate against the public record format."""

    code = "invalid_record"


class InvalidDocument(CommongroundError):
    """A document that cannot be read as a report."""

    code = "invalid_document"
    http_status = 422
    exit_code = 3


class NotFound(CommongroundError):
    """A requested object does not exist in the store."""

    code = "not_found"
    http_status = 404
    exit_code = 4


class StoreError(CommongroundError):
    """The database cannot be opened, migrated or written."""

    code = "store_error"
    http_status = 503
    exit_code = 5


class ModelError(CommongroundError):
    """A model file is missing, corrupt or incompatible."""

    code = "model_error"
    http_status = 503
    exit_code = 6


class Interrupted(CommongroundError):
    """The user stopped a long run (Ctrl-C); the message says what was kept and how to resume."""

    code = "interrupted"
    exit_code = 130
