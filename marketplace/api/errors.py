"""One error shape for every API failure: {"detail": ..., "code": ...}."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from marketplace.errors import ApplicationError

logger = logging.getLogger(__name__)


HTTP_ERROR_CODES = {
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    429: "throttled",
}


def _field_name(location: list[Any] | tuple[Any, ...]) -> str | None:
    """The input's name as clients wrote it: ("body", "payload", "email") → "email",
    ("query", "page_size") → "page_size". The handler's parameter name ("payload") is
    ours, not the client's, and services name fields the same way."""
    parts = [str(part) for part in location]
    skip = 2 if parts[:1] == ["body"] and len(parts) > 2 else 1
    return ".".join(parts[skip:]) or None


def error_body(detail: Any, code: str) -> dict[str, Any]:
    return {"detail": detail, "code": code}


def install_error_handlers(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, status: int, detail: Any, code: str) -> HttpResponse:
        return api.create_response(request, error_body(detail, code), status=status)

    @api.exception_handler(ApplicationError)
    def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
        detail: Any = exc.message
        if exc.errors:
            detail = [{"field": name, "message": message} for name, message in exc.errors.items()]
        response = respond(request, exc.status, detail, exc.code)
        # Throttling errors of services (e.g. sign-in failures) say how long to wait.
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            response["Retry-After"] = str(max(1, int(retry_after)))
        return response

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        detail = [
            {
                "field": _field_name(error.get("loc", [])),
                "message": error.get("msg", "Invalid value"),
            }
            for error in exc.errors
        ]
        return respond(request, 422, detail, "validation_error")

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(request, 401, "Authentication required.", "not_authenticated")

    @api.exception_handler(PermissionDenied)
    def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return respond(request, 403, str(exc) or "Permission denied.", "permission_denied")

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, str(exc) or "Not found.", "not_found")

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = HTTP_ERROR_CODES.get(exc.status_code, "error")
        return respond(request, exc.status_code, str(exc), code)

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("API error on %s", request.path)
        return respond(request, 500, "Something went wrong on our side.", "server_error")
