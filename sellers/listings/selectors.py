"""Cross-shop reads: only the public Listing table, never a loop over shop schemas."""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F, QuerySet

from sellers.listings.models import Listing
from tenants.models import Shop


def listings_search(*, query: str = "", shop: Shop | None = None) -> QuerySet[Listing]:
    """Published listings of active shops, newest first or by relevance when searching."""
    listings = Listing.objects.select_related("shop").filter(shop__status=Shop.Status.ACTIVE)
    if shop is not None:
        listings = listings.filter(shop=shop)
    query = query.strip()
    if query:
        search = SearchQuery(query, config="english", search_type="websearch")
        listings = (
            listings.filter(search_vector=search)
            .annotate(rank=SearchRank(F("search_vector"), search))
            .order_by("-rank", "-published_at", "-id")
        )
    return listings
