"""What shoppers see. Cross-shop pages read only the public Listing table."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from marketplace.pagination import paginate
from sellers.catalog.selectors import product_published_get
from sellers.listings.selectors import listings_search
from tenants.models import Shop


@require_GET
def home(request: HttpRequest) -> TemplateResponse:
    query = request.GET.get("q", "")[:200]
    context = {"query": query, **paginate(request, listings_search(query=query))}
    return TemplateResponse(request, "storefront/home.html", context)


def _suspended_notice(request: HttpRequest, shop: Shop, *, status: int) -> TemplateResponse:
    # The suspension reason is for the shop's staff (dashboard); shoppers get the fact only.
    return TemplateResponse(
        request, "storefront/shop_suspended.html", {"shop": shop}, status=status
    )


@require_GET
def shop_detail(request: HttpRequest, shop_slug: str) -> TemplateResponse:
    shop: Shop = request.shop  # type: ignore[attr-defined]
    if shop.is_suspended:
        return _suspended_notice(request, shop, status=200)
    context = {"shop": shop, **paginate(request, listings_search(shop=shop))}
    return TemplateResponse(request, "storefront/shop_detail.html", context)


@require_GET
def product_detail(request: HttpRequest, shop_slug: str, product_slug: str) -> TemplateResponse:
    shop: Shop = request.shop  # type: ignore[attr-defined]
    if shop.is_suspended:
        # The product is not for sale while the shop is suspended: not found, and why.
        return _suspended_notice(request, shop, status=404)
    product = product_published_get(slug=product_slug)  # the shop's schema is active
    if product is None:
        raise Http404("No such product")
    return TemplateResponse(
        request, "storefront/product_detail.html", {"shop": shop, "product": product}
    )
