"""Reading follows and wish lists (public schema only)."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet, Subquery

from marketplace.accounts.models import User
from sellers.listings.models import Listing
from storefront.follows.models import Follow, WishlistItem
from tenants.models import Shop


def shop_is_followed(*, user: User | AnonymousUser, shop: Shop) -> bool:
    if not user.is_authenticated:
        return False
    return Follow.objects.filter(user=user, shop=shop).exists()


def product_is_wished(*, user: User | AnonymousUser, shop: Shop, product_id: int) -> bool:
    if not user.is_authenticated:
        return False
    return WishlistItem.objects.filter(user=user, shop=shop, product_id=product_id).exists()


def follows_of(*, user: User) -> QuerySet[Follow]:
    """The shops `user` follows, most recently followed first (shop loaded)."""
    return Follow.objects.filter(user=user).select_related("shop").order_by("-created_at", "-id")


def wished_listings(*, user: User) -> QuerySet[Listing]:
    """What `user` wished for that is on sale now, most recently wished first: Listing rows
    of open shops annotated with `wished_at` and `wished_variant_id`. A wished product
    that is unpublished or whose shop is suspended is left out until it is back."""
    wishes = WishlistItem.objects.filter(
        user=user, shop_id=OuterRef("shop_id"), product_id=OuterRef("product_id")
    )
    return (
        Listing.objects.filter(Exists(wishes), shop__status=Shop.Status.ACTIVE)
        .select_related("shop")
        .annotate(
            wished_at=Subquery(wishes.values("created_at")[:1]),
            wished_variant_id=Subquery(wishes.values("variant_id")[:1]),
        )
        .order_by("-wished_at", "-id")
    )


def discount_audience(*, shop_id: int, product_ids: Iterable[int]) -> list[int]:
    """Ids of the active people who follow the shop or wished for one of `product_ids` of
    it, each once, ascending. One query; both halves use an index on shop_id."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT audience.user_id FROM ("
            f" SELECT user_id FROM {Follow._meta.db_table} WHERE shop_id = %s"
            f" UNION"
            f" SELECT user_id FROM {WishlistItem._meta.db_table}"
            f" WHERE shop_id = %s AND product_id = ANY(%s)"
            f") audience JOIN {User._meta.db_table} person"
            f" ON person.id = audience.user_id AND person.is_active"
            f" ORDER BY audience.user_id",
            [shop_id, shop_id, sorted({int(each) for each in product_ids})],
        )
        return [row[0] for row in cursor.fetchall()]
