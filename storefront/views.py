"""What shoppers see. Cross-shop pages read only the public Listing table; a product page
reads its own shop's schema (the routing middleware selected it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from marketplace.media.images import image_url
from marketplace.pagination import paginate
from sellers.catalog.public_selectors import (
    VARIANT_PARAMETER,
    ProductPage,
    product_page_get,
    variant_select,
    variant_stock_level,
    variant_stock_status,
)
from sellers.catalog.text import plain_text
from sellers.listings.sections import home_sections, shop_listings
from storefront.seo import (
    OfferData,
    absolute_url,
    breadcrumb_json_ld,
    meta_description,
    page_meta,
    product_json_ld,
)
from tenants.models import Shop

SITE_TITLE = "Marketplace"
HOME_TITLE = "Marketplace — every shop, one cart"
HOME_DESCRIPTION = (
    "Shop independent sellers in one place: new arrivals, deals and top-rated products "
    "from every shop, one cart and one checkout."
)


@dataclass(frozen=True)
class GalleryImage:
    full: str  # the "gallery" size, also where a thumbnail links without JavaScript
    thumb: str
    alt: str
    width: int
    height: int


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    if query:
        # Searching used to happen here: old links and bookmarks go to the search page.
        try:
            return redirect(f"{reverse('storefront:search')}?{request.GET.urlencode()}")
        except NoReverseMatch:
            pass
    context = {
        "sections": home_sections(),
        "seo": page_meta(
            title=HOME_TITLE,
            description=HOME_DESCRIPTION,
            path=reverse("storefront:home"),
            json_ld=[
                {
                    "@context": "https://schema.org",
                    "@type": "WebSite",
                    "name": SITE_TITLE,
                    "url": absolute_url(reverse("storefront:home")),
                }
            ],
        ),
    }
    return TemplateResponse(request, "storefront/home.html", context)


def _suspended_notice(request: HttpRequest, shop: Shop, *, status: int) -> TemplateResponse:
    # The suspension reason is for the shop's staff (dashboard); shoppers get the fact only.
    return TemplateResponse(
        request, "storefront/shop_suspended.html", {"shop": shop}, status=status
    )


def _shop_image(shop: Shop) -> tuple[str, str]:
    """The picture that represents a shop in link previews: banner, else logo."""
    if shop.banner.name:
        return image_url(name=shop.banner.name, size="gallery"), f"{shop.name} banner"
    if shop.logo.name:
        return image_url(name=shop.logo.name, size="card"), f"{shop.name} logo"
    return "", ""


@require_GET
def shop_detail(request: HttpRequest, shop_slug: str) -> TemplateResponse:
    shop: Shop = request.shop  # type: ignore[attr-defined]
    if shop.is_suspended:
        return _suspended_notice(request, shop, status=200)
    listing_page = paginate(request, shop_listings(shop=shop))
    number = listing_page["page_obj"].number
    shop_url = reverse("storefront:shop", kwargs={"shop_slug": shop.slug})
    image, image_alt = _shop_image(shop)
    title = (
        f"{shop.name} · Page {number} · {SITE_TITLE}"
        if number > 1
        else f"{shop.name} · {SITE_TITLE}"
    )
    seo = page_meta(
        title=title,
        description=meta_description(
            shop.description, f"{shop.name}: products for sale on {SITE_TITLE}."
        ),
        path=shop_url,
        page=number,
        image_url=image,
        image_alt=image_alt,
        json_ld=[
            breadcrumb_json_ld(
                [
                    (SITE_TITLE, absolute_url(reverse("storefront:home"))),
                    (shop.name, absolute_url(shop_url)),
                ]
            )
        ],
    )
    context = {"shop": shop, "seo": seo, **listing_page}
    return TemplateResponse(request, "storefront/shop_detail.html", context)


@require_GET
def product_detail(request: HttpRequest, shop_slug: str, product_slug: str) -> TemplateResponse:
    shop: Shop = request.shop  # type: ignore[attr-defined]
    if shop.is_suspended:
        # The product is not for sale while the shop is suspended: not found, and why.
        return _suspended_notice(request, shop, status=404)
    page = product_page_get(shop=shop, slug=product_slug)  # the shop's schema is active
    if page is None:
        raise Http404("No such product")
    choice = variant_select(page=page, query=request.GET)
    product = page.product
    product_url = reverse(
        "storefront:product", kwargs={"shop_slug": shop.slug, "product_slug": product.slug}
    )
    shop_url = reverse("storefront:shop", kwargs={"shop_slug": shop.slug})
    summary = plain_text(product.description_html, limit=300)
    gallery = [
        GalleryImage(
            full=image_url(name=image.name, size="gallery"),
            thumb=image_url(name=image.name, size="thumb"),
            alt=image.alt or product.title,
            width=image.width,
            height=image.height,
        )
        for image in page.images
    ]
    breadcrumbs = [
        (SITE_TITLE, absolute_url(reverse("storefront:home"))),
        (shop.name, absolute_url(shop_url)),
        (product.title, absolute_url(product_url)),
    ]
    seo = page_meta(
        title=f"{product.title} · {shop.name}",
        description=meta_description(summary, f"{product.title} from {shop.name}."),
        path=product_url,
        og_type="product",
        image_url=gallery[0].full if gallery else "",
        image_alt=gallery[0].alt if gallery else "",
        json_ld=[
            _product_json_ld(
                page=page,
                shop=shop,
                url=absolute_url(product_url),
                summary=summary,
                sku=choice.variant.sku,
                gallery=gallery,
            ),
            breadcrumb_json_ld(breadcrumbs),
        ],
    )
    context: dict[str, Any] = {
        "shop": shop,
        "page": page,
        "product": product,
        "variant": choice.variant,
        "stock_status": variant_stock_status(choice.variant),
        "stock_level": variant_stock_level(choice.variant),
        "unavailable": choice.unavailable,
        "picker_options": [
            {
                "name": option.name,
                "parameter": option.parameter,
                "choices": [
                    (value, value == str(choice.variant.options.get(option.name, "")))
                    for value in option.values
                ],
            }
            for option in page.options
        ],
        "product_url": product_url,
        "gallery": gallery,
        "seo": seo,
        "variant_parameter": VARIANT_PARAMETER,
    }
    return TemplateResponse(request, "storefront/product_detail.html", context)


def _product_json_ld(
    *,
    page: ProductPage,
    shop: Shop,
    url: str,
    summary: str,
    sku: str,
    gallery: list[GalleryImage],
) -> dict[str, Any]:
    several = len(page.variants) > 1
    return product_json_ld(
        name=page.product.title,
        description=summary,
        url=url,
        sku=sku,
        brand=shop.name,
        image_urls=[absolute_url(image.full) for image in gallery],
        offers=[
            OfferData(
                sku=variant.sku,
                price=variant.price,
                in_stock=variant.in_stock,
                url=f"{url}?{VARIANT_PARAMETER}={variant.id}" if several else url,
            )
            for variant in page.variants
        ],
        currency=page.currency,
        rating_average=page.rating_average,
        rating_count=page.rating_count,
    )
