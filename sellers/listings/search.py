"""Cross-shop listing search behind a small interface another engine could implement.

`SearchBackend.search` takes checked `SearchParams` and the category tree and answers one
page of listings, the total, facet counts and a "did you mean" suggestion. The one
implementation, `PostgresSearchBackend`, reads the public Listing table: full-text search
on the generated `search_vector`, typo tolerance through pg_trgm (each word corrected
against the words of the titles), filters and facets in SQL.
`settings.LISTINGS_SEARCH_BACKEND` (a dotted path, default the PostgreSQL backend) picks
the class, so Elasticsearch/OpenSearch can replace it without touching callers.

Facet semantics (the usual ones of faceted search): each filter's counts are computed over
the results with every *other* filter applied, so a count says how many results you get
when you pick that value next to what is already picked. Shops, price buckets and ratings
therefore keep their other values while one is selected. Categories are a tree and drill
down instead: the facet lists the sub-categories of the selected category (top-level
categories when none is selected), each counting its whole subtree.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import itertools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils.module_loading import import_string

from sellers.listings.models import Listing
from tenants.models import Shop

DEFAULT_BACKEND = "sellers.listings.search.PostgresSearchBackend"

# Sort keys as they appear in URLs and the API, with what shoppers read.
SORTS: dict[str, str] = {
    "relevance": "Best match",
    "newest": "Newest",
    "price_asc": "Price: low to high",
    "price_desc": "Price: high to low",
    "rating": "Top rated",
}
MAX_QUERY_LENGTH = 200
MAX_SHOPS = 20
MAX_PRICE = Decimal("1000000")
MIN_RATING, MAX_RATING = 1, 5
# Facet buckets. A price bucket counts `low <= price <= high`, exactly what picking it
# filters (so a price on an edge counts in both neighbours).
PRICE_EDGES: tuple[int, ...] = (10, 25, 50, 100, 250)
RATING_BUCKETS: tuple[int, ...] = (4, 3, 2, 1)
SHOP_FACET_SIZE = 10
# Typo tolerance: when the full-text query matches fewer listings than this (in the whole
# marketplace, before filters), the listings matching the words corrected against the
# titles' vocabulary are added after the full-text matches.
FUZZY_BELOW = 3
MAX_FUZZY_WORDS = 5
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_WORD_RE = re.compile(r"(-?)([^\W\d_]+)")


# --- Categories ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryNode:
    id: int
    name: str
    slug: str
    description: str
    parent_id: int | None


class CategoryTree:
    """The platform's categories as a tree (small: it is cached whole, see selectors)."""

    def __init__(self, nodes: Iterable[CategoryNode]) -> None:
        ordered = sorted(nodes, key=lambda node: (node.name.lower(), node.id))
        self.by_id: dict[int, CategoryNode] = {node.id: node for node in ordered}
        self.by_slug: dict[str, CategoryNode] = {node.slug: node for node in ordered}
        self._children: dict[int | None, list[CategoryNode]] = {}
        for node in ordered:
            parent = node.parent_id if node.parent_id in self.by_id else None
            self._children.setdefault(parent, []).append(node)

    def get(self, slug: str) -> CategoryNode | None:
        return self.by_slug.get(slug)

    def children(self, node: CategoryNode | None) -> list[CategoryNode]:
        """Sub-categories of `node` by name; the top level for None."""
        return list(self._children.get(node.id if node else None, []))

    def ancestors(self, node: CategoryNode) -> list[CategoryNode]:
        """From the root down to `node`'s parent (for breadcrumbs)."""
        chain: list[CategoryNode] = []
        seen = {node.id}
        parent = self.by_id.get(node.parent_id) if node.parent_id else None
        while parent is not None and parent.id not in seen:
            chain.append(parent)
            seen.add(parent.id)
            parent = self.by_id.get(parent.parent_id) if parent.parent_id else None
        return chain[::-1]

    def subtree_ids(self, node: CategoryNode) -> list[int]:
        """`node` and every category below it."""
        ids: list[int] = []
        stack = [node]
        seen: set[int] = set()
        while stack:
            current = stack.pop()
            if current.id in seen:
                continue
            seen.add(current.id)
            ids.append(current.id)
            stack.extend(self._children.get(current.id, []))
        return ids


# --- Parameters ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchParams:
    """What a search asks for. Build it with `search_params_parse` (URLs) or directly
    (API); `search_params_check` validates what the types alone cannot."""

    q: str = ""
    category: str = ""  # slug; includes every sub-category
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    rating: int | None = None  # minimum average rating
    shops: tuple[str, ...] = ()  # slugs; any of them
    on_sale: bool = False
    in_stock: bool = False
    sort: str = ""  # a SORTS key; "" for the default
    page: int = 1
    page_size: int = 24

    @property
    def effective_sort(self) -> str:
        """Relevance when there is a query, newest otherwise, unless another is asked."""
        if self.sort in SORTS and (self.sort != "relevance" or self.q):
            return self.sort
        return "relevance" if self.q else "newest"

    @property
    def has_filters(self) -> bool:
        return bool(self.category) or self.has_filters_besides_category

    @property
    def has_filters_besides_category(self) -> bool:
        return bool(
            self.min_price is not None
            or self.max_price is not None
            or self.rating
            or self.shops
            or self.on_sale
            or self.in_stock
        )

    def replace(self, **changes: Any) -> SearchParams:
        return dataclasses.replace(self, **changes)

    def query_items(self, *, category: bool = True, page: bool = True) -> list[tuple[str, str]]:
        """These parameters as URL query pairs: canonical names and order, defaults left
        out, so equal searches have equal URLs."""
        items: list[tuple[str, str]] = []
        if self.q:
            items.append(("q", self.q))
        if category and self.category:
            items.append(("category", self.category))
        if self.min_price is not None:
            items.append(("min_price", _price_text(self.min_price)))
        if self.max_price is not None:
            items.append(("max_price", _price_text(self.max_price)))
        if self.rating:
            items.append(("rating", str(self.rating)))
        items.extend(("shop", slug) for slug in self.shops)
        if self.on_sale:
            items.append(("on_sale", "1"))
        if self.in_stock:
            items.append(("in_stock", "1"))
        if self.sort and self.sort != ("relevance" if self.q else "newest"):
            items.append(("sort", self.sort))
        if page and self.page > 1:
            items.append(("page", str(self.page)))
        return items


def _price_text(price: Decimal) -> str:
    """25 for 25.00, 24.5 for 24.50: short, stable URLs."""
    text = format(price.normalize(), "f")
    return text


class QueryData(Protocol):
    def get(self, key: str, default: Any = ..., /) -> Any: ...

    def getlist(self, key: str) -> list[str]: ...


def search_params_parse(data: QueryData, *, page_size: int) -> tuple[SearchParams, dict[str, str]]:
    """Parameters from a URL query (`request.GET`), leniently: a malformed value is left
    out and reported in the errors (field name → message); the rest still applies. A
    malformed page number means page 1, as for every paginated list."""
    errors: dict[str, str] = {}
    q = " ".join(str(data.get("q", "")).split())[:MAX_QUERY_LENGTH]
    category = str(data.get("category", "")).strip()
    if category and not SLUG_RE.match(category):
        errors["category"] = "There is no such category."
        category = ""

    def price(name: str) -> Decimal | None:
        raw = str(data.get(name, "")).strip().replace(",", ".")
        if not raw:
            return None
        try:
            value = Decimal(raw)
        except InvalidOperation:
            errors[name] = "Enter a price, like 25 or 9.99."
            return None
        if not value.is_finite() or value < 0 or value > MAX_PRICE:
            errors[name] = f"Enter a price from 0 to {MAX_PRICE:,.0f}."
            return None
        return value.quantize(Decimal("0.01"))

    min_price, max_price = price("min_price"), price("max_price")
    rating: int | None = None
    raw_rating = str(data.get("rating", "")).strip()
    if raw_rating:
        if raw_rating.isdigit() and MIN_RATING <= int(raw_rating) <= MAX_RATING:
            rating = int(raw_rating)
        else:
            errors["rating"] = f"Choose a rating from {MIN_RATING} to {MAX_RATING}."
    shops: list[str] = []
    for raw_slug in data.getlist("shop"):
        slug = raw_slug.strip()
        if not slug:
            continue
        if not SLUG_RE.match(slug) or len(slug) > 40:
            errors["shop"] = "That is not a shop address."
        elif slug not in shops:
            shops.append(slug)
    if len(shops) > MAX_SHOPS:
        errors["shop"] = f"Pick at most {MAX_SHOPS} shops."
        shops = shops[:MAX_SHOPS]
    sort = str(data.get("sort", "")).strip()
    if sort and sort not in SORTS:
        errors["sort"] = "Choose one of the listed sort orders."
        sort = ""
    raw_page = str(data.get("page", "")).strip()
    page = int(raw_page) if raw_page.isdigit() and 0 < int(raw_page) < 100_000 else 1
    params = SearchParams(
        q=q,
        category=category,
        min_price=min_price,
        max_price=max_price,
        rating=rating,
        shops=tuple(shops),
        on_sale=_flag(data.get("on_sale")),
        in_stock=_flag(data.get("in_stock")),
        sort=sort,
        page=page,
        page_size=page_size,
    )
    return params, errors


def _flag(value: object) -> bool:
    return str(value or "").strip().lower() in {"1", "true", "on", "yes"}


def search_params_check(*, params: SearchParams, categories: CategoryTree) -> dict[str, str]:
    """What the parameters' types cannot say: field name → message (empty when fine)."""
    errors: dict[str, str] = {}
    if params.category and categories.get(params.category) is None:
        errors["category"] = "There is no such category."
    if (
        params.min_price is not None
        and params.max_price is not None
        and params.max_price < params.min_price
    ):
        errors["max_price"] = "The highest price must not be below the lowest."
    if params.sort and params.sort not in SORTS:
        errors["sort"] = "Choose one of: " + ", ".join(SORTS) + "."
    return errors


# --- Results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FacetValue:
    value: str  # a slug
    label: str
    count: int
    selected: bool = False


@dataclass(frozen=True)
class PriceBucket:
    low: Decimal | None
    high: Decimal | None
    count: int
    selected: bool = False

    @property
    def label(self) -> str:
        currency = settings.MARKETPLACE_CURRENCY
        low = _price_text(self.low) if self.low is not None else ""
        high = _price_text(self.high) if self.high is not None else ""
        if not low:
            return f"Up to {currency} {high}"
        if not high:
            return f"{currency} {low} and more"
        return f"{currency} {low}–{high}"


@dataclass(frozen=True)
class RatingBucket:
    minimum: int
    count: int
    selected: bool = False


@dataclass(frozen=True)
class Facets:
    categories: list[FacetValue]
    shops: list[FacetValue]
    on_sale: int
    in_stock: int
    ratings: list[RatingBucket]
    prices: list[PriceBucket]


EMPTY_FACETS = Facets(categories=[], shops=[], on_sale=0, in_stock=0, ratings=[], prices=[])


@dataclass(frozen=True)
class SearchResult:
    params: SearchParams
    items: list[Listing]
    count: int
    page: int
    pages: int
    facets: Facets
    # A corrected query when the words as typed matched nothing (None otherwise).
    did_you_mean: str | None
    # Listings spelled like the query were added because it matched (almost) nothing.
    fuzzy: bool
    category: CategoryNode | None


class SearchBackend(Protocol):
    def search(
        self, *, params: SearchParams, categories: CategoryTree, clamp_page: bool = False
    ) -> SearchResult:
        """One page of the listings of active shops that match `params`, with facets.

        `clamp_page`: a page past the end answers the last page (HTML); otherwise it is
        empty (API). `params` must have passed `search_params_check`."""
        ...

    def warm(self, *, categories: CategoryTree) -> int:
        """Prepare what the most visited pages need (the worker calls this periodically);
        how many entries were prepared."""
        ...


def search_backend() -> SearchBackend:
    """The configured backend (`settings.LISTINGS_SEARCH_BACKEND`)."""
    return _backend_for(getattr(settings, "LISTINGS_SEARCH_BACKEND", DEFAULT_BACKEND))


@functools.cache
def _backend_for(path: str) -> SearchBackend:
    backend: SearchBackend = import_string(path)()
    return backend


# --- PostgreSQL ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Sql:
    """A fragment of SQL and its parameters (psycopg `%s` style; a literal % is `%%`)."""

    sql: str
    params: tuple[Any, ...] = ()

    def __and__(self, other: Sql) -> Sql:
        return all_of([self, other])


def all_of(parts: Iterable[Sql]) -> Sql:
    """The conjunction of `parts` (TRUE when there are none)."""
    parts = list(parts)
    if not parts:
        return Sql("TRUE")
    if len(parts) == 1:
        return parts[0]
    return Sql(
        " AND ".join(f"({part.sql})" for part in parts),
        tuple(param for part in parts for param in part.params),
    )


def any_of(parts: Iterable[Sql]) -> Sql:
    parts = list(parts)
    return Sql(
        " OR ".join(f"({part.sql})" for part in parts),
        tuple(param for part in parts for param in part.params),
    )


TSQUERY = "websearch_to_tsquery('english', %s)"
# Listings of active shops only. Suspended shops are few: one lookup of their ids (an
# InitPlan) instead of a join on every listing.
ACTIVE_SHOPS = Sql(
    "NOT (listings_listing.shop_id = ANY (ARRAY("
    "SELECT tenants_shop.id FROM tenants_shop WHERE tenants_shop.status <> %s)))",
    (Shop.Status.ACTIVE,),
)
# Each query word replaced by the closest word of the listings' titles (the did-you-mean
# vocabulary, by trigram similarity) or kept when none is close.
CORRECTED_WORDS = (
    "SELECT given.word AS typed, coalesce((SELECT known.word FROM listings_searchword AS known "
    "WHERE length(given.word) >= 3 AND known.word %% given.word "
    "ORDER BY similarity(known.word, given.word) DESC, known.listing_count DESC, known.word "
    "LIMIT 1), given.word) AS word, given.position "
    "FROM unnest(%s::text[]) WITH ORDINALITY AS given(word, position)"
)
# Facet columns of a matched row: the filters facets leave out one at a time, evaluated
# once per row.
FILTER_COLUMNS = {
    "price": "in_price",
    "rating": "in_rating",
    "shop": "in_shop",
    "on_sale": "on_sale",
    "in_stock": "in_stock",
}


def query_words(q: str) -> tuple[list[str], list[str]]:
    """The query's words in lower case: (wanted, excluded with a leading minus). Words of
    fewer than three letters and the websearch keyword "or" are left out."""
    wanted: list[str] = []
    excluded: list[str] = []
    for minus, word in _WORD_RE.findall(q.lower()):
        if len(word) < 3 or word == "or" or len(word) > 40:
            continue
        target = excluded if minus else wanted
        if word not in target:
            target.append(word)
    return wanted[:MAX_FUZZY_WORDS], excluded[:MAX_FUZZY_WORDS]


@dataclass(frozen=True)
class Query:
    """One search as SQL: which listings it covers and how it filters them."""

    scope: Sql  # active shops, the category's subtree: what every count covers
    text: Sql | None  # the full-text match
    fuzzy: Sql | None  # the typo match, used when the full-text one finds few
    corrected: Sql | None  # the tsquery of the corrected words (ranks the typo matches)
    filters: dict[str, Sql]  # the filters facets leave out one at a time
    shops: tuple[str, ...] = ()  # the shops picked (their facet counts are always kept)


class PostgresSearchBackend:
    """Search in PostgreSQL, in two statements: with words, one statement counts the
    facets and picks the page's listing ids (the matches are read once), the second loads
    those listings; without words, the facet counts come from a short-lived cache (or one
    statement) and the page from one indexed query. A third statement looks for a "did
    you mean" when the words as typed matched nothing."""

    def search(
        self, *, params: SearchParams, categories: CategoryTree, clamp_page: bool = False
    ) -> SearchResult:
        category = categories.get(params.category) if params.category else None
        query = self.query(params=params, categories=categories)
        offset = (params.page - 1) * params.page_size
        page_ids: list[int] | None = None
        if params.q:
            counts, page_ids = self.counts(query, page=(params, offset))
        else:
            counts = self.browse_counts(query, params=params)
        total = counts.total
        pages = max(1, math.ceil(total / params.page_size))
        page = min(params.page, pages) if clamp_page else params.page
        if page != params.page:  # past the end: the last page instead (a rare second look)
            offset = (page - 1) * params.page_size
            page_ids = None
            if params.q and total:
                _, page_ids = self.counts(query, page=(params, offset))
        items: list[Listing] = []
        if page_ids is not None:
            items = self.load(page_ids)
        elif offset < total:
            items = self.browse_page(query, params=params, offset=offset)
        did_you_mean = None
        if params.q and counts.exact == 0:
            did_you_mean = self.suggestion(params.q)
        return SearchResult(
            params=params.replace(page=page),
            items=items,
            count=total,
            page=page,
            pages=pages,
            facets=self.facets(params, categories, category, counts),
            did_you_mean=did_you_mean,
            fuzzy=bool(params.q and total and counts.exact < total),
            category=category,
        )

    def warm(self, *, categories: CategoryTree) -> int:
        """Count the facets of /search without words and of every category page afresh
        and cache them, so no shopper waits for the costliest counts. The worker runs it
        more often than the counts expire (FACET_WARM_SECONDS < FACET_CACHE_SECONDS)."""
        scopes = [SearchParams(), *(SearchParams(category=slug) for slug in categories.by_slug)]
        for params in scopes:
            self.browse_counts(
                self.query(params=params, categories=categories), params=params, fresh=True
            )
        return len(scopes)

    def browse_counts(
        self, query: Query, *, params: SearchParams, fresh: bool = False
    ) -> FacetCounts:
        """Facet counts without words: the same for every visitor of a category or filter
        set and costly over the whole marketplace (every listing is read), so they are
        cached for FACET_CACHE_SECONDS; the page of listings itself is always fresh.
        `fresh`: count even when cached (and cache the new counts)."""
        key = (
            "listings:facets:v1:"
            + hashlib.sha256(
                repr(
                    (
                        connection.settings_dict["NAME"],
                        params.replace(q="", sort="", page=1, page_size=0),
                        query.scope.params,
                    )
                ).encode()
            ).hexdigest()
        )
        # A cache outage is a miss (marketplace/cache.py): the facets are counted.
        cached = None if fresh else cache.get(key)
        if isinstance(cached, FacetCounts):
            return cached
        counts, _ = self.counts(query)
        cache.set(key, counts, FACET_CACHE_SECONDS)
        return counts

    @staticmethod
    def load(ids: list[int]) -> list[Listing]:
        """The listings with these ids, in this order, with their shop and category."""
        found = {
            listing.id: listing
            for listing in Listing.objects.select_related("shop", "category")
            .defer(*HEAVY_FIELDS)
            .filter(id__in=ids)
        }
        return [found[id_] for id_ in ids if id_ in found]

    # -- SQL -----------------------------------------------------------------------------

    @staticmethod
    def query(*, params: SearchParams, categories: CategoryTree) -> Query:
        scope = [ACTIVE_SHOPS]
        if params.category:
            category = categories.get(params.category)
            ids = categories.subtree_ids(category) if category else []
            scope.append(Sql("listings_listing.category_id = ANY(%s)", (ids,)))
        text = fuzzy = corrected = None
        if params.q:
            text = Sql(f"listings_listing.search_vector @@ {TSQUERY}", (params.q,))
            typos = PostgresSearchBackend.typo_match(params.q)
            if typos is not None:
                fuzzy, corrected = typos
        filters: dict[str, Sql] = {}
        prices = []
        if params.min_price is not None:
            prices.append(Sql("listings_listing.price >= %s", (params.min_price,)))
        if params.max_price is not None:
            prices.append(Sql("listings_listing.price <= %s", (params.max_price,)))
        if prices:
            filters["price"] = all_of(prices)
        if params.rating:
            filters["rating"] = Sql("listings_listing.rating_average >= %s", (params.rating,))
        if params.shops:
            filters["shop"] = Sql(
                "listings_listing.shop_id = ANY (ARRAY(SELECT tenants_shop.id FROM tenants_shop "
                "WHERE tenants_shop.slug = ANY(%s)))",
                (list(params.shops),),
            )
        if params.on_sale:
            filters["on_sale"] = Sql("listings_listing.on_sale")
        if params.in_stock:
            filters["in_stock"] = Sql("listings_listing.in_stock")
        return Query(
            scope=all_of(scope),
            text=text,
            fuzzy=fuzzy,
            corrected=corrected,
            filters=filters,
            shops=params.shops,
        )

    @staticmethod
    def typo_match(q: str) -> tuple[Sql, Sql] | None:
        """Listings the words match with typos, and the query that matches them: each
        word is replaced by the closest word of the listings' titles (trigram similarity
        against listings_searchword, through its trigram index; swapped letters too) and
        the full-text search runs with the corrected words. Never a listing with an
        excluded (-word) word. None when no word is long enough to correct."""
        wanted, excluded = query_words(q)
        if not wanted:
            return None
        corrected = Sql(
            "(SELECT plainto_tsquery('english', "
            "string_agg(corrected.word, ' ' ORDER BY corrected.position)) "
            f"FROM ({CORRECTED_WORDS}) AS corrected)",
            (wanted,),
        )
        match = Sql(f"listings_listing.search_vector @@ {corrected.sql}", corrected.params)
        for word in excluded:
            match = match & Sql(
                "NOT (listings_listing.search_vector @@ plainto_tsquery('english', %s))", (word,)
            )
        return match, corrected

    def counts(
        self, query: Query, *, page: tuple[SearchParams, int] | None = None
    ) -> tuple[FacetCounts, list[int] | None]:
        """The facet statement: every count of one search in one round trip and, given
        `page` (the params and the offset), the ids of that page's listings in order."""
        row_filters = [
            (FILTER_COLUMNS[name], query.filters[name])
            for name in ROW_FILTERS
            if name in query.filters
        ]
        fields = Sql(
            ", ".join(
                [
                    "listings_listing.shop_id, listings_listing.category_id, "
                    "listings_listing.price, listings_listing.rating_average, "
                    "listings_listing.on_sale, listings_listing.in_stock",
                    *(f"({sql.sql}) AS {column}" for column, sql in row_filters),
                ]
            ),
            tuple(param for _, sql in row_filters for param in sql.params),
        )
        exact_rank = typo_rank = Sql("NULL::float8")
        if page is not None:
            fields = Sql(
                f"{fields.sql}, listings_listing.id, listings_listing.published_at, "
                "listings_listing.rating_count",
                fields.params,
            )
            if page[0].effective_sort == "relevance" and query.text is not None:
                # Cover density of the words (title counts most, then category, options
                # and shop, then the description); typo matches come after every
                # full-text match, ranked the same way with the corrected words.
                exact_rank = Sql(
                    f"1.0 + ts_rank_cd(listings_listing.search_vector, {TSQUERY})",
                    query.text.params,
                )
                if query.corrected is not None:
                    typo_rank = Sql(
                        f"ts_rank_cd(listings_listing.search_vector, {query.corrected.sql})",
                        query.corrected.params,
                    )
        exact = all_of([query.scope, *([query.text] if query.text else [])])
        matched = Sql(
            f"SELECT {fields.sql}, {exact_rank.sql} AS rank, TRUE AS exact "
            f"FROM listings_listing WHERE {exact.sql}",
            fields.params + exact_rank.params + exact.params,
        )
        ctes = Sql(f"matched AS ({matched.sql})", matched.params)
        source = "matched"
        if query.text is not None and query.fuzzy is not None:
            # The gate is a one-time filter on the matches as typed (read once, kept in
            # `exact`): PostgreSQL skips the typo branch, corrections included, when the
            # words as typed find enough.
            typos = all_of(
                [
                    Sql("(SELECT count(*) FROM exact) < %s", (FUZZY_BELOW,)),
                    query.scope,
                    query.fuzzy,
                    Sql(f"NOT ({query.text.sql})", query.text.params),
                ]
            )
            ctes = Sql(
                f"exact AS MATERIALIZED ({matched.sql}), typos AS (SELECT {fields.sql}, "
                f"{typo_rank.sql}, FALSE FROM listings_listing WHERE {typos.sql})",
                matched.params + fields.params + typo_rank.params + typos.params,
            )
            # Each count reads both (no copy of the matches as typed into a third set).
            source = "(SELECT * FROM exact UNION ALL SELECT * FROM typos) AS matched"

        def all_but(*left_out: str) -> Sql:
            return all_of(
                Sql(FILTER_COLUMNS[name]) for name in query.filters if name not in left_out
            )

        every = all_but()
        totals = [
            every,
            every & Sql("exact"),
            Sql("NOT exact"),
            all_but("on_sale") & Sql("on_sale"),
            all_but("in_stock") & Sql("in_stock"),
            *(all_but("rating") & Sql("rating_average >= %s", (n,)) for n in RATING_BUCKETS),
            *(all_but("price") & price_range(low, high) for low, high in price_buckets()),
        ]
        counted = ", ".join(f"count(*) FILTER (WHERE {part.sql})" for part in totals)
        by_shop = all_but("shop")
        parts = [
            Sql(
                f"SELECT 'total', NULL::bigint, NULL, NULL, ARRAY[{counted}] FROM {source}",
                tuple(param for part in totals for param in part.params),
            ),
            Sql(
                "SELECT 'shop', tenants_shop.id, tenants_shop.slug, tenants_shop.name, "
                "ARRAY[counted.listings] FROM (SELECT shop_id, count(*) AS listings "
                f"FROM {source} WHERE {by_shop.sql} GROUP BY shop_id) AS counted "
                "INNER JOIN tenants_shop ON tenants_shop.id = counted.shop_id",
                by_shop.params,
            ),
            Sql(
                "SELECT 'category', category_id, NULL, NULL, ARRAY[count(*)] "
                f"FROM {source} WHERE {every.sql} GROUP BY category_id",
                every.params,
            ),
        ]
        if page is not None:
            params, offset = page
            order = PAGE_ORDER[params.effective_sort]
            parts.append(
                Sql(
                    "SELECT 'page', NULL, NULL, NULL, "
                    f"coalesce(array_agg(listed.id ORDER BY {order}), '{{}}') FROM ("
                    "SELECT id, rank, published_at, price, rating_average, rating_count "
                    f"FROM {source} WHERE {every.sql} ORDER BY {order} LIMIT %s OFFSET %s"
                    ") AS listed",
                    (*every.params, params.page_size, offset),
                )
            )
        statement = Sql(
            f"WITH {ctes.sql} " + " UNION ALL ".join(part.sql for part in parts),
            ctes.params + tuple(param for part in parts for param in part.params),
        )
        with connection.cursor() as cursor:
            cursor.execute(statement.sql, statement.params)
            rows = cursor.fetchall()
        ids = next((list(numbers) for kind, *_, numbers in rows if kind == "page"), None)
        return FacetCounts.from_rows(rows, keep_shops=query.shops), ids

    @staticmethod
    def browse_page(query: Query, *, params: SearchParams, offset: int) -> list[Listing]:
        """One page of listings without words, in one query: the page's ids are picked
        from `listings_listing` alone (the covering facet index serves category and shop
        pages), then those rows are read with their shop and category."""
        conditions = all_of([query.scope, *query.filters.values()])
        order, page_order = BROWSE_ORDER[params.effective_sort]
        if params.category or params.shops:
            # Prices and ratings go with the category (cards are cheap, furniture is not)
            # and the shop: walking the whole marketplace's price or rating index until a
            # page of cards turns up reads most of it, and the planner assumes no such
            # correlation. "+ 0" hides those indexes: it reads the category's (or shop's)
            # entries of the covering facet index instead and sorts them, bounded work.
            order = order.replace("price ", "price + 0 ").replace(
                "rating_average ", "rating_average + 0 "
            )
        ids = Sql(
            f"SELECT listings_listing.id FROM listings_listing WHERE {conditions.sql} "
            f"ORDER BY {order} LIMIT %s OFFSET %s",
            (*conditions.params, params.page_size, offset),
        )
        return list(
            Listing.objects.select_related("shop", "category")
            .defer(*HEAVY_FIELDS)
            # This module's SQL; every value goes as a parameter.
            .filter(id__in=RawSQL(ids.sql, ids.params))  # noqa: S611
            .order_by(*page_order)
        )

    @staticmethod
    def suggestion(q: str) -> str | None:
        """The query with each word replaced by the closest title word of the listings
        (listings_searchword, trigram similarity), when that changes anything."""
        words = [word for _, word in _WORD_RE.findall(q.lower())][: MAX_FUZZY_WORDS * 2]
        if not words:
            return None
        with connection.cursor() as cursor:
            cursor.execute(f"{CORRECTED_WORDS} ORDER BY given.position", [words])
            corrected = [word for _, word, _ in cursor.fetchall()]
        if corrected == words:
            return None
        return " ".join(corrected)

    @staticmethod
    def facets(
        params: SearchParams,
        categories: CategoryTree,
        category: CategoryNode | None,
        counts: FacetCounts,
    ) -> Facets:
        category_facet = []
        for child in categories.children(category):
            count = sum(counts.categories.get(i, 0) for i in categories.subtree_ids(child))
            if count:
                category_facet.append(FacetValue(value=child.slug, label=child.name, count=count))
        shops = sorted(counts.shops.values(), key=lambda shop: (-shop.count, shop.label.lower()))
        shown = shops[:SHOP_FACET_SIZE]
        for slug in params.shops:
            if not any(shop.value == slug for shop in shown):
                shown.append(counts.shops.get(slug) or FacetValue(value=slug, label=slug, count=0))
        return Facets(
            categories=category_facet,
            shops=[
                dataclasses.replace(shop, selected=shop.value in params.shops) for shop in shown
            ],
            on_sale=counts.on_sale,
            in_stock=counts.in_stock,
            ratings=[
                RatingBucket(minimum=n, count=c, selected=params.rating == n)
                for n, c in zip(RATING_BUCKETS, counts.ratings, strict=True)
            ],
            prices=[
                PriceBucket(
                    low=low,
                    high=high,
                    count=c,
                    selected=(params.min_price, params.max_price) == (low, high),
                )
                for (low, high), c in zip(price_buckets(), counts.prices, strict=True)
            ],
        )


ROW_FILTERS = ("price", "rating", "shop")
# Browsing without words: the page's order over listings_listing, and the same order for
# the page's rows (Django's order_by).
BROWSE_ORDER: dict[str, tuple[str, tuple[str, ...]]] = {
    "newest": (
        "listings_listing.published_at DESC, listings_listing.id DESC",
        ("-published_at", "-id"),
    ),
    "price_asc": ("listings_listing.price ASC, listings_listing.id ASC", ("price", "id")),
    "price_desc": ("listings_listing.price DESC, listings_listing.id DESC", ("-price", "-id")),
    "rating": (
        "listings_listing.rating_average DESC, listings_listing.rating_count DESC, "
        "listings_listing.id DESC",
        ("-rating_average", "-rating_count", "-id"),
    ),
}
# The page's order over the matched rows (relevance: `rank` is only set for it).
PAGE_ORDER = {
    "relevance": "rank DESC, published_at DESC, id DESC",
    "newest": "published_at DESC, id DESC",
    "price_asc": "price ASC, id ASC",
    "price_desc": "price DESC, id DESC",
    "rating": "rating_average DESC, rating_count DESC, id DESC",
}
FACET_CACHE_SECONDS = 60
FACET_WARM_SECONDS = 45
# Columns no results page shows: left out of the page query (search_vector is the widest).
HEAVY_FIELDS = (
    "search_vector",
    "search_text",
    "shop__description",
    "shop__shipping_policy",
    "shop__returns_policy",
    "shop__suspension_reason",
    "category__description",
)


def price_buckets() -> list[tuple[Decimal | None, Decimal | None]]:
    cents = Decimal("0.01")
    edges: list[Decimal | None] = [None, *(Decimal(e).quantize(cents) for e in PRICE_EDGES), None]
    return list(itertools.pairwise(edges))


def price_range(low: Decimal | None, high: Decimal | None) -> Sql:
    parts = []
    if low is not None:
        parts.append(Sql("price >= %s", (low,)))
    if high is not None:
        parts.append(Sql("price <= %s", (high,)))
    return all_of(parts)


@dataclass(frozen=True)
class FacetCounts:
    """The facet statement's answer, before it becomes `Facets`."""

    total: int
    exact: int  # of `total`, matched by the words as typed
    fuzzy_rows: int  # typo matches before filters (0: the page query needs no typo branch)
    on_sale: int
    in_stock: int
    ratings: list[int]
    prices: list[int]
    shops: dict[str, FacetValue]
    categories: dict[int, int]

    @classmethod
    def from_rows(
        cls, rows: Sequence[tuple[Any, ...]], *, keep_shops: Sequence[str] = ()
    ) -> FacetCounts:
        """From the statement's rows. Of the shops, only the SHOP_FACET_SIZE with the
        most listings and those in `keep_shops` are kept (a facet shows no more)."""
        totals: list[int] = []
        shops: dict[str, FacetValue] = {}
        categories: dict[int, int] = {}
        for kind, key, slug, name, numbers in rows:
            if kind == "total":
                totals = list(numbers)
            elif kind == "shop":
                shops[slug] = FacetValue(value=slug, label=name, count=numbers[0])
            elif key is not None:
                categories[key] = numbers[0]
        top = sorted(shops.values(), key=lambda shop: (-shop.count, shop.label.lower()))
        kept = {shop.value for shop in top[:SHOP_FACET_SIZE]} | set(keep_shops)
        shops = {slug: shop for slug, shop in shops.items() if slug in kept}
        ratings_end = 5 + len(RATING_BUCKETS)
        return cls(
            total=totals[0],
            exact=totals[1],
            fuzzy_rows=totals[2],
            on_sale=totals[3],
            in_stock=totals[4],
            ratings=totals[5:ratings_end],
            prices=totals[ratings_end:],
            shops=shops,
            categories=categories,
        )
