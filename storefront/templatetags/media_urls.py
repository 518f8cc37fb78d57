"""Addresses of stored images and absolute URLs, for templates.

{% load media_urls %}
<img src="{{ listing.image_name|image_url:'card' }}" alt="{{ listing.image_alt }}">
<meta property="og:image" content="{{ product_image|image_url:'gallery'|absolute_url }}">
"""

from __future__ import annotations

from django import template

from marketplace.media.images import image_url as media_image_url
from storefront.seo import absolute_url as seo_absolute_url

register = template.Library()


@register.filter
def image_url(name: str | None, size: str = "card") -> str:
    """The URL of stored image `name` at `size` (thumb, card, gallery); "" without a name,
    so `{% if %}` can test the result."""
    if not name:
        return ""
    return media_image_url(name=str(name), size=size)


@register.filter
def absolute_url(url: str | None) -> str:
    """`url` on the site's public origin (settings.SITE_URL) when it is a path; absolute
    URLs (a CDN's) stay as they are."""
    return seo_absolute_url(url or "")
