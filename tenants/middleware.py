"""Path routing: activate the shop schema for /shops/<slug>/, /sell/<slug>/ and the shop API."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse

from tenants.schemas import use_public_schema, use_shop_schema
from tenants.selectors import shop_get_by_slug
from tenants.services import RESERVED_SLUGS

SHOP_PATH = re.compile(r"^/(?:shops|sell|api/v1/shops)/(?P<slug>[^/]+)(?:/|$)")


class ShopRoutingMiddleware:
    """Sets `request.shop` and the shop's schema, or the public schema for other paths.

    An unknown shop is a 404 before any view runs. Reserved words (`/sell/new/`) are never
    shop slugs, so those paths run in public like any other. The schema is reset to public
    after the response so a reused connection never starts in a shop's schema.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        use_public_schema()
        request.shop = None  # type: ignore[attr-defined]
        match = SHOP_PATH.match(request.path_info)
        if match and match["slug"] not in RESERVED_SLUGS:
            shop = shop_get_by_slug(slug=match["slug"])
            if shop is None:
                raise Http404("No such shop")
            request.shop = shop  # type: ignore[attr-defined]
            request.tenant = shop  # type: ignore[attr-defined]
            use_shop_schema(shop)
        try:
            return self.get_response(request)
        finally:
            use_public_schema()
