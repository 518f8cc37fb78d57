"""Periodic jobs of the listings read model (registered by the worker at start-up)."""

from __future__ import annotations

from marketplace.events.consumers import every
from sellers.listings.search import FACET_WARM_SECONDS
from sellers.listings.services import search_facets_warm, search_words_refresh

SEARCH_WORDS_EVERY_SECONDS = 300


@every(SEARCH_WORDS_EVERY_SECONDS, name="listing-search-words")
def refresh_search_words_periodically() -> None:
    """New titles' words become "did you mean" suggestions within five minutes."""
    search_words_refresh()


@every(FACET_WARM_SECONDS, name="listing-browse-facets")
def warm_browse_facets_periodically() -> None:
    """Category pages and /search without words always find their facet counts cached."""
    search_facets_warm()
