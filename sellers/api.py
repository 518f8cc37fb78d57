"""Public catalog endpoints: cross-shop listings and one shop's published products."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from marketplace.api.pagination import PageNumber
from sellers.catalog.models import Product
from sellers.catalog.selectors import products_for_dashboard
from sellers.listings.models import Listing
from sellers.listings.selectors import listings_search

router = Router(tags=["catalog"])


class ListingOut(Schema):
    id: int
    shop_slug: str
    shop_name: str
    product_id: int
    title: str
    slug: str
    price: Decimal
    sale_price: Decimal | None
    currency: str
    in_stock: bool
    image_url: str
    published_at: datetime

    @staticmethod
    def resolve_shop_slug(listing: Listing) -> str:
        return listing.shop.slug

    @staticmethod
    def resolve_shop_name(listing: Listing) -> str:
        return listing.shop.name


class ProductOut(Schema):
    id: int
    title: str
    slug: str
    description: str
    price: Decimal
    currency: str
    in_stock: bool

    @staticmethod
    def resolve_in_stock(product: Product) -> bool:
        return product.stock > 0


@router.get("/listings", response=list[ListingOut])
@paginate(PageNumber)
def listings(request: HttpRequest, q: str = "") -> QuerySet[Listing]:
    return listings_search(query=q[:200])


@router.get("/shops/{shop_slug}/products", response=list[ProductOut])
@paginate(PageNumber)
def shop_products(request: HttpRequest, shop_slug: str) -> QuerySet[Product]:
    # The routing middleware activated the shop's schema (404 for an unknown shop).
    shop = getattr(request, "shop", None)
    if shop is None:
        raise Http404("No such shop")
    if shop.is_suspended:
        # A suspended shop sells nothing: its products vanish from every shopper read.
        return Product.objects.none()
    return products_for_dashboard(status=Product.Status.PUBLISHED)
