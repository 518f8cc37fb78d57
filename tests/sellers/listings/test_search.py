"""Cross-shop search (sellers.listings.selectors.listings_find and the PostgreSQL backend):
words, typos, did-you-mean, filters, facets, sorts, pages, and what never shows."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from sellers.catalog.models import Product
from sellers.listings.models import Category, Listing
from sellers.listings.search import (
    FacetValue,
    PostgresSearchBackend,
    RatingBucket,
    SearchParams,
    SearchResult,
    search_backend,
    search_params_parse,
)
from sellers.listings.selectors import category_tree, listings_find, search_params_errors
from sellers.listings.services import search_words_refresh
from tenants.models import Shop
from tests.factories import CategoryFactory, make_product, make_shop

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Catalog:
    home: Category
    ceramics: Category
    mugs: Category
    clothing: Category
    knitwear: Category
    gamma: Shop


def rate(title: str, average: str, count: int) -> None:
    Listing.objects.filter(title=title).update(rating_average=Decimal(average), rating_count=count)


@pytest.fixture
def catalog(world) -> Catalog:
    """Home > Ceramics > Mugs and Clothing > Knitwear, products in two active shops
    (besides "Alpha lamp" and "Beta kettle" of the world), hidden ones in both, and a
    suspended shop's mug."""
    home = CategoryFactory(name="Home", slug="home")
    ceramics = CategoryFactory(name="Ceramics", slug="ceramics", parent=home)
    mugs = CategoryFactory(name="Mugs", slug="mugs", parent=ceramics)
    clothing = CategoryFactory(name="Clothing", slug="clothing")
    knitwear = CategoryFactory(name="Knitwear", slug="knitwear", parent=clothing)
    a, b = world.shop_a, world.shop_b
    make_product(shop=a, title="Speckled ceramic mug", price="18.00", compare_at_price="24.00",
                 category=mugs)  # fmt: skip
    make_product(shop=a, title="Wool scarf", price="45.00", stock=0, category=knitwear)
    make_product(shop=b, title="Stoneware mug", price="25.00", category=mugs)
    make_product(shop=b, title="Ceramic vase", price="60.00", category=ceramics,
                 description="Pairs well with our mugs.")  # fmt: skip
    make_product(shop=b, title="Chunky knit sweater", price="120.00", compare_at_price="150.00",
                 category=knitwear)  # fmt: skip
    make_product(shop=a, title="Secret ceramic mug", category=mugs, status=Product.Status.DRAFT)
    make_product(shop=b, title="Retired ceramic mug", category=mugs,
                 status=Product.Status.ARCHIVED)  # fmt: skip
    gamma = make_shop(name="Gamma Things", slug="gamma-things")
    make_product(shop=gamma, title="Gamma ceramic mug", price="19.00", category=mugs)
    make_product(shop=gamma, title="Zanzibar teapot", price="35.00", category=ceramics)
    rate("Speckled ceramic mug", "4.50", 12)
    rate("Stoneware mug", "4.00", 3)
    rate("Wool scarf", "3.20", 5)
    rate("Ceramic vase", "2.50", 2)
    rate("Gamma ceramic mug", "5.00", 40)
    Shop.objects.filter(pk=gamma.pk).update(status=Shop.Status.SUSPENDED)
    search_words_refresh()
    return Catalog(home, ceramics, mugs, clothing, knitwear, gamma)


def find(**params: object) -> SearchResult:
    return listings_find(params=SearchParams(**params))  # type: ignore[arg-type]


def titles(result: SearchResult) -> list[str]:
    return [listing.title for listing in result.items]


ACTIVE_PUBLISHED = {
    "Alpha lamp",
    "Beta kettle",
    "Speckled ceramic mug",
    "Wool scarf",
    "Stoneware mug",
    "Ceramic vase",
    "Chunky knit sweater",
}


# --- words ---------------------------------------------------------------------------------


def test_words_match_with_stemming_title_matches_first(catalog):
    result = find(q="mugs")

    # Titles outrank the description ("Pairs well with our mugs."); then newest first.
    assert titles(result) == ["Stoneware mug", "Speckled ceramic mug", "Ceramic vase"]
    assert (result.count, result.page, result.pages) == (3, 1, 1)
    assert (result.fuzzy, result.did_you_mean) == (False, None)


def test_every_word_must_match_and_websearch_syntax_works(catalog):
    assert titles(find(q="ceramic mug")) == ["Speckled ceramic mug", "Ceramic vase"]
    assert titles(find(q='"wool scarf"')) == ["Wool scarf"]
    reversed_phrase = find(q='"scarf wool"')
    # No exact phrase match: the words alone come back as a spelled-alike match.
    assert (titles(reversed_phrase), reversed_phrase.fuzzy) == (["Wool scarf"], True)
    assert titles(find(q="lamp OR kettle")) == ["Beta kettle", "Alpha lamp"]
    assert titles(find(q="mug -stoneware -vase")) == ["Speckled ceramic mug"]


def test_the_category_and_the_shop_name_are_searched_too(catalog):
    assert titles(find(q="knitwear")) == ["Chunky knit sweater", "Wool scarf"]
    assert set(titles(find(q="beta store"))) == {
        "Beta kettle",
        "Stoneware mug",
        "Ceramic vase",
        "Chunky knit sweater",
    }


def test_misspelled_words_find_titles_spelled_alike(catalog):
    result = find(q="ceramik mugg")

    # Both words as typed match nothing: listings spelled like them come instead, the
    # closest first, with the corrected query offered.
    assert titles(result) == ["Speckled ceramic mug", "Ceramic vase"]
    assert result.fuzzy is True
    assert result.did_you_mean == "ceramic mug"
    assert result.count == 2


def test_swapped_letters_are_corrected_from_the_titles_vocabulary(catalog):
    result = find(q="kettel")

    assert titles(result) == ["Beta kettle"]
    assert (result.fuzzy, result.did_you_mean) == (True, "kettle")


def test_enough_matches_as_typed_means_no_typo_matches(catalog):
    # "mug" matches three listings as typed, so "mud"-like spellings are not added.
    result = find(q="mug")

    assert result.fuzzy is False
    assert result.count == 3


def test_nothing_matches_suggests_a_corrected_query(catalog):
    filtered = find(q="kettel", min_price=Decimal("1000"))
    gibberish = find(q="qqxzv")

    assert (filtered.count, filtered.items, filtered.did_you_mean) == (0, [], "kettle")
    assert (gibberish.count, gibberish.did_you_mean, gibberish.fuzzy) == (0, None, False)


def test_a_correctly_spelled_query_filtered_to_nothing_suggests_nothing(catalog):
    result = find(q="kettle", min_price=Decimal("1000"))

    assert (result.count, result.did_you_mean) == (0, None)


def test_excluded_words_never_return_as_typo_matches(catalog):
    # Nothing matches "lamp" without "alpha"; the typo branch must not bring the
    # Alpha lamp back either.
    result = find(q="lamp -alpha")

    assert (result.count, result.items, result.fuzzy) == (0, [], False)


# --- filters -------------------------------------------------------------------------------


def test_a_category_includes_its_sub_categories(catalog):
    assert set(titles(find(category="home"))) == {
        "Speckled ceramic mug",
        "Stoneware mug",
        "Ceramic vase",
    }
    assert set(titles(find(category="ceramics"))) == {
        "Speckled ceramic mug",
        "Stoneware mug",
        "Ceramic vase",
    }
    assert set(titles(find(category="mugs"))) == {"Speckled ceramic mug", "Stoneware mug"}
    assert find(category="no-such-thing").count == 0


def test_price_range_is_inclusive(catalog):
    result = find(min_price=Decimal("25.00"), max_price=Decimal("60.00"), sort="price_asc")

    assert titles(result) == [
        "Beta kettle",
        "Stoneware mug",
        "Alpha lamp",
        "Wool scarf",
        "Ceramic vase",
    ]
    assert titles(find(max_price=Decimal("18.00"))) == ["Speckled ceramic mug"]
    assert titles(find(min_price=Decimal("100"))) == ["Chunky knit sweater"]


def test_minimum_rating(catalog):
    assert titles(find(rating=4, sort="rating")) == ["Speckled ceramic mug", "Stoneware mug"]
    assert titles(find(rating=3, sort="rating")) == [
        "Speckled ceramic mug",
        "Stoneware mug",
        "Wool scarf",
    ]


def test_shops_on_sale_and_in_stock(catalog):
    assert set(titles(find(shops=("alpha-goods",)))) == {
        "Alpha lamp",
        "Speckled ceramic mug",
        "Wool scarf",
    }
    assert find(shops=("alpha-goods", "beta-store")).count == len(ACTIVE_PUBLISHED)
    assert find(shops=("gamma-things",)).count == 0  # suspended
    assert set(titles(find(on_sale=True))) == {"Speckled ceramic mug", "Chunky knit sweater"}
    assert "Wool scarf" not in titles(find(in_stock=True))
    assert find(in_stock=True).count == len(ACTIVE_PUBLISHED) - 1
    assert titles(find(q="mug", on_sale=True, in_stock=True, shops=("alpha-goods",))) == [
        "Speckled ceramic mug"
    ]


# --- facets --------------------------------------------------------------------------------


def test_each_facet_counts_with_the_other_filters_applied(catalog):
    result = find(shops=("beta-store",))

    assert result.count == 4
    facets = result.facets
    # Shops leave out their own filter: every shop keeps its count while one is picked.
    assert facets.shops == [
        FacetValue(value="beta-store", label="Beta Store", count=4, selected=True),
        FacetValue(value="alpha-goods", label="Alpha Goods", count=3, selected=False),
    ]
    assert (facets.on_sale, facets.in_stock) == (1, 4)
    assert facets.ratings == [
        RatingBucket(minimum=4, count=1),
        RatingBucket(minimum=3, count=1),
        RatingBucket(minimum=2, count=2),
        RatingBucket(minimum=1, count=2),
    ]
    # The kettle and the stoneware mug cost 25.00: on an edge, in both neighbours.
    assert [(b.low, b.high, b.count) for b in facets.prices] == [
        (None, Decimal("10.00"), 0),
        (Decimal("10.00"), Decimal("25.00"), 2),
        (Decimal("25.00"), Decimal("50.00"), 2),
        (Decimal("50.00"), Decimal("100.00"), 1),
        (Decimal("100.00"), Decimal("250.00"), 1),
        (Decimal("250.00"), None, 0),
    ]
    # Categories drill down (top level here) with every filter applied.
    assert [(v.value, v.count) for v in facets.categories] == [("clothing", 1), ("home", 2)]


def test_a_picked_facet_value_keeps_its_siblings(catalog):
    result = find(rating=4, min_price=Decimal("10"), max_price=Decimal("25"), on_sale=True)

    assert titles(result) == ["Speckled ceramic mug"]
    facets = result.facets
    assert [b.count for b in facets.ratings] == [1, 1, 1, 1]  # on sale, 10–25: one mug
    assert [b.selected for b in facets.ratings] == [True, False, False, False]
    # Prices with rating ≥ 4 and on sale: the mug (18) and nothing else.
    assert [b.count for b in facets.prices] == [0, 1, 0, 0, 0, 0]
    assert [b.selected for b in facets.prices] == [False, True, False, False, False, False]
    # On sale counts without the on-sale filter: rated ≥ 4 at 10–25 are both mugs.
    assert (facets.on_sale, facets.in_stock) == (1, 1)


def test_the_category_facet_lists_sub_categories_with_their_subtree(catalog):
    assert [(v.value, v.label, v.count) for v in find(category="home").facets.categories] == [
        ("ceramics", "Ceramics", 3)
    ]
    assert [(v.value, v.count) for v in find(category="ceramics").facets.categories] == [
        ("mugs", 2)
    ]
    assert find(category="mugs").facets.categories == []


def test_the_shop_facet_shows_the_biggest_shops_and_those_picked(catalog, monkeypatch):
    monkeypatch.setattr("sellers.listings.search.SHOP_FACET_SIZE", 1)

    plain = find()
    picked = find(shops=("alpha-goods",))

    assert [(v.value, v.count) for v in plain.facets.shops] == [("beta-store", 4)]
    assert [(v.value, v.count, v.selected) for v in picked.facets.shops] == [
        ("beta-store", 4, False),
        ("alpha-goods", 3, True),
    ]


# --- sorts and pages -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("", ["Ceramic vase", "Stoneware mug", "Speckled ceramic mug"]),  # newest
        ("newest", ["Ceramic vase", "Stoneware mug", "Speckled ceramic mug"]),
        ("relevance", ["Ceramic vase", "Stoneware mug", "Speckled ceramic mug"]),  # no words
        ("price_asc", ["Speckled ceramic mug", "Stoneware mug", "Ceramic vase"]),
        ("price_desc", ["Ceramic vase", "Stoneware mug", "Speckled ceramic mug"]),
        ("rating", ["Speckled ceramic mug", "Stoneware mug", "Ceramic vase"]),
    ],
)
def test_sorts(catalog, sort, expected):
    result = find(category="home", sort=sort)

    assert titles(result) == expected


def test_sorts_with_words(catalog):
    assert titles(find(q="mug", sort="price_desc")) == [
        "Ceramic vase",
        "Stoneware mug",
        "Speckled ceramic mug",
    ]
    assert titles(find(q="mug", sort="newest")) == [
        "Ceramic vase",
        "Stoneware mug",
        "Speckled ceramic mug",
    ]


def test_pages(catalog):
    first = find(sort="price_asc", page_size=3)
    second = find(sort="price_asc", page_size=3, page=2)
    last = find(sort="price_asc", page_size=3, page=3)
    beyond = find(sort="price_asc", page_size=3, page=4)
    clamped = listings_find(
        params=SearchParams(sort="price_asc", page_size=3, page=9), clamp_page=True
    )

    assert titles(first) == ["Speckled ceramic mug", "Beta kettle", "Stoneware mug"]
    assert titles(second) == ["Alpha lamp", "Wool scarf", "Ceramic vase"]
    assert titles(last) == ["Chunky knit sweater"]
    assert (last.count, last.page, last.pages) == (7, 3, 3)
    assert (beyond.items, beyond.page, beyond.pages) == ([], 4, 3)
    assert (titles(clamped), clamped.page, clamped.params.page) == (titles(last), 3, 3)


def test_pages_of_a_word_search_and_past_its_end(catalog):
    second = find(q="mug", page_size=2, page=2)
    clamped = listings_find(params=SearchParams(q="mug", page_size=2, page=5), clamp_page=True)

    assert titles(second) == ["Ceramic vase"]
    assert (titles(clamped), clamped.page) == (["Ceramic vase"], 2)


# --- what never shows ----------------------------------------------------------------------


def test_drafts_archived_products_and_suspended_shops_never_show(catalog):
    everything = find(page_size=100)
    words = find(q="ceramic mug")
    typos = find(q="ceramik mugg")

    for result in (everything, words, typos):
        shown = set(titles(result))
        assert not shown & {"Secret ceramic mug", "Retired ceramic mug", "Gamma ceramic mug"}
        assert "gamma-things" not in {value.value for value in result.facets.shops}
    assert set(titles(everything)) == ACTIVE_PUBLISHED
    assert everything.count == len(ACTIVE_PUBLISHED)
    # The suspended shop's 5-star mug is in no rating or category count either.
    assert everything.facets.ratings[0].count == 2
    assert find(category="mugs").count == 2


def test_suspended_shops_words_are_not_suggested(catalog):
    result = find(q="zanzibr")

    assert (result.count, result.did_you_mean) == (0, None)


def test_reinstating_a_shop_brings_its_listings_back(catalog):
    Shop.objects.filter(pk=catalog.gamma.pk).update(status=Shop.Status.ACTIVE)
    search_words_refresh()

    assert "Gamma ceramic mug" in titles(find(q="mug"))
    assert find(q="zanzibr").did_you_mean == "zanzibar"


# --- parameters ----------------------------------------------------------------------------


def test_parsing_url_parameters_reports_bad_values_and_keeps_the_rest(rf):
    request = rf.get(
        "/search",
        {
            "q": "  wool   scarf ",
            "category": "Not a slug!",
            "min_price": "abc",
            "max_price": "-3",
            "rating": "9",
            "shop": ["alpha-goods", "alpha-goods", "BAD SLUG", "beta-store"],
            "on_sale": "1",
            "in_stock": "on",
            "sort": "cheapest",
            "page": "zwei",
        },
    )

    params, errors = search_params_parse(request.GET, page_size=24)

    assert params == SearchParams(
        q="wool scarf",
        shops=("alpha-goods", "beta-store"),
        on_sale=True,
        in_stock=True,
        page=1,
        page_size=24,
    )
    assert errors == {
        "category": "There is no such category.",
        "min_price": "Enter a price, like 25 or 9.99.",
        "max_price": "Enter a price from 0 to 1,000,000.",
        "rating": "Choose a rating from 1 to 5.",
        "shop": "That is not a shop address.",
        "sort": "Choose one of the listed sort orders.",
    }


def test_parsed_prices_are_rounded_to_cents_and_query_items_are_canonical(rf):
    request = rf.get(
        "/search", {"sort": "newest", "max_price": "24,5", "min_price": "10", "q": "mug"}
    )

    params, errors = search_params_parse(request.GET, page_size=24)

    assert errors == {}
    assert (params.min_price, params.max_price) == (Decimal("10.00"), Decimal("24.50"))
    assert params.query_items() == [
        ("q", "mug"),
        ("min_price", "10"),
        ("max_price", "24.5"),
        ("sort", "newest"),
    ]
    # The default sort is left out of URLs.
    assert SearchParams(q="mug", sort="relevance").query_items() == [("q", "mug")]
    assert SearchParams(sort="newest").query_items() == []


def test_checks_the_types_cannot_make(catalog):
    assert search_params_errors(params=SearchParams(category="ceramics")) == {}
    assert search_params_errors(
        params=SearchParams(
            category="nope", min_price=Decimal("20"), max_price=Decimal("10"), sort="bogus"
        )
    ) == {
        "category": "There is no such category.",
        "max_price": "The highest price must not be below the lowest.",
        "sort": "Choose one of: relevance, newest, price_asc, price_desc, rating.",
    }


# --- the backend interface -----------------------------------------------------------------


class RecordingBackend:
    """Stands in for another search engine."""

    calls: list[SearchParams] = []

    def search(self, *, params, categories, clamp_page=False):  # type: ignore[no-untyped-def]
        RecordingBackend.calls.append(params)
        return PostgresSearchBackend().search(
            params=params, categories=categories, clamp_page=clamp_page
        )


def test_the_backend_is_chosen_by_a_setting(catalog):
    assert isinstance(search_backend(), PostgresSearchBackend)
    with override_settings(
        LISTINGS_SEARCH_BACKEND="tests.sellers.listings.test_search.RecordingBackend"
    ):
        result = find(q="vase")

    assert titles(result) == ["Ceramic vase"]
    assert RecordingBackend.calls == [SearchParams(q="vase")]


def test_a_word_search_is_two_statements_and_a_typo_one_three(catalog):
    category_tree()  # cached from here on (one query on a miss)
    with CaptureQueriesContext(connection) as words:
        find(q="mug")
    with CaptureQueriesContext(connection) as typos:
        find(q="ceramik mugg")
    with CaptureQueriesContext(connection) as nothing:
        find(q="qqxzv")

    # Facets with the page's ids, then the listings; a suggestion when nothing matched
    # as typed (no listing query when there is nothing to load).
    assert len(words.captured_queries) == 2
    assert len(typos.captured_queries) == 3
    assert len(nothing.captured_queries) == 2


def test_browsing_facets_are_cached_briefly(catalog):
    category_tree()
    with CaptureQueriesContext(connection) as first:
        first_result = find(category="home", sort="price_asc")
    with CaptureQueriesContext(connection) as again:
        again_result = find(category="home", sort="rating", page=1)

    assert len(first.captured_queries) == 2  # facets, page
    assert len(again.captured_queries) == 1  # page only: same filters, other sort
    assert again_result.facets == first_result.facets
    assert again_result.count == 3
