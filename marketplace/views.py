"""Error pages: HTML for the site, the API's error shape under /api/."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse

from marketplace.api.errors import error_body


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(error_body("Not found.", "not_found"), status=404)
    return TemplateResponse(request, "404.html", status=404).render()


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(error_body("Permission denied.", "permission_denied"), status=403)
    return TemplateResponse(
        request, "403.html", {"reason": str(exception or "")}, status=403
    ).render()


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(error_body("Bad request.", "bad_request"), status=400)
    return HttpResponse("Bad request", status=400, content_type="text/plain")


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            error_body("Something went wrong on our side.", "server_error"), status=500
        )
    # No context processors: whatever failed may fail again while rendering.
    return HttpResponse(render_to_string("500.html"), status=500)
