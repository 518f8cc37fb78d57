"""Shopper pages: the cross-shop homepage and search, a shop's page, a product's page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sellers.listings.models import Listing
from tests.factories import make_product, make_shop

pytestmark = pytest.mark.django_db


def titles_on(response) -> list[str]:
    return [listing.title for listing in response.context["page_obj"].object_list]


def template_names(response) -> list[str]:
    return [template.name for template in response.templates]


# --- homepage and search ----------------------------------------------------------------


def test_homepage_lists_published_listings_of_every_shop_newest_first(world, client):
    make_product(shop=world.shop_b, title="Beta teapot", price="18.00")
    make_product(shop=world.shop_a, title="Alpha rug", price="120.00", stock=0)
    make_product(shop=world.shop_b, title="Beta secret draft", status="draft")

    response = client.get("/")

    assert response.status_code == 200
    assert template_names(response)[0] == "storefront/home.html"
    assert titles_on(response) == ["Alpha rug", "Beta teapot", "Beta kettle", "Alpha lamp"]
    assert [listing.shop.slug for listing in response.context["page_obj"].object_list] == [
        "alpha-goods",
        "beta-store",
        "beta-store",
        "alpha-goods",
    ]
    body = response.content.decode()
    assert "Beta secret draft" not in body
    assert 'href="/shops/beta-store/products/beta-teapot/"' in body
    assert 'href="/shops/alpha-goods/products/alpha-lamp/"' in body
    assert "EUR 120.00" in body
    assert "Out of stock" in body  # the rug has no stock


def test_a_suspended_shop_disappears_from_the_homepage(world, client):
    shop = make_shop(name="Gamma Things")
    make_product(shop=shop, title="Gamma vase")
    shop.status = "suspended"
    shop.save(update_fields=["status"])

    response = client.get("/")

    assert titles_on(response) == ["Beta kettle", "Alpha lamp"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("lamps", ["Alpha lamp"]),  # English stemming: lamps → lamp
        ("LAMP", ["Alpha lamp"]),
        ("kettles", ["Beta kettle"]),
        ("alpha", ["Alpha lamp"]),  # not the draft chair
        ("chair", []),  # only a draft has it
        ("lamp OR kettle", ["Beta kettle", "Alpha lamp"]),
        ("lamp -alpha", []),
        ("nothing-like-this", []),
    ],
)
def test_search_is_full_text_over_published_titles(world, client, query, expected):
    response = client.get("/", {"q": query})

    assert response.status_code == 200
    assert response.context["query"] == query
    assert titles_on(response) == expected
    assert response.context["page_obj"].paginator.count == len(expected)


def test_search_ranks_title_matches_and_says_how_many(world, client):
    make_product(shop=world.shop_b, title="Desk lamp with lamp shade")

    response = client.get("/", {"q": "lamp"})

    assert titles_on(response) == ["Desk lamp with lamp shade", "Alpha lamp"]
    body = response.content.decode()
    assert "Results for “lamp”" in body
    assert "2 products found" in body


def test_search_for_nothing_found_says_so(world, client):
    response = client.get("/", {"q": "unicorn"})

    assert "Nothing matches “unicorn”. Try fewer words." in response.content.decode()


def test_search_query_is_escaped_in_the_page(world, client):
    response = client.get("/", {"q": "<script>alert(1)</script>"})

    assert response.status_code == 200
    body = response.content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_homepage_is_paginated_by_24(world, client):
    for number in range(30):
        make_product(shop=world.shop_a if number % 2 else world.shop_b, title=f"Item {number:02d}")
    newest_first = list(Listing.objects.order_by("-published_at", "-id").values_list("title"))
    newest_first = [title for (title,) in newest_first]
    assert len(newest_first) == 32

    first = client.get("/")
    second = client.get("/", {"page": "2"})
    too_far = client.get("/", {"page": "999"})
    not_a_number = client.get("/", {"page": "abc"})

    assert titles_on(first) == newest_first[:24]
    assert (
        titles_on(second)
        == newest_first[24:]
        == [f"Item {n:02d}" for n in range(5, -1, -1)]
        + [
            "Beta kettle",
            "Alpha lamp",
        ]
    )
    assert too_far.status_code == 200
    assert too_far.context["page_obj"].number == 2
    assert titles_on(too_far) == newest_first[24:]
    assert not_a_number.status_code == 200
    assert not_a_number.context["page_obj"].number == 1
    assert titles_on(not_a_number) == newest_first[:24]
    assert "Page 1 of 2" in first.content.decode()
    assert 'href="?page=2" rel="next"' in first.content.decode()


def test_search_pagination_keeps_the_query(world, client):
    for number in range(26):
        make_product(shop=world.shop_a, title=f"Candle {number:02d}")

    first = client.get("/", {"q": "candle"})
    second = client.get("/", {"q": "candle", "page": "2"})

    assert first.context["page_obj"].paginator.count == 26
    assert 'href="?q=candle&amp;page=2" rel="next"' in first.content.decode()
    assert len(titles_on(second)) == 2
    assert set(titles_on(first)) | set(titles_on(second)) == {
        f"Candle {number:02d}" for number in range(26)
    }


# --- shop page --------------------------------------------------------------------------


def test_shop_page_lists_only_that_shops_published_listings(world, client):
    make_product(shop=world.shop_a, title="Alpha mirror")
    make_product(shop=world.shop_b, title="Beta mirror")

    alpha = client.get("/shops/alpha-goods/")
    beta = client.get("/shops/beta-store/")

    assert alpha.status_code == 200
    assert template_names(alpha)[0] == "storefront/shop_detail.html"
    assert alpha.context["shop"] == world.shop_a
    assert titles_on(alpha) == ["Alpha mirror", "Alpha lamp"]
    assert titles_on(beta) == ["Beta mirror", "Beta kettle"]
    assert "Beta" not in "".join(titles_on(alpha))
    assert "<h1>Alpha Goods</h1>" in alpha.content.decode()


def test_unknown_shop_is_the_404_page(world, client):
    for path in ("/shops/no-such-shop/", "/shops/no-such-shop/products/alpha-lamp/"):
        response = client.get(path)

        assert response.status_code == 404
        assert template_names(response)[0] == "404.html"
        assert "We can't find that page" in response.content.decode()


# --- product page -----------------------------------------------------------------------


def test_product_page_reads_the_product_from_its_own_shops_schema(world, client):
    # The same slug in both shops: each shop's URL must show its own product.
    make_product(shop=world.shop_b, title="Alpha lamp", price="99.00", stock=0)

    alpha = client.get("/shops/alpha-goods/products/alpha-lamp/")
    beta = client.get("/shops/beta-store/products/alpha-lamp/")

    assert alpha.status_code == beta.status_code == 200
    assert template_names(alpha)[0] == "storefront/product_detail.html"
    assert (alpha.context["shop"], alpha.context["product"].price) == (
        world.shop_a,
        Decimal("30.00"),
    )
    assert (beta.context["shop"], beta.context["product"].price) == (
        world.shop_b,
        Decimal("99.00"),
    )
    assert "EUR 30.00" in alpha.content.decode()
    assert "In stock" in alpha.content.decode()
    assert "EUR 99.00" in beta.content.decode()
    assert "Out of stock" in beta.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/shops/alpha-goods/products/beta-kettle/",  # another shop's product
        "/shops/beta-store/products/alpha-lamp/",
        "/shops/alpha-goods/products/alpha-draft-chair/",  # a draft
        "/shops/alpha-goods/products/no-such-thing/",
    ],
)
def test_product_page_is_404_for_products_this_shop_does_not_sell(world, client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert template_names(response)[0] == "404.html"


def test_an_archived_product_is_404(world, client):
    make_product(shop=world.shop_a, title="Retired lamp", status="archived")

    response = client.get("/shops/alpha-goods/products/retired-lamp/")

    assert response.status_code == 404


def test_pages_only_answer_get(world, client):
    for path in ("/", "/shops/alpha-goods/", "/shops/alpha-goods/products/alpha-lamp/"):
        assert client.post(path).status_code == 405


# --- query counts -----------------------------------------------------------------------

# django-tenants sends `SET search_path` only when the schema changes
# (TENANT_LIMIT_SET_CALLS); creating products between the requests below switched to a
# shop schema and back, so each measured request starts with one SET.
# Anonymous homepage: the SET, COUNT of the listings (paginator) and one page of listings
# with their shop joined (select_related). No session or user query: an anonymous visitor
# has no session cookie.
HOME_QUERIES = 3
# Shop page: the SET, the shop by slug (routing middleware), a SET to the shop's schema,
# then COUNT and one page of listings.
SHOP_QUERIES = 5


def _beta_listings(world, numbers: range) -> None:
    for number in numbers:
        make_product(shop=world.shop_b, title=f"Thing {number}")


@pytest.mark.parametrize(
    ("path", "pinned", "few", "many"),
    [("/", HOME_QUERIES, 3, 30), ("/shops/beta-store/", SHOP_QUERIES, 2, 29)],
)
def test_list_pages_make_the_same_queries_for_few_or_many_listings(
    world, client, django_assert_num_queries, path, pinned, few, many
):
    _beta_listings(world, range(1))
    with CaptureQueriesContext(connection) as few_queries:
        response = client.get(path)
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == few

    _beta_listings(world, range(1, 28))
    with django_assert_num_queries(pinned):
        response = client.get(path)

    assert response.context["page_obj"].paginator.count == many
    assert len(response.context["page_obj"].object_list) == 24
    assert len(few_queries.captured_queries) == pinned


def test_signed_in_homepage_adds_only_the_user_query(world, as_user, django_assert_num_queries):
    """The session comes from the cache; the header needs the user: one more query. The
    warm-up request already set the search path, so no SET: user, COUNT, page."""
    client = as_user(world.shopper)
    _beta_listings(world, range(28))
    client.get("/")  # the session is now in the cache

    with django_assert_num_queries(3):
        response = client.get("/")

    assert response.status_code == 200
