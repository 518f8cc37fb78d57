"""Listing reads for shopper-facing pages other than search: the homepage's sections, a
shop's page and the sitemaps.

Public schema only (the Listing read model, categories, shops); each selector is one or
two queries whatever the number of listings, and only active shops' listings show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Max, Q, QuerySet

from sellers.listings.models import Category, Listing
from tenants.models import Shop

HOME_LISTINGS = 8  # cards per homepage row
HOME_CATEGORIES = 8
HOME_SHOPS = 6
HOME_CACHE_SECONDS = 60
# Bump the version whenever HomeSections (or what it holds) changes shape: a deploy must
# not read the previous release's pickles.
HOME_CACHE_VERSION = 1


@dataclass(frozen=True)
class CategoryCount:
    name: str
    slug: str
    listing_count: int  # its listings and its sub-categories'


@dataclass(frozen=True)
class ShopCard:
    name: str
    slug: str
    logo_name: str
    listing_count: int
    is_featured: bool


@dataclass(frozen=True)
class HomeSections:
    new_arrivals: list[Listing]
    on_sale: list[Listing]
    top_rated: list[Listing]
    categories: list[CategoryCount]
    shops: list[ShopCard]


def listings_public() -> QuerySet[Listing]:
    """Listings shoppers may see (active shops), each with its shop (one join)."""
    return Listing.objects.select_related("shop").filter(shop__status=Shop.Status.ACTIVE)


def listings_new_arrivals(*, limit: int = HOME_LISTINGS) -> list[Listing]:
    return list(listings_public().order_by("-published_at", "-id")[:limit])


def listings_on_sale(*, limit: int = HOME_LISTINGS) -> list[Listing]:
    return list(listings_public().filter(on_sale=True).order_by("-published_at", "-id")[:limit])


def listings_top_rated(*, limit: int = HOME_LISTINGS) -> list[Listing]:
    """Rated listings, best average first, then the most reviewed."""
    return list(
        listings_public()
        .filter(rating_count__gte=1)
        .order_by("-rating_average", "-rating_count", "-id")[:limit]
    )


def categories_popular(*, limit: int = HOME_CATEGORIES) -> list[CategoryCount]:
    """Categories with the most listings of active shops, counting their sub-categories'
    listings too (as the category page lists them). Two queries: the counts per category
    and the (small) category tree, rolled up in Python."""
    direct = dict(
        Listing.objects.filter(shop__status=Shop.Status.ACTIVE, category__isnull=False)
        .values_list("category_id")
        .annotate(count=Count("id"))
        .values_list("category_id", "count")
    )
    if not direct:
        return []
    categories = {
        category.id: category for category in Category.objects.only("name", "slug", "parent_id")
    }
    totals: dict[int, int] = {}
    for category_id, count in direct.items():
        seen: set[int] = set()
        current: int | None = category_id
        while current is not None and current in categories and current not in seen:
            seen.add(current)  # a (broken) cycle in the tree must not loop forever
            totals[current] = totals.get(current, 0) + count
            current = categories[current].parent_id
    ranked = sorted(totals.items(), key=lambda item: (-item[1], categories[item[0]].name))
    return [
        CategoryCount(
            name=categories[category_id].name,
            slug=categories[category_id].slug,
            listing_count=count,
        )
        for category_id, count in ranked[:limit]
    ]


def shops_featured(*, limit: int = HOME_SHOPS) -> list[ShopCard]:
    """Active shops platform admins feature, then the shops with the most listings to
    fill the row. One query."""
    shops = (
        Shop.objects.filter(status=Shop.Status.ACTIVE)
        .annotate(listing_count=Count("listings"))
        .filter(Q(is_featured=True) | Q(listing_count__gt=0))
        .order_by("-is_featured", "-listing_count", "name")
        .values_list("name", "slug", "logo", "listing_count", "is_featured")[:limit]
    )
    return [
        ShopCard(
            name=name,
            slug=slug,
            logo_name=logo or "",
            listing_count=count,
            is_featured=featured,
        )
        for name, slug, logo, count, featured in shops
    ]


def home_sections_build() -> HomeSections:
    """Every homepage section, read now: six queries."""
    return HomeSections(
        new_arrivals=listings_new_arrivals(),
        on_sale=listings_on_sale(),
        top_rated=listings_top_rated(),
        categories=categories_popular(),
        shops=shops_featured(),
    )


def home_cache_key() -> str:
    """The cache key of the homepage sections. It names the database: one Redis may serve
    several (dev and test runs, staging), and listings of one must not show in another."""
    return f"storefront:home-sections:v{HOME_CACHE_VERSION}:{connection.settings_dict['NAME']}"


def home_sections_invalidate() -> None:
    """Forget the cached sections: the next homepage shows the listings as they are now
    (a new sale must not wait out the cache). Call after the listings changed."""
    cache.delete(home_cache_key())


def home_sections() -> HomeSections:
    """The homepage sections, cached for HOME_CACHE_SECONDS (the homepage is the busiest
    page and may be a minute behind). A cache outage is a miss (marketplace/cache.py):
    the page is built from the database."""
    cached = cache.get(home_cache_key())
    if isinstance(cached, HomeSections):
        return cached
    sections = home_sections_build()
    cache.set(home_cache_key(), sections, HOME_CACHE_SECONDS)
    return sections


def shop_listings(*, shop: Shop) -> QuerySet[Listing]:
    """One shop's listings for its page, newest first (the caller paginates)."""
    return Listing.objects.select_related("shop").filter(shop=shop).order_by("-published_at", "-id")


# --- sitemaps ------------------------------------------------------------------------------


def sitemap_categories_count() -> int:
    return Category.objects.count()


def sitemap_categories(*, offset: int, limit: int) -> list[tuple[str, datetime | None]]:
    """(slug, newest listing change or None) per category, by id. One query."""
    return list(
        Category.objects.annotate(
            lastmod=Max("listings__updated_at", filter=Q(listings__shop__status=Shop.Status.ACTIVE))
        )
        .order_by("id")
        .values_list("slug", "lastmod")[offset : offset + limit]
    )


def sitemap_shops_count() -> int:
    return Shop.objects.filter(status=Shop.Status.ACTIVE).count()


def sitemap_shops(*, offset: int, limit: int) -> list[tuple[str, datetime | None]]:
    """(slug, newest listing change or None) per active shop, by id. One query."""
    return list(
        Shop.objects.filter(status=Shop.Status.ACTIVE)
        .annotate(lastmod=Max("listings__updated_at"))
        .order_by("id")
        .values_list("slug", "lastmod")[offset : offset + limit]
    )


def sitemap_listings_count() -> int:
    return Listing.objects.filter(shop__status=Shop.Status.ACTIVE).count()


def sitemap_listings(*, offset: int, limit: int) -> list[tuple[str, str, datetime]]:
    """(shop slug, product slug, updated_at) per listing of an active shop, by id. One
    query; only published products have listings, so drafts never appear."""
    return list(
        Listing.objects.filter(shop__status=Shop.Status.ACTIVE)
        .order_by("id")
        .values_list("shop__slug", "slug", "updated_at")[offset : offset + limit]
    )
