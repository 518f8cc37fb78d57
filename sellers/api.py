"""Public catalog endpoints: cross-shop listing search and one shop's published products."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.conf import settings
from django.db.models import Exists, Min, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from marketplace.api.pagination import MAX_PAGE_SIZE, PageNumber
from marketplace.errors import ApplicationError
from marketplace.media.images import image_url
from sellers.catalog.models import Product, Variant
from sellers.listings.models import Listing
from sellers.listings.search import (
    MAX_PRICE,
    MAX_QUERY_LENGTH,
    MAX_RATING,
    MAX_SHOPS,
    MIN_RATING,
    SLUG_RE,
    SORTS,
    Facets,
    SearchParams,
)
from sellers.listings.selectors import listings_find, search_params_errors

router = Router(tags=["catalog"])

SortKey = Literal["relevance", "newest", "price_asc", "price_desc", "rating"]
assert set(SortKey.__args__) == set(SORTS)  # type: ignore[attr-defined]


class ListingFilters(Schema):
    q: str = Field("", max_length=MAX_QUERY_LENGTH, description="Words to search for")
    category: str = Field("", description="Category slug; includes its sub-categories")
    min_price: Decimal | None = Field(None, ge=0, le=MAX_PRICE, decimal_places=2)
    max_price: Decimal | None = Field(None, ge=0, le=MAX_PRICE, decimal_places=2)
    rating: int | None = Field(
        None, ge=MIN_RATING, le=MAX_RATING, description="Minimum average rating"
    )
    shop: list[str] = Field(
        default_factory=list, max_length=MAX_SHOPS, description="Shop slugs (any of them)"
    )
    on_sale: bool = False
    in_stock: bool = False
    sort: SortKey | None = Field(None, description="Default: relevance with words, newest without")
    page: int = Field(1, ge=1)
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)


class ListingOut(Schema):
    id: int
    shop_slug: str
    shop_name: str
    product_id: int
    title: str
    slug: str
    summary: str
    category: str | None = Field(description="Category slug")
    price: Decimal
    compare_at_price: Decimal | None
    on_sale: bool
    currency: str
    in_stock: bool
    rating_average: Decimal
    rating_count: int
    image_url: str = Field(description='Card-size image (400×400); "" without an image')
    image_alt: str
    published_at: datetime

    @staticmethod
    def resolve_shop_slug(listing: Listing) -> str:
        return listing.shop.slug

    @staticmethod
    def resolve_shop_name(listing: Listing) -> str:
        return listing.shop.name

    @staticmethod
    def resolve_category(listing: Listing) -> str | None:
        return listing.category.slug if listing.category else None

    @staticmethod
    def resolve_image_url(listing: Listing) -> str:
        return image_url(name=listing.image_name, size="card") if listing.image_name else ""


class FacetValueOut(Schema):
    slug: str
    name: str
    count: int
    selected: bool


class RatingFacetOut(Schema):
    min: int
    count: int


class PriceFacetOut(Schema):
    min: Decimal | None
    max: Decimal | None
    count: int


class FacetsOut(Schema):
    categories: list[FacetValueOut] = Field(
        description="Sub-categories of the chosen category (top level without one)"
    )
    shops: list[FacetValueOut] = Field(description="The shops with the most results")
    on_sale: int
    in_stock: int
    ratings: list[RatingFacetOut]
    prices: list[PriceFacetOut]


class ListingSearchOut(Schema):
    items: list[ListingOut]
    count: int
    page: int
    pages: int
    facets: FacetsOut = Field(
        description="Each filter's counts with every other filter applied (categories: "
        "with all filters)"
    )
    did_you_mean: str | None = Field(description="A corrected query when nothing matched")


def _facets_out(facets: Facets) -> FacetsOut:
    return FacetsOut(
        categories=[
            FacetValueOut(slug=v.value, name=v.label, count=v.count, selected=v.selected)
            for v in facets.categories
        ],
        shops=[
            FacetValueOut(slug=v.value, name=v.label, count=v.count, selected=v.selected)
            for v in facets.shops
        ],
        on_sale=facets.on_sale,
        in_stock=facets.in_stock,
        ratings=[RatingFacetOut(min=b.minimum, count=b.count) for b in facets.ratings],
        prices=[PriceFacetOut(min=b.low, max=b.high, count=b.count) for b in facets.prices],
    )


@router.get("/listings", response=ListingSearchOut)
def listings(request: HttpRequest, filters: Query[ListingFilters]) -> dict[str, Any]:
    """Search every active shop's published products: words (typos tolerated), filters,
    sorts, facet counts and a "did you mean" when nothing matches."""
    errors: dict[str, str] = {}
    for index, slug in enumerate(filters.shop):
        if not SLUG_RE.match(slug):
            errors.setdefault(f"shop.{index}", "That is not a shop address.")
    params = SearchParams(
        q=" ".join(filters.q.split()),
        category=filters.category.strip(),
        min_price=filters.min_price,
        max_price=filters.max_price,
        rating=filters.rating,
        shops=tuple(dict.fromkeys(filters.shop)),
        on_sale=filters.on_sale,
        in_stock=filters.in_stock,
        sort=filters.sort or "",
        page=filters.page,
        page_size=filters.page_size,
    )
    errors.update(search_params_errors(params=params))
    if errors:
        raise ApplicationError(
            next(iter(errors.values())), code="validation_error", status=422, errors=errors
        )
    result = listings_find(params=params)
    # Listings go out as model instances: the response schema resolves their fields.
    return {
        "items": result.items,
        "count": result.count,
        "page": result.page,
        "pages": result.pages,
        "facets": _facets_out(result.facets),
        "did_you_mean": result.did_you_mean,
    }


class ProductOut(Schema):
    id: int
    title: str
    slug: str
    description: str
    price: Decimal = Field(description="The lowest price of its variants")
    currency: str
    in_stock: bool = Field(description="Some variant can be bought now")

    @staticmethod
    def resolve_currency(product: Product) -> str:
        return settings.MARKETPLACE_CURRENCY


def published_products() -> QuerySet[Product]:
    """The active schema's published products with `price` (cheapest variant) and
    `in_stock` (any variant in stock) annotated: one query for a page of them."""
    buyable = Variant.objects.filter(product=OuterRef("pk")).filter(
        Q(track_inventory=False) | Q(stock__gt=0)
    )
    return (
        Product.objects.filter(status=Product.Status.PUBLISHED)
        .annotate(price=Min("variants__price"), in_stock=Exists(buyable))
        .order_by("-created_at", "-id")
    )


@router.get("/shops/{shop_slug}/products", response=list[ProductOut])
@paginate(PageNumber)
def shop_products(request: HttpRequest, shop_slug: str) -> QuerySet[Product]:
    """One shop's published products (drafts and archived ones never show)."""
    # The routing middleware activated the shop's schema (404 for an unknown shop).
    shop = getattr(request, "shop", None)
    if shop is None:
        raise Http404("No such shop")
    if shop.is_suspended:
        # A suspended shop sells nothing: its products vanish from every shopper read.
        return Product.objects.none()
    return published_products()
