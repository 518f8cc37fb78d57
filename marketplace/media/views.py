"""Serving local media files in dev and tests (never in production: Cloudinary or the web
server in front delivers them there)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_safe
from django.views.static import serve


@require_safe
def media_file(request: HttpRequest, path: str) -> HttpResponseBase:
    """The file at `path` under MEDIA_ROOT, or 404.

    Reads MEDIA_ROOT on every request, unlike `serve` given `document_root` in a URLconf,
    which keeps the value from start-up: tests that point MEDIA_ROOT at a temporary
    directory are then served from it.
    """
    return serve(request, path, document_root=str(settings.MEDIA_ROOT))
