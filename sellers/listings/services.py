"""Writes to the cross-shop read model that are not per product (those are the catalog's)."""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import connection

from sellers.listings.search import search_backend
from sellers.listings.selectors import category_tree, category_tree_cache_key

logger = logging.getLogger(__name__)


def search_words_refresh() -> None:
    """Recompute the "did you mean" vocabulary from the titles of active shops' listings
    (a second or two at 100k listings; readers keep the old words until it finishes). Run
    by the worker every few minutes and by `rebuild_listings`."""
    with connection.cursor() as cursor:
        cursor.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY listings_searchword")


def category_tree_invalidate() -> None:
    """Forget the cached category tree; call after changing categories."""
    try:
        cache.delete(category_tree_cache_key())
    except Exception:  # Redis down: nothing cached can be served either
        logger.warning("category tree cache unavailable", exc_info=True)


def search_facets_warm() -> int:
    """Recount and cache the facets of the plain browse pages (/search without words and
    each category page) through the configured search backend; how many were counted.
    Run by the worker every FACET_WARM_SECONDS."""
    return search_backend().warm(categories=category_tree())
