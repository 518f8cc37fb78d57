"""Keeps the API's error shape for the one error django-ninja answers in plain text."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from marketplace.api.errors import error_body


class ApiMethodNotAllowedMiddleware:
    """A 405 under /api/ becomes `{"detail": ..., "code": "method_not_allowed"}`.

    django-ninja builds its 405 before any exception handler could run (a plain
    HttpResponseNotAllowed), so it is reshaped here; the Allow header is kept.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 405
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            reshaped = JsonResponse(
                error_body("Method not allowed.", "method_not_allowed"), status=405
            )
            if response.has_header("Allow"):
                reshaped["Allow"] = response["Allow"]
            return reshaped
        return response
