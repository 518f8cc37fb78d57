"""The follows and wish list sections of a person's data export."""

from __future__ import annotations

from typing import Any

from marketplace.accounts.export import register_export_section
from marketplace.accounts.models import User
from marketplace.timestamps import isoformat_or_none
from storefront.follows.models import Follow, WishlistItem


def follows_for_export(user: User) -> list[dict[str, Any]]:
    return [
        {
            "shop": follow.shop.name,
            "shop_slug": follow.shop.slug,
            "since": isoformat_or_none(follow.created_at),
        }
        for follow in Follow.objects.filter(user=user)
        .select_related("shop")
        .order_by("created_at", "id")
    ]


def wishlist_for_export(user: User) -> list[dict[str, Any]]:
    return [
        {
            "shop_slug": item.shop.slug,
            "product_id": item.product_id,
            "variant_id": item.variant_id,
            "since": isoformat_or_none(item.created_at),
        }
        for item in WishlistItem.objects.filter(user=user)
        .select_related("shop")
        .order_by("created_at", "id")
    ]


register_export_section("followed_shops", follows_for_export)
register_export_section("wish_list", wishlist_for_export)
