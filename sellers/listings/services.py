"""Writes to the cross-shop read model that are not per product (those are the catalog's)."""

from __future__ import annotations

from django.db import connection


def search_words_refresh() -> None:
    """Recompute the "did you mean" vocabulary from the listings' titles (seconds at 100k
    listings; readers keep the old words until it finishes). Run by the worker on a
    schedule and by `rebuild_listings`."""
    with connection.cursor() as cursor:
        cursor.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY listings_searchword")
