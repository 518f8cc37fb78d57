"""Cross-shop reads: only the public Listing table, never a loop over shop schemas."""

from __future__ import annotations

from django.core.cache import cache
from django.db import connection

from sellers.listings.models import Category
from sellers.listings.search import (
    CategoryNode,
    CategoryTree,
    SearchParams,
    SearchResult,
    search_backend,
    search_params_check,
)

# The tree changes when platform staff edit categories (rarely); services
# .category_tree_invalidate drops it at once, the lifetime bounds any other staleness.
CATEGORY_TREE_SECONDS = 300


def listings_find(*, params: SearchParams, clamp_page: bool = False) -> SearchResult:
    """Search, filters, sorts and facets over the listings of active shops (the configured
    search backend): /search, category pages and GET /api/v1/listings. `params` must have
    passed `search_params_errors` (an unknown category finds nothing). `clamp_page`: a
    page past the end shows the last one."""
    return search_backend().search(params=params, categories=category_tree(), clamp_page=clamp_page)


def search_params_errors(*, params: SearchParams) -> dict[str, str]:
    """Field name → message for what `params`' types cannot rule out (unknown category,
    prices the wrong way round); empty when the search can run."""
    return search_params_check(params=params, categories=category_tree())


def category_tree_cache_key() -> str:
    # Per database: the dev server, test runs and benchmarks may share a Redis database.
    return f"listings:category-tree:{connection.settings_dict['NAME']}"


def category_tree() -> CategoryTree:
    """Every category as a tree, from the cache (Redis) or, on a miss, one query."""
    key = category_tree_cache_key()
    # A cache outage is a miss (marketplace/cache.py): the table is read.
    nodes: list[CategoryNode] | None = cache.get(key)
    if nodes is None:
        nodes = [
            CategoryNode(id=id_, name=name, slug=slug, description=description, parent_id=parent)
            for id_, name, slug, description, parent in Category.objects.values_list(
                "id", "name", "slug", "description", "parent_id"
            )
        ]
        cache.set(key, nodes, CATEGORY_TREE_SECONDS)
    return CategoryTree(nodes)
