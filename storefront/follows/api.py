"""The signed-in person's follows and wish list: /api/v1/me/follows, /api/v1/me/wishlist.

Writes are idempotent: POST answers 201 when it added something and 200 when it was there
already; DELETE answers 204 either way.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from marketplace.api.auth import authenticated, request_user
from marketplace.api.pagination import PageNumber
from marketplace.api.schemas import InputSchema
from marketplace.errors import ApplicationError
from sellers.listings.models import Listing
from storefront.follows import services
from storefront.follows.models import Follow
from storefront.follows.selectors import follows_of, wished_listings
from tenants.models import Shop
from tenants.selectors import shop_get_by_slug

router = Router(tags=["following"])


class ShopRefOut(Schema):
    slug: str
    name: str
    url: str
    is_open: bool

    @staticmethod
    def resolve_url(shop: Shop) -> str:
        return reverse("storefront:shop", kwargs={"shop_slug": shop.slug})

    @staticmethod
    def resolve_is_open(shop: Shop) -> bool:
        return not shop.is_suspended


class FollowOut(Schema):
    shop: ShopRefOut
    followed_at: datetime

    @staticmethod
    def resolve_followed_at(follow: Follow) -> datetime:
        return follow.created_at


class FollowIn(InputSchema):
    shop: str = Field(max_length=40, description="The shop's slug")


class WishOut(Schema):
    shop: ShopRefOut
    product_id: int
    variant_id: int | None
    title: str
    slug: str
    url: str
    price: Decimal
    compare_at_price: Decimal | None
    on_sale: bool
    currency: str
    in_stock: bool
    wished_at: datetime

    @staticmethod
    def resolve_variant_id(listing: Listing) -> int | None:
        return listing.wished_variant_id  # type: ignore[attr-defined]

    @staticmethod
    def resolve_wished_at(listing: Listing) -> datetime:
        return listing.wished_at  # type: ignore[attr-defined]

    @staticmethod
    def resolve_url(listing: Listing) -> str:
        return reverse(
            "storefront:product",
            kwargs={"shop_slug": listing.shop.slug, "product_slug": listing.slug},
        )


class WishIn(InputSchema):
    shop: str = Field(max_length=40, description="The shop's slug")
    product_id: int
    variant_id: int | None = None


def _shop(slug: str) -> Shop:
    shop = shop_get_by_slug(slug=slug)
    if shop is None:
        raise ApplicationError("No such shop.", code="not_found", field="shop", status=404)
    return shop


@router.get("/me/follows", response=list[FollowOut], auth=authenticated)
@paginate(PageNumber)
def follows_list(request: HttpRequest) -> QuerySet[Follow]:
    """The shops the caller follows, most recent first."""
    return follows_of(user=request_user(request))


@router.post("/me/follows", response={200: FollowOut, 201: FollowOut}, auth=authenticated)
def follow_create(request: HttpRequest, payload: FollowIn) -> Status:
    """Follow a shop (409 `shop_unavailable` while it is suspended)."""
    user = request_user(request)
    shop = _shop(payload.shop)
    created = services.follow_shop(user=user, shop=shop)
    return Status(201 if created else 200, follows_of(user=user).get(shop=shop))


@router.delete("/me/follows/{shop_slug}", response={204: None}, auth=authenticated)
def follow_delete(request: HttpRequest, shop_slug: str) -> Status:
    services.unfollow_shop(user=request_user(request), shop=_shop(shop_slug))
    return Status(204, None)


@router.get("/me/wishlist", response=list[WishOut], auth=authenticated)
@paginate(PageNumber)
def wishlist_list(request: HttpRequest) -> QuerySet[Listing]:
    """Wished products that are on sale now, most recently wished first. A wished
    product that was unpublished (or whose shop is suspended) comes back when it does."""
    return wished_listings(user=request_user(request))


@router.post("/me/wishlist", response={200: WishOut, 201: WishOut}, auth=authenticated)
def wishlist_create(request: HttpRequest, payload: WishIn) -> Status:
    """Save a published product (optionally one of its variants) to the wish list. A
    product that is not on sale is 404 `product_unavailable`; a variant of another
    product 400 `variant_unknown`."""
    user = request_user(request)
    shop = _shop(payload.shop)
    created = services.wishlist_add(
        user=user, shop=shop, product_id=payload.product_id, variant_id=payload.variant_id
    )
    listing = wished_listings(user=user).get(shop=shop, product_id=payload.product_id)
    return Status(201 if created else 200, listing)


@router.delete("/me/wishlist/{shop_slug}/{product_id}", response={204: None}, auth=authenticated)
def wishlist_delete(request: HttpRequest, shop_slug: str, product_id: int) -> Status:
    services.wishlist_remove(
        user=request_user(request), shop=_shop(shop_slug), product_id=product_id
    )
    return Status(204, None)
