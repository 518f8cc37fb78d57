"""The one error type services raise for a request that cannot be carried out."""

from __future__ import annotations


class ApplicationError(Exception):
    """A user-facing failure: `message` is shown to people, `code` to API clients.

    `field` names the input at fault when there is one, so forms can show the message
    next to it; `errors` maps every faulty field to its message when there are several
    (`field` is then the first of them).
    """

    def __init__(
        self,
        message: str,
        *,
        code: str = "invalid",
        field: str | None = None,
        status: int = 400,
        errors: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.status = status
        self.errors = errors or ({field: message} if field else {})
