"""Following shops and wishing for products. Every write is idempotent: following twice
is one follow, removing what isn't there is a no-op, and two requests racing can't make
two rows (unique constraints, INSERT … ON CONFLICT)."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

from marketplace.accounts.models import User
from marketplace.errors import ApplicationError
from sellers.catalog.models import Variant
from sellers.listings.models import Listing
from storefront.follows.models import Follow, WishlistItem
from tenants.models import Shop
from tenants.schemas import shop_schema


def _check_shop_open(*, shop: Shop) -> None:
    if shop.is_suspended:
        raise ApplicationError(
            "This shop is closed for now, so it can't be followed or wished from.",
            code="shop_unavailable",
            status=409,
        )


def follow_shop(*, user: User, shop: Shop) -> bool:
    """Follow `shop`. True if this made a new follow, False if it existed already."""
    _check_shop_open(shop=shop)
    return _insert_once(
        f"INSERT INTO {Follow._meta.db_table} (user_id, shop_id, created_at) "
        "VALUES (%s, %s, now()) ON CONFLICT DO NOTHING RETURNING id",
        [user.pk, shop.pk],
    )


def _insert_once(sql: str, params: list[Any]) -> bool:
    """Run an INSERT … ON CONFLICT DO NOTHING RETURNING id; True if a row went in.
    (bulk_create(ignore_conflicts=True) can't say which rows it inserted.)"""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() is not None


def unfollow_shop(*, user: User, shop: Shop) -> bool:
    """Stop following `shop`. True if a follow was removed."""
    deleted, _ = Follow.objects.filter(user=user, shop=shop).delete()
    return deleted > 0


def wishlist_add(*, user: User, shop: Shop, product_id: int, variant_id: int | None = None) -> bool:
    """Save a published product of `shop` (and optionally which variant) to the wish list.

    True if the product was not on the list before. Adding it again keeps one row and
    records the variant given. The product must be on sale now (a Listing row of an
    open shop) and the variant one of its variants, checked in the shop's schema.
    """
    _check_shop_open(shop=shop)
    if not Listing.objects.filter(shop=shop, product_id=product_id).exists():
        raise ApplicationError(
            "This product is not on sale, so it can't be added to a wish list.",
            code="product_unavailable",
            field="product_id",
            status=404,
        )
    if variant_id is not None:
        with shop_schema(shop):
            if not Variant.objects.filter(id=variant_id, product_id=product_id).exists():
                raise ApplicationError(
                    "Choose one of this product's variants.",
                    code="variant_unknown",
                    field="variant_id",
                    status=400,
                )
    with transaction.atomic():
        new = _insert_once(
            f"INSERT INTO {WishlistItem._meta.db_table} "
            "(user_id, shop_id, product_id, variant_id, created_at) "
            "VALUES (%s, %s, %s, %s, now()) ON CONFLICT DO NOTHING RETURNING id",
            [user.pk, shop.pk, product_id, variant_id],
        )
        if not new and variant_id is not None:
            WishlistItem.objects.filter(user=user, shop=shop, product_id=product_id).update(
                variant_id=variant_id
            )
    return new


def wishlist_remove(*, user: User, shop: Shop, product_id: int) -> bool:
    """Take a product off the wish list. True if it was on it."""
    deleted, _ = WishlistItem.objects.filter(user=user, shop=shop, product_id=product_id).delete()
    return deleted > 0
