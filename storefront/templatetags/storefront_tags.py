"""Small presentation helpers for shopper pages: money, shipping lines, stars, JSON-LD."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template
from django.conf import settings
from django.utils.safestring import SafeString

from storefront.seo import json_ld_script
from tenants.models import Shop

register = template.Library()

STAR_COUNT = 5


def short_amount(amount: Decimal) -> str:
    """50.00 → "50", 4.90 → "4.90": whole amounts read better without cents in prose."""
    if amount == amount.to_integral_value():
        return f"{amount:,.0f}"
    return f"{amount:,.2f}"


@register.filter
def money(amount: Decimal | None, currency: str = "") -> str:
    """ "EUR 30.00"; "" for None."""
    if amount is None:
        return ""
    return f"{currency or settings.MARKETPLACE_CURRENCY} {Decimal(amount):,.2f}"


@register.filter
def shipping_summary(shop: Shop) -> list[str]:
    """What shipping costs from this shop, one line each, as shoppers read it."""
    currency = settings.MARKETPLACE_CURRENCY
    flat = shop.shipping_flat_rate or Decimal(0)
    threshold = shop.free_shipping_threshold
    if flat == 0:
        return ["Free shipping on every order"]
    lines = [f"Flat {currency} {short_amount(flat)} per order"]
    if threshold is not None:
        if threshold == 0:
            return ["Free shipping on every order"]
        lines.insert(0, f"Free shipping from {currency} {short_amount(threshold)}")
    return lines


@register.filter
def tax_note(shop: Shop) -> str:
    if not shop.tax_rate:
        return "Prices include any taxes."
    return f"Prices include {shop.tax_rate.normalize():f}% tax."


@register.filter
def stars(rating: Decimal | float | None) -> str:
    """★★★★☆ for 4.2: the rating rounded to whole stars (the number is shown next to it)."""
    value = Decimal(str(rating or 0)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    full = max(0, min(STAR_COUNT, int(value)))
    return "★" * full + "☆" * (STAR_COUNT - full)


@register.filter
def json_ld(data: Mapping[str, Any]) -> SafeString:
    """{{ data|json_ld }}: a <script type="application/ld+json"> with `data`, escaped."""
    return json_ld_script(data)
