"""/sitemap.xml (an index), /sitemaps/<section>-<n>.xml and /robots.txt.

Sections: `pages` (the homepage), `categories`, `shops` (active ones) and `products`
(the public Listing table: published products of active shops). Each section is split
into sitemaps of SITEMAP_SIZE URLs (the protocol allows 50,000; smaller files are cheaper
to build and re-fetch). Every sitemap is one query (two for the index: one count per
section); addresses start with settings.SITE_URL.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from sellers.listings import sections
from storefront.seo import absolute_url

SITEMAP_SIZE = 10_000
SITEMAP_NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
CACHE_SECONDS = 3600
DISALLOWED_PATHS = ("/sell/", "/api/", "/accounts/", "/platform/", "/admin/")

Entry = tuple[str, datetime | None]  # (absolute URL, last modified)


@dataclass(frozen=True)
class Section:
    count: Callable[[], int]
    entries: Callable[[int, int], Iterable[Entry]]  # (offset, limit)


def _home_count() -> int:
    return 1


def _home_entries(offset: int, limit: int) -> list[Entry]:
    entries: list[Entry] = [(absolute_url(reverse("storefront:home")), None)]
    return entries[offset : offset + limit]


def _category_url(slug: str) -> str | None:
    try:
        return absolute_url(reverse("storefront:category", kwargs={"category_slug": slug}))
    except NoReverseMatch:  # category pages are not routed: there is nothing to list
        return None


def _categories_routed() -> bool:
    return _category_url("any") is not None


def _category_entries(offset: int, limit: int) -> list[Entry]:
    entries = []
    for slug, lastmod in sections.sitemap_categories(offset=offset, limit=limit):
        url = _category_url(slug)
        if url is not None:
            entries.append((url, lastmod))
    return entries


def _shop_entries(offset: int, limit: int) -> list[Entry]:
    return [
        (absolute_url(reverse("storefront:shop", kwargs={"shop_slug": slug})), lastmod)
        for slug, lastmod in sections.sitemap_shops(offset=offset, limit=limit)
    ]


def _product_entries(offset: int, limit: int) -> list[Entry]:
    return [
        (
            absolute_url(
                reverse(
                    "storefront:product",
                    kwargs={"shop_slug": shop_slug, "product_slug": product_slug},
                )
            ),
            updated_at,
        )
        for shop_slug, product_slug, updated_at in sections.sitemap_listings(
            offset=offset, limit=limit
        )
    ]


SECTIONS: dict[str, Section] = {
    "pages": Section(count=_home_count, entries=_home_entries),
    "categories": Section(count=sections.sitemap_categories_count, entries=_category_entries),
    "shops": Section(count=sections.sitemap_shops_count, entries=_shop_entries),
    "products": Section(count=sections.sitemap_listings_count, entries=_product_entries),
}


def _w3c(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def _xml(body: Iterable[str]) -> HttpResponse:
    content = '<?xml version="1.0" encoding="UTF-8"?>\n' + "".join(body)
    return HttpResponse(content, content_type="application/xml; charset=utf-8")


@require_GET
@cache_control(public=True, max_age=CACHE_SECONDS)
def sitemap_index(request: HttpRequest) -> HttpResponse:
    lines = [f'<sitemapindex xmlns="{SITEMAP_NAMESPACE}">\n']
    for name, section in SECTIONS.items():
        if name == "categories" and not _categories_routed():
            continue
        pages = max(1, math.ceil(section.count() / SITEMAP_SIZE))
        for number in range(1, pages + 1):
            url = absolute_url(
                reverse("storefront:sitemap", kwargs={"section": name, "number": number})
            )
            lines.append(f"  <sitemap><loc>{escape(url)}</loc></sitemap>\n")
    lines.append("</sitemapindex>\n")
    return _xml(lines)


@require_GET
@cache_control(public=True, max_age=CACHE_SECONDS)
def sitemap_section(request: HttpRequest, section: str, number: int) -> HttpResponse:
    found = SECTIONS.get(section)
    if found is None or number < 1:
        raise Http404("No such sitemap")
    entries = list(found.entries((number - 1) * SITEMAP_SIZE, SITEMAP_SIZE))
    if not entries and number > 1:
        raise Http404("No such sitemap page")
    lines = [f'<urlset xmlns="{SITEMAP_NAMESPACE}">\n']
    for url, lastmod in entries:
        modified = f"<lastmod>{_w3c(lastmod)}</lastmod>" if lastmod else ""
        lines.append(f"  <url><loc>{escape(url)}</loc>{modified}</url>\n")
    lines.append("</urlset>\n")
    return _xml(lines)


@require_GET
@cache_control(public=True, max_age=CACHE_SECONDS)
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOWED_PATHS)]
    lines += ["", f"Sitemap: {absolute_url(reverse('storefront:sitemap_index'))}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
