"""What search engines and link previews read: titles, descriptions, canonical URLs,
OpenGraph/Twitter tags and JSON-LD. Views build a `PageMeta`; base.html renders it.

Every absolute URL starts with settings.SITE_URL, never the request's Host header (which
the client writes), so a canonical link cannot be pointed at another site.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

DESCRIPTION_LENGTH = 160
SITE_NAME = "Marketplace"
SCHEMA_ORG = "https://schema.org"
# JSON inside <script> must not be able to close the tag or open a comment.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@dataclass(frozen=True)
class PageMeta:
    """The head of one public page. `title` is the whole <title>; `canonical_url` and
    `image_url` are absolute; `json_ld` holds schema.org objects."""

    title: str
    description: str
    canonical_url: str
    og_type: str = "website"
    image_url: str = ""
    image_alt: str = ""
    json_ld: tuple[Mapping[str, Any], ...] = field(default=())
    noindex: bool = False

    @property
    def twitter_card(self) -> str:
        return "summary_large_image" if self.image_url else "summary"


def absolute_url(url: str) -> str:
    """`url` on the public origin when it is a path ("/shops/x/"); URLs with a scheme
    (a CDN's) and "" stay as they are."""
    if not url or "://" in url or url.startswith("//"):
        return url
    return settings.SITE_URL.rstrip("/") + ("" if url.startswith("/") else "/") + url


def canonical_url(*, path: str, page: int | None = None) -> str:
    """The page's address without tracking or other query parameters; the page number
    stays (each page of a list is its own document), except page 1."""
    query = f"?{urlencode({'page': page})}" if page and page > 1 else ""
    return absolute_url(path) + query


def meta_description(*texts: str) -> str:
    """The first non-empty text, whitespace collapsed, cut at a word to 160 characters."""
    for text in texts:
        text = " ".join((text or "").split())
        if text:
            return Truncator(text).chars(DESCRIPTION_LENGTH)
    return ""


def page_meta(
    *,
    title: str,
    description: str,
    path: str,
    page: int | None = None,
    og_type: str = "website",
    image_url: str = "",
    image_alt: str = "",
    json_ld: Sequence[Mapping[str, Any]] = (),
) -> PageMeta:
    return PageMeta(
        title=title,
        description=meta_description(description),
        canonical_url=canonical_url(path=path, page=page),
        og_type=og_type,
        image_url=absolute_url(image_url),
        image_alt=image_alt,
        json_ld=tuple(json_ld),
    )


def json_ld_script(data: Mapping[str, Any]) -> SafeString:
    """A <script type="application/ld+json"> element holding `data`, safe to put in HTML."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False, default=_json_default)
    return mark_safe(  # noqa: S308 - the only markup is ours; the JSON is escaped above
        '<script type="application/ld+json">' + text.translate(_JSON_SCRIPT_ESCAPES) + "</script>"
    )


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def breadcrumb_json_ld(items: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """schema.org BreadcrumbList of (name, absolute URL) from the top down."""
    return {
        "@context": SCHEMA_ORG,
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "name": name, "item": url}
            for position, (name, url) in enumerate(items, start=1)
        ],
    }


@dataclass(frozen=True)
class OfferData:
    sku: str
    price: Decimal
    in_stock: bool
    url: str


def product_json_ld(
    *,
    name: str,
    description: str,
    url: str,
    sku: str,
    brand: str,
    image_urls: Sequence[str],
    offers: Sequence[OfferData],
    currency: str,
    rating_average: Decimal | None = None,
    rating_count: int = 0,
) -> dict[str, Any]:
    """schema.org Product with one Offer per variant; AggregateRating only when rated."""
    data: dict[str, Any] = {
        "@context": SCHEMA_ORG,
        "@type": "Product",
        "name": name,
        "url": url,
        "sku": sku,
        "brand": {"@type": "Brand", "name": brand},
    }
    if image_urls:
        data["image"] = list(image_urls)
    if description:
        data["description"] = description
    data["offers"] = [
        {
            "@type": "Offer",
            "sku": offer.sku,
            "price": f"{offer.price:.2f}",
            "priceCurrency": currency,
            "availability": f"{SCHEMA_ORG}/{'InStock' if offer.in_stock else 'OutOfStock'}",
            "url": offer.url,
        }
        for offer in offers
    ]
    if rating_count > 0 and rating_average is not None:
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": f"{rating_average:.2f}",
            "reviewCount": rating_count,
            "bestRating": "5",
            "worstRating": "1",
        }
    return data
