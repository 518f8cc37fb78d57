"""The search page (/search) and category pages (/categories/<slug>/): filters in the URL,
facet links, htmx partial updates, errors at the field, empty states, SEO, query budgets,
and that nobody sees what is not for sale."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sellers.listings.models import Category, Listing
from sellers.listings.services import search_words_refresh
from tenants.models import Shop
from tests.factories import CategoryFactory, make_product, make_shop

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "search-form"}


@contextmanager
def cold_cache() -> Iterator[None]:
    """A cache of its own: no cached category tree or facet counts."""
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    with override_settings(
        CACHES={"default": {**settings.CACHES["default"], "KEY_PREFIX": prefix}}
    ):
        yield


def titles_on(response) -> list[str]:
    return [listing.title for listing in response.context["result"].items]


def template_names(response) -> list[str]:
    return [template.name for template in response.templates]


@pytest.fixture
def shelf(world) -> dict[str, Any]:
    home = CategoryFactory(name="Home", slug="home", description="Things for the home.")
    ceramics = CategoryFactory(name="Ceramics", slug="ceramics", parent=home)
    mugs = CategoryFactory(name="Mugs", slug="mugs", parent=ceramics)
    textiles = CategoryFactory(name="Textiles", slug="textiles", parent=home)
    make_product(shop=world.shop_a, title="Speckled ceramic mug", price="18.00",
                 compare_at_price="24.00", category=mugs)  # fmt: skip
    make_product(shop=world.shop_b, title="Stoneware mug", price="25.00", category=mugs)
    make_product(shop=world.shop_b, title="Ceramic vase", price="60.00", category=ceramics)
    make_product(shop=world.shop_a, title="Linen tea towel", price="12.00", stock=0,
                 category=textiles)  # fmt: skip
    make_product(shop=world.shop_a, title="Secret ceramic mug", category=mugs, status="draft")
    Listing.objects.filter(title="Speckled ceramic mug").update(
        rating_average=Decimal("4.6"), rating_count=9
    )
    search_words_refresh()
    return {"home": home, "ceramics": ceramics, "mugs": mugs, "textiles": textiles}


# --- the search page -----------------------------------------------------------------------


def test_the_search_page_shows_results_facets_and_the_form(world, client, shelf):
    response = client.get("/search", {"q": "mug"})

    assert response.status_code == 200
    assert template_names(response)[0] == "storefront/search.html"
    assert titles_on(response) == ["Stoneware mug", "Speckled ceramic mug"]
    body = response.content.decode()
    assert '<input id="search-q" type="search" name="q" value="mug"' in body
    assert "2 products for “mug”" in body
    # Facet links keep the words and pick a value; the form posts nothing by itself.
    assert 'href="/search?q=mug&amp;category=home"' in body
    assert 'href="/search?q=mug&amp;min_price=10&amp;max_price=25"' in body
    assert 'name="shop" value="alpha-goods"' in body
    assert '<option value="relevance" selected>Best match</option>' in body
    assert "Secret ceramic mug" not in body
    assert "HX-Request" in response["Vary"]
    assert "HX-Push-Url" not in response


def test_filters_come_from_the_url_and_show_as_removable_chips(world, client, shelf):
    response = client.get(
        "/search",
        {"q": "mug", "shop": "beta-store", "on_sale": "", "min_price": "", "sort": "price_asc"},
    )

    assert response.status_code == 200
    assert titles_on(response) == ["Stoneware mug"]
    search = response.context["search"]
    assert [(chip.label, chip.url) for chip in search.chips] == [
        ("Beta Store", "/search?q=mug&sort=price_asc")
    ]
    assert search.clear_url == "/search?q=mug&sort=price_asc"
    body = response.content.decode()
    assert 'name="shop" value="beta-store" checked' in body
    assert '<option value="price_asc" selected>' in body


def test_an_htmx_change_renders_only_the_form_and_pushes_the_clean_url(world, client, shelf):
    response = client.get(
        "/search",
        {"q": "mug", "min_price": "", "max_price": "", "rating": "", "shop": "alpha-goods"},
        **HTMX,
    )

    assert response.status_code == 200
    assert template_names(response)[0] == "storefront/search/partial.html"
    body = response.content.decode()
    assert body.startswith("<title>“mug” · Search · Marketplace</title>")
    assert '<form id="search-form"' in body
    assert "<html" not in body
    assert response["HX-Push-Url"] == "/search?q=mug&shop=alpha-goods"
    assert "HX-Request" in response["Vary"]
    assert titles_on(response) == ["Speckled ceramic mug"]


def test_going_back_restores_the_whole_page(world, client, shelf):
    response = client.get("/search", {"q": "mug"}, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX)

    assert template_names(response)[0] == "storefront/search.html"
    assert "HX-Push-Url" not in response


def test_bad_values_are_422_with_the_message_at_the_field_and_the_rest_applies(
    world, client, shelf
):
    response = client.get("/search", {"q": "mug", "min_price": "cheap", "max_price": "20"})

    assert response.status_code == 422
    assert response.context["errors"] == {"min_price": "Enter a price, like 25 or 9.99."}
    assert titles_on(response) == ["Speckled ceramic mug"]  # q and max_price still apply
    body = response.content.decode()
    assert (
        '<p class="field-error" id="search-min-price-error">Enter a price, like 25 or 9.99.</p>'
        in body
    )
    assert 'aria-describedby="search-min-price-error"' in body


def test_prices_the_wrong_way_round_drop_the_maximum(world, client, shelf):
    response = client.get("/search", {"min_price": "50", "max_price": "20"})

    assert response.status_code == 422
    assert response.context["errors"] == {
        "max_price": "The highest price must not be below the lowest."
    }
    assert titles_on(response) == ["Ceramic vase"]


def test_an_unknown_category_parameter_is_reported_and_ignored(world, client, shelf):
    response = client.get("/search", {"q": "mug", "category": "gone"})

    assert response.status_code == 422
    assert response.context["errors"] == {"category": "There is no such category."}
    assert titles_on(response) == ["Stoneware mug", "Speckled ceramic mug"]


def test_nothing_found_offers_did_you_mean_and_tips(world, client, shelf):
    response = client.get("/search", {"q": "kettel", "max_price": "5"})

    assert response.status_code == 200
    assert titles_on(response) == []
    body = response.content.decode()
    assert "Nothing matches “kettel” with these filters" in body
    assert (
        'Did you mean <a href="/search?q=kettle&amp;max_price=5" hx-boost="true">kettle</a>?'
        in body
    )
    assert 'href="/search?q=kettel"' in body  # clear all filters
    assert "Check the spelling" in body
    assert '<a href="/categories/home/">Home</a>' in body


def test_misspelled_words_show_similar_results_with_a_notice(world, client, shelf):
    response = client.get("/search", {"q": "ceramik mugg"})

    assert titles_on(response) == ["Speckled ceramic mug"]
    body = response.content.decode()
    assert "No exact matches for “ceramik mugg”, so these are spelled alike." in body
    assert 'Did you mean <a href="/search?q=ceramic+mug" hx-boost="true">ceramic mug</a>?' in body


def test_words_are_escaped(world, client, shelf):
    response = client.get("/search", {"q": "<script>alert(1)</script>"})

    body = response.content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_a_category_facet_link_drills_down_on_the_search_page(world, client, shelf):
    response = client.get("/search", {"category": "home", "sort": "price_asc"})

    search = response.context["search"]
    assert titles_on(response) == [
        "Linen tea towel",
        "Speckled ceramic mug",
        "Stoneware mug",
        "Ceramic vase",
    ]
    assert [(link.label, link.count, link.url) for link in search.categories] == [
        ("Ceramics", 3, "/search?category=ceramics&sort=price_asc"),
        ("Textiles", 1, "/search?category=textiles&sort=price_asc"),
    ]
    assert search.category_up.url == "/search?sort=price_asc"
    assert '<input type="hidden" name="category" value="home">' in response.content.decode()


def test_pages_keep_the_filters(world, client, shelf):
    now = timezone.now()
    Listing.objects.bulk_create(
        Listing(shop=world.shop_a, product_id=1000 + n, title=f"Bulk mug {n}", slug=f"bulk-{n}",
                price=Decimal("5.00"), currency="EUR", category=shelf["mugs"],
                published_at=now - timedelta(minutes=n))
        for n in range(30)
    )  # fmt: skip

    response = client.get("/search", {"q": "mug", "max_price": "20", "page": "2"})
    past_the_end = client.get("/search", {"q": "mug", "max_price": "20", "page": "9"})

    assert response.context["page_obj"].number == 2
    assert len(titles_on(response)) == 31 - 24
    body = response.content.decode()
    assert 'href="?q=mug&amp;max_price=20&amp;page=1" rel="prev"' in body
    assert "Page 2 of 2" in body
    assert past_the_end.context["page_obj"].number == 2  # the last page, not an error
    assert titles_on(past_the_end) == titles_on(response)


# --- the category page ---------------------------------------------------------------------


def test_a_category_page_has_its_heading_sub_categories_breadcrumb_and_listings(
    world, client, shelf
):
    response = client.get("/categories/ceramics/")

    assert response.status_code == 200
    assert template_names(response)[0] == "storefront/category.html"
    assert set(titles_on(response)) == {"Speckled ceramic mug", "Stoneware mug", "Ceramic vase"}
    body = response.content.decode()
    assert '<h1 class="search-page__title">Ceramics</h1>' in body
    assert '<a class="subcategories__link" href="/categories/mugs/">Mugs</a>' in body
    assert '<li><a href="/categories/home/">Home</a></li>' in body
    assert '<li><span aria-current="page">Ceramics</span></li>' in body
    assert "Search in Ceramics" in body
    # Sub-categories are pages of their own, keeping the other filters.
    search = response.context["search"]
    assert [(link.label, link.url) for link in search.categories] == [("Mugs", "/categories/mugs/")]
    filtered = client.get("/categories/ceramics/", {"on_sale": "1"})
    assert [link.url for link in filtered.context["search"].categories] == [
        "/categories/mugs/?on_sale=1"
    ]
    assert 'name="category"' not in body


def test_a_category_page_with_words_and_filters(world, client, shelf):
    response = client.get("/categories/home/", {"q": "mug", "max_price": "20"})

    assert titles_on(response) == ["Speckled ceramic mug"]
    assert response.context["search"].summary == "1 product for “mug” in Home"


def test_an_unknown_category_is_404(world, client, shelf):
    response = client.get("/categories/no-such-thing/")

    assert response.status_code == 404


# --- SEO -------------------------------------------------------------------------------------


def test_search_pages_are_not_indexed(world, client, shelf):
    seo = client.get("/search", {"q": "mug", "shop": "", "sort": "newest"}).context["seo"]

    assert seo.title == "“mug” · Search · Marketplace"
    assert seo.noindex is True
    assert seo.canonical_url == "http://localhost:8000/search?q=mug&sort=newest"
    assert seo.description == "2 products for “mug” from independent shops on Marketplace."


def test_a_plain_category_page_is_indexed_and_a_filtered_one_is_not(world, client, shelf):
    plain = client.get("/categories/home/").context["seo"]
    filtered = client.get("/categories/home/", {"in_stock": "1"}).context["seo"]
    sorted_ = client.get("/categories/home/", {"sort": "price_asc"}).context["seo"]

    assert plain.title == "Home · Marketplace"
    assert plain.description == "Things for the home."
    assert plain.noindex is False
    assert plain.canonical_url == "http://localhost:8000/categories/home/"
    assert plain.json_ld[0]["itemListElement"] == [
        {"@type": "ListItem", "position": 1, "name": "Marketplace",
         "item": "http://localhost:8000/"},
        {"@type": "ListItem", "position": 2, "name": "Home",
         "item": "http://localhost:8000/categories/home/"},
    ]  # fmt: skip
    for seo in (filtered, sorted_):
        assert seo.noindex is True
        assert seo.canonical_url == "http://localhost:8000/categories/home/"


def test_a_later_page_of_a_category_is_indexed_with_its_number(world, client, shelf):
    now = timezone.now()
    Listing.objects.bulk_create(
        Listing(shop=world.shop_b, product_id=2000 + n, title=f"Bowl {n}", slug=f"bowl-{n}",
                price=Decimal("9.00"), currency="EUR", category=shelf["ceramics"],
                published_at=now - timedelta(minutes=n))
        for n in range(25)
    )  # fmt: skip

    seo = client.get("/categories/ceramics/", {"page": "2"}).context["seo"]

    assert seo.title == "Ceramics · Page 2 · Marketplace"
    assert seo.noindex is False
    assert seo.canonical_url == "http://localhost:8000/categories/ceramics/?page=2"


# --- query budgets ---------------------------------------------------------------------------


def bulk_listings(world, category: Category, count: int) -> None:
    now = timezone.now()
    Listing.objects.bulk_create(
        Listing(shop=world.shop_a if n % 2 else world.shop_b, product_id=5000 + n,
                title=f"Budget mug {n}", slug=f"budget-mug-{n}", price=Decimal("7.00"),
                currency="EUR", category=category, published_at=now - timedelta(seconds=n))
        for n in range(count)
    )  # fmt: skip


# Anonymous visitor, nothing cached: the category tree, the facet statement (with the
# page's ids when there are words) and the page of listings (with shop and category).
# The category page asks for the tree first and then finds it cached.
SEARCH_PAGE_QUERIES = 3
CATEGORY_PAGE_QUERIES = 3


@pytest.mark.parametrize(
    ("path", "params", "pinned"),
    [
        ("/search", {"q": "mug"}, SEARCH_PAGE_QUERIES),
        ("/search", {"category": "home", "in_stock": "1"}, SEARCH_PAGE_QUERIES),
        ("/categories/home/", {}, CATEGORY_PAGE_QUERIES),
        ("/categories/home/", {"q": "mug", "sort": "price_asc"}, CATEGORY_PAGE_QUERIES),
    ],
)
def test_search_and_category_pages_run_a_fixed_number_of_queries(
    world, client, shelf, django_assert_num_queries, path, params, pinned
):
    client.get("/")  # the connection is back in the public schema after product writes
    with cold_cache(), CaptureQueriesContext(connection) as few:
        few_response = client.get(path, params)
    bulk_listings(world, shelf["mugs"], 40)

    with cold_cache(), django_assert_num_queries(pinned):
        many_response = client.get(path, params)

    assert len(few.captured_queries) == pinned
    assert few_response.context["result"].count < 5
    assert len(many_response.context["result"].items) == 24


def test_a_cached_browse_page_needs_only_the_page_query(
    world, client, shelf, django_assert_num_queries
):
    client.get("/categories/home/")

    with django_assert_num_queries(1):
        response = client.get("/categories/home/", {"sort": "price_desc"})

    assert titles_on(response)[0] == "Ceramic vase"


# --- who sees what ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "shopper", "owner_a", "owner_b"])
def test_everyone_sees_the_same_public_results_and_no_drafts(world, as_user, shelf, who):
    gamma = make_shop(name="Gamma Things", slug="gamma-search")
    make_product(shop=gamma, title="Gamma ceramic mug", category=shelf["mugs"])
    Shop.objects.filter(pk=gamma.pk).update(status=Shop.Status.SUSPENDED)
    user = None if who == "anonymous" else getattr(world, who)
    client = as_user(user)

    search = client.get("/search", {"q": "ceramic mug"})
    category = client.get("/categories/mugs/")
    typo = client.get("/search", {"q": "secrett ceramic"})

    for response in (search, category, typo):
        assert response.status_code == 200
        body = response.content.decode()
        assert "Secret ceramic mug" not in body
        assert "Gamma" not in body
    assert titles_on(search) == ["Speckled ceramic mug"]
    assert set(titles_on(category)) == {"Speckled ceramic mug", "Stoneware mug"}
    assert [value.value for value in category.context["facets"].shops] == [
        "alpha-goods",
        "beta-store",
    ] or [value.value for value in category.context["facets"].shops] == [
        "beta-store",
        "alpha-goods",
    ]


def test_the_search_page_only_answers_get(world, client, shelf):
    assert client.post("/search", {"q": "mug"}).status_code == 405
    assert client.post("/categories/home/").status_code == 405
