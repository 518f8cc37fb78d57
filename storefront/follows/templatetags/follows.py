"""`{% follow_button shop %}` and `{% wish_button shop product %}`: the buttons with their
state looked up (one query each, none for anonymous visitors)."""

from __future__ import annotations

from typing import Any

from django import template

from storefront.follows.selectors import product_is_wished, shop_is_followed
from tenants.models import Shop

register = template.Library()


@register.inclusion_tag("storefront/follows/follow_button.html", takes_context=True)
def follow_button(context: template.Context, shop: Shop) -> dict[str, Any]:
    request = context["request"]
    return {
        "request": request,
        "user": request.user,
        "csrf_token": context.get("csrf_token"),
        "shop": shop,
        "is_following": shop_is_followed(user=request.user, shop=shop),
        "next": request.get_full_path(),
    }


@register.inclusion_tag("storefront/follows/wish_button.html", takes_context=True)
def wish_button(
    context: template.Context, shop: Shop, product: Any, variant_id: int | None = None
) -> dict[str, Any]:
    """`product`: anything with `id` (the product's id in the shop), `slug` and `title`
    (the catalog Product on the product page, or a Listing with `product_id`)."""
    request = context["request"]
    product_id = getattr(product, "product_id", None) or product.id
    return {
        "request": request,
        "user": request.user,
        "csrf_token": context.get("csrf_token"),
        "shop": shop,
        "product_slug": product.slug,
        "product_title": product.title,
        "is_wished": product_is_wished(user=request.user, shop=shop, product_id=product_id),
        "variant_id": variant_id,
        "next": request.get_full_path(),
    }
