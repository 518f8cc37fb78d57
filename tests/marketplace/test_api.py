"""The public catalog API under /api/v1/: listing search (filters, sorts, facets, did you
mean), pagination, error shape, per-shop isolation, docs."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from sellers.catalog.models import Product
from sellers.catalog.services import VariantInput
from sellers.listings.models import Listing
from sellers.listings.services import search_words_refresh
from tenants.models import Shop
from tests.factories import CategoryFactory, make_product, make_shop

pytestmark = pytest.mark.django_db


def listing_json(listing: Listing) -> dict[str, object]:
    return {
        "id": listing.id,
        "shop_slug": listing.shop.slug,
        "shop_name": listing.shop.name,
        "product_id": listing.product_id,
        "title": listing.title,
        "slug": listing.slug,
        "summary": listing.summary,
        "category": listing.category.slug if listing.category else None,
        "price": str(listing.price),
        "compare_at_price": None
        if listing.compare_at_price is None
        else str(listing.compare_at_price),
        "on_sale": listing.on_sale,
        "currency": "EUR",
        "in_stock": listing.in_stock,
        "rating_average": str(listing.rating_average),
        "rating_count": listing.rating_count,
        "image_url": "",
        "image_alt": "",
        "published_at": DjangoJSONEncoder().default(listing.published_at),
    }


IDS_AND_TIMES = ("id", "product_id", "published_at")
PAGE_KEYS = ("items", "count", "page", "pages")


def newest_listings() -> list[Listing]:
    return list(Listing.objects.select_related("shop", "category").order_by("-published_at", "-id"))


def page_of(body: dict[str, object]) -> dict[str, object]:
    return {key: body[key] for key in PAGE_KEYS}


@contextmanager
def cold_cache() -> Iterator[None]:
    """A cache of its own: no cached category tree or facet counts."""
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    with override_settings(
        CACHES={"default": {**settings.CACHES["default"], "KEY_PREFIX": prefix}}
    ):
        yield


# --- /api/v1/listings -------------------------------------------------------------------


def test_listings_are_paginated_newest_first(world, client):
    make_product(shop=world.shop_a, title="Alpha rug", price="120.00", stock=0)
    make_product(shop=world.shop_b, title="Beta teapot", price="18.50")
    make_product(shop=world.shop_a, title="Alpha hidden", status="draft")
    make_product(shop=world.shop_b, title="Beta tray", price="9.99")
    listings = newest_listings()
    assert [listing.title for listing in listings] == [
        "Beta tray",
        "Beta teapot",
        "Alpha rug",
        "Beta kettle",
        "Alpha lamp",
    ]

    first = client.get("/api/v1/listings")
    second = client.get("/api/v1/listings", {"page": 2, "page_size": 2})
    last = client.get("/api/v1/listings", {"page": 3, "page_size": 2})
    beyond = client.get("/api/v1/listings", {"page": 4, "page_size": 2})

    assert first.status_code == 200
    assert first["Content-Type"] == "application/json; charset=utf-8"
    assert set(first.json()) == {*PAGE_KEYS, "facets", "did_you_mean"}
    assert page_of(first.json()) == {
        "items": [listing_json(listing) for listing in listings],
        "count": 5,
        "page": 1,
        "pages": 1,
    }
    assert first.json()["did_you_mean"] is None
    assert page_of(second.json()) == {
        "items": [listing_json(listings[2]), listing_json(listings[3])],
        "count": 5,
        "page": 2,
        "pages": 3,
    }
    rug = second.json()["items"][0]
    assert {key: value for key, value in rug.items() if key not in IDS_AND_TIMES} == {
        "shop_slug": "alpha-goods",
        "shop_name": "Alpha Goods",
        "title": "Alpha rug",
        "slug": "alpha-rug",
        "summary": "",
        "category": None,
        "price": "120.00",
        "compare_at_price": None,
        "on_sale": False,
        "currency": "EUR",
        "in_stock": False,
        "rating_average": "0.00",
        "rating_count": 0,
        "image_url": "",
        "image_alt": "",
    }
    assert page_of(last.json()) == {
        "items": [listing_json(listings[4])],
        "count": 5,
        "page": 3,
        "pages": 3,
    }
    assert beyond.status_code == 200
    assert page_of(beyond.json()) == {"items": [], "count": 5, "page": 4, "pages": 3}


def test_a_listing_carries_its_sale_category_rating_summary_and_card_image(world, client):
    mugs = CategoryFactory(name="Mugs", slug="mugs")
    make_product(
        shop=world.shop_a,
        title="Speckled mug",
        price="18.00",
        compare_at_price="24.00",
        category=mugs,
        description="Stoneware, **dishwasher safe**.",
    )
    Listing.objects.filter(title="Speckled mug").update(
        rating_average=Decimal("4.25"),
        rating_count=8,
        image_name="shops/1/products/abc.jpg",
        image_alt="A speckled mug",
    )

    item = client.get("/api/v1/listings", {"q": "speckled"}).json()["items"][0]

    assert {key: item[key] for key in item if key not in IDS_AND_TIMES} == {
        "shop_slug": "alpha-goods",
        "shop_name": "Alpha Goods",
        "title": "Speckled mug",
        "slug": "speckled-mug",
        "summary": "Stoneware, dishwasher safe.",
        "category": "mugs",
        "price": "18.00",
        "compare_at_price": "24.00",
        "on_sale": True,
        "currency": "EUR",
        "in_stock": True,
        "rating_average": "4.25",
        "rating_count": 8,
        "image_url": "/media/shops/1/products/abc_card.jpg",
        "image_alt": "A speckled mug",
    }


def test_listings_search_with_q(world, client):
    response = client.get("/api/v1/listings", {"q": "lamps"})

    assert response.status_code == 200
    body = response.json()
    assert [item["title"] for item in body["items"]] == ["Alpha lamp"]
    assert (body["count"], body["page"], body["pages"]) == (1, 1, 1)


def test_an_empty_list_still_has_one_page(world, client):
    response = client.get("/api/v1/listings", {"q": "unicorn"})

    assert page_of(response.json()) == {"items": [], "count": 0, "page": 1, "pages": 1}
    assert response.json()["did_you_mean"] is None


@pytest.fixture
def shelf(world):
    """A few listings to filter: categories, prices, sale, stock, ratings."""
    home = CategoryFactory(name="Home", slug="home")
    mugs = CategoryFactory(name="Mugs", slug="mugs", parent=home)
    make_product(shop=world.shop_a, title="Speckled ceramic mug", price="18.00",
                 compare_at_price="24.00", category=mugs)  # fmt: skip
    make_product(shop=world.shop_b, title="Stoneware mug", price="25.00", category=mugs)
    make_product(shop=world.shop_b, title="Oak shelf", price="140.00", stock=0, category=home)
    Listing.objects.filter(title="Speckled ceramic mug").update(
        rating_average=Decimal("4.5"), rating_count=10
    )
    Listing.objects.filter(title="Stoneware mug").update(
        rating_average=Decimal("3.5"), rating_count=2
    )
    search_words_refresh()
    return home


def titles_for(client, **params: object) -> list[str]:
    response = client.get("/api/v1/listings", params)
    assert response.status_code == 200, response.json()
    return [item["title"] for item in response.json()["items"]]


def test_filters_and_sorts(world, client, shelf):
    assert titles_for(client, category="home", sort="price_asc") == [
        "Speckled ceramic mug",
        "Stoneware mug",
        "Oak shelf",
    ]
    assert titles_for(client, category="mugs", sort="price_desc") == [
        "Stoneware mug",
        "Speckled ceramic mug",
    ]
    assert titles_for(client, min_price="18", max_price="30", sort="price_asc") == [
        "Speckled ceramic mug",
        "Beta kettle",
        "Stoneware mug",
        "Alpha lamp",
    ]
    assert titles_for(client, rating=4) == ["Speckled ceramic mug"]
    assert titles_for(client, rating=3, sort="rating") == [
        "Speckled ceramic mug",
        "Stoneware mug",
    ]
    assert titles_for(client, shop=["beta-store"], category="home") == [
        "Oak shelf",
        "Stoneware mug",
    ]
    assert sorted(titles_for(client, shop=["alpha-goods", "beta-store"])) == sorted(
        ["Alpha lamp", "Beta kettle", "Speckled ceramic mug", "Stoneware mug", "Oak shelf"]
    )
    assert titles_for(client, on_sale="true") == ["Speckled ceramic mug"]
    assert "Oak shelf" not in titles_for(client, in_stock="true")
    assert titles_for(client, q="mug", sort="price_asc") == [
        "Speckled ceramic mug",
        "Stoneware mug",
    ]


def test_facets_and_did_you_mean(world, client, shelf):
    body = client.get("/api/v1/listings", {"q": "mugg", "shop": "beta-store"}).json()

    assert [item["title"] for item in body["items"]] == ["Stoneware mug"]
    assert body["did_you_mean"] == "mug"
    assert body["facets"] == {
        "categories": [{"slug": "home", "name": "Home", "count": 1, "selected": False}],
        "shops": [
            {"slug": "alpha-goods", "name": "Alpha Goods", "count": 1, "selected": False},
            {"slug": "beta-store", "name": "Beta Store", "count": 1, "selected": True},
        ],
        "on_sale": 0,
        "in_stock": 1,
        "ratings": [
            {"min": 4, "count": 0},
            {"min": 3, "count": 1},
            {"min": 2, "count": 1},
            {"min": 1, "count": 1},
        ],
        "prices": [
            {"min": None, "max": "10.00", "count": 0},
            {"min": "10.00", "max": "25.00", "count": 1},
            {"min": "25.00", "max": "50.00", "count": 1},
            {"min": "50.00", "max": "100.00", "count": 0},
            {"min": "100.00", "max": "250.00", "count": 0},
            {"min": "250.00", "max": None, "count": 0},
        ],
    }


def test_drafts_and_suspended_shops_never_show(world, client, shelf):
    make_product(shop=world.shop_a, title="Secret mug", status="draft")
    make_product(shop=world.shop_a, title="Retired mug", status="archived")
    gamma = make_shop(name="Gamma Things", slug="gamma-api")
    make_product(shop=gamma, title="Gamma mug", price="5.00")
    Shop.objects.filter(pk=gamma.pk).update(status=Shop.Status.SUSPENDED)

    body = client.get("/api/v1/listings", {"q": "mug", "page_size": 100}).json()
    everything = client.get("/api/v1/listings", {"page_size": 100}).json()

    assert [item["title"] for item in body["items"]] == ["Stoneware mug", "Speckled ceramic mug"]
    for result in (body, everything):
        assert {shop["slug"] for shop in result["facets"]["shops"]} == {
            "alpha-goods",
            "beta-store",
        }
        assert result["facets"]["prices"][0]["count"] == 0  # the 5.00 mug is not counted
    assert everything["count"] == 5


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"page_size": 101}, "page_size", "Input should be less than or equal to 100"),
        ({"page_size": 0}, "page_size", "Input should be greater than or equal to 1"),
        ({"page": 0}, "page", "Input should be greater than or equal to 1"),
        (
            {"page": "abc"},
            "page",
            "Input should be a valid integer, unable to parse string as an integer",
        ),
        ({"min_price": "-1"}, "min_price", "Input should be greater than or equal to 0"),
        ({"max_price": "abc"}, "max_price", "Input should be a valid decimal"),
        (
            {"max_price": "9.999"},
            "max_price",
            "Decimal input should have no more than 2 decimal places",
        ),
        ({"rating": 6}, "rating", "Input should be less than or equal to 5"),
        (
            {"sort": "cheapest"},
            "sort",
            "Input should be 'relevance', 'newest', 'price_asc', 'price_desc' or 'rating'",
        ),
        ({"q": "x" * 201}, "q", "String should have at most 200 characters"),
        ({"category": "nope"}, "category", "There is no such category."),
        (
            {"min_price": "20", "max_price": "10"},
            "max_price",
            "The highest price must not be below the lowest.",
        ),
        ({"shop": ["beta-store", "Not A Slug"]}, "shop.1", "That is not a shop address."),
    ],
)
def test_bad_parameters_are_422_in_the_error_shape(world, client, params, field, message):
    response = client.get("/api/v1/listings", params)

    assert response.status_code == 422
    assert response.json() == {
        "detail": [{"field": field, "message": message}],
        "code": "validation_error",
    }


def test_page_size_100_is_allowed(world, client):
    response = client.get("/api/v1/listings", {"page_size": 100})

    assert response.status_code == 200
    assert response.json()["count"] == 2


# One `SET search_path` to public (creating the products switched schemas; django-tenants
# repeats it only when the schema changes), the category tree (cached after), the facet
# statement with the total and one page of listings with their shop and category joined.
LISTINGS_API_QUERIES = 4
# With words: the facet statement also picks the page's ids; then the listings by id.
SEARCH_API_QUERIES = 4


@pytest.mark.parametrize(("params", "pinned"), [({}, LISTINGS_API_QUERIES),
                                                 ({"q": "item"}, SEARCH_API_QUERIES)])  # fmt: skip
def test_listings_query_count_does_not_grow(world, client, django_assert_num_queries,
                                            params, pinned):  # fmt: skip
    make_product(shop=world.shop_a, title="Item zero")
    with cold_cache(), CaptureQueriesContext(connection) as few:
        client.get("/api/v1/listings", params)
    for number in range(30):
        make_product(shop=world.shop_a if number % 2 else world.shop_b, title=f"Item {number}")

    with cold_cache(), django_assert_num_queries(pinned):
        response = client.get("/api/v1/listings", {**params, "page_size": 50})

    assert len(response.json()["items"]) == 31 + (0 if params else 2)
    assert len(few.captured_queries) == pinned


# --- /api/v1/shops/<slug>/products ------------------------------------------------------


def test_shop_products_are_only_that_shops_published_products(world, client):
    make_product(shop=world.shop_b, title="Beta draft", status="draft")
    make_product(shop=world.shop_b, title="Beta retired", status="archived")
    make_product(shop=world.shop_b, title="Alpha lamp", price="99.00", stock=0)
    with tenant_context(world.shop_b):
        products = {product.title: product for product in Product.objects.all()}

    response = client.get("/api/v1/shops/beta-store/products")

    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {
                "id": products["Alpha lamp"].id,
                "title": "Alpha lamp",
                "slug": "alpha-lamp",
                "description": "",
                "price": "99.00",
                "currency": "EUR",
                "in_stock": False,
            },
            {
                "id": products["Beta kettle"].id,
                "title": "Beta kettle",
                "slug": "beta-kettle",
                "description": "",
                "price": "25.00",
                "currency": "EUR",
                "in_stock": True,
            },
        ],
        "count": 2,
        "page": 1,
        "pages": 1,
    }


def test_a_product_is_in_stock_when_any_variant_is_and_costs_its_cheapest(world, client):
    make_product(
        shop=world.shop_a,
        title="Wool socks",
        option_names=["Size"],
        variants=[
            VariantInput(sku="socks-s", options={"Size": "S"}, price=Decimal("12.00"), stock=0),
            VariantInput(sku="socks-m", options={"Size": "M"}, price=Decimal("9.00"), stock=0),
            VariantInput(sku="socks-l", options={"Size": "L"}, price=Decimal("14.00"), stock=2),
        ],
    )
    make_product(
        shop=world.shop_a,
        title="Gift card",
        variants=[VariantInput(sku="gift", price=Decimal("25.00"), stock=0, track_inventory=False)],
    )
    make_product(shop=world.shop_a, title="Sold out tray", price="8.00", stock=0)

    items = client.get("/api/v1/shops/alpha-goods/products").json()["items"]

    assert [(item["title"], item["price"], item["in_stock"]) for item in items] == [
        ("Sold out tray", "8.00", False),
        ("Gift card", "25.00", True),  # untracked stock never runs out
        ("Wool socks", "9.00", True),  # M is cheapest; L is in stock
        ("Alpha lamp", "30.00", True),
    ]


def test_shop_products_query_count_does_not_grow(world, client, django_assert_num_queries):
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/shops/alpha-goods/products")
    for number in range(12):
        make_product(shop=world.shop_a, title=f"Alpha extra {number}", stock=number % 2)

    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get("/api/v1/shops/alpha-goods/products", {"page_size": 50})

    assert len(response.json()["items"]) == 13
    # SET search_path to public, the shop (routing), SET search_path to the shop, COUNT,
    # one page with price and stock annotated: no query per product.
    assert len(few.captured_queries) == 5


def test_each_shops_products_come_from_its_own_schema(world, client):
    alpha = client.get("/api/v1/shops/alpha-goods/products").json()
    beta = client.get("/api/v1/shops/beta-store/products").json()

    assert [(item["title"], item["price"]) for item in alpha["items"]] == [("Alpha lamp", "30.00")]
    assert [(item["title"], item["price"]) for item in beta["items"]] == [("Beta kettle", "25.00")]


def test_a_suspended_shops_products_are_not_listed(world, client):
    gamma = make_shop(name="Gamma Goods", slug="gamma-goods")
    make_product(shop=gamma, title="Gamma vase")
    Shop.objects.filter(pk=gamma.pk).update(status=Shop.Status.SUSPENDED)

    response = client.get("/api/v1/shops/gamma-goods/products")

    assert response.status_code == 200
    assert page_of(response.json()) == {"items": [], "count": 0, "page": 1, "pages": 1}


def test_shop_products_are_paginated(world, client):
    for number in range(3):
        make_product(shop=world.shop_a, title=f"Alpha extra {number}")

    response = client.get("/api/v1/shops/alpha-goods/products", {"page": 2, "page_size": 3})

    assert response.json()["items"][0]["title"] == "Alpha lamp"
    assert {key: value for key, value in response.json().items() if key != "items"} == {
        "count": 4,
        "page": 2,
        "pages": 2,
    }


# --- errors -----------------------------------------------------------------------------

NOT_FOUND = {"detail": "Not found.", "code": "not_found"}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/shops/no-such-shop/products",
        "/api/v1/shops/no-such-shop/",
        "/api/v1/nope",
        "/api/v1/shops/alpha-goods/nope",
        "/api/v1/listings/extra",
    ],
)
def test_unknown_shops_and_paths_are_404_json(world, client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == NOT_FOUND


# --- OpenAPI and docs -------------------------------------------------------------------


def test_openapi_document_lists_the_catalog_paths(world, client):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "Marketplace API"
    # Other packages add their own paths; these two are the catalog's.
    assert {"/api/v1/listings", "/api/v1/shops/{shop_slug}/products"} <= set(document["paths"])
    parameters = [p["name"] for p in document["paths"]["/api/v1/listings"]["get"]["parameters"]]
    assert sorted(parameters) == [
        "category",
        "in_stock",
        "max_price",
        "min_price",
        "on_sale",
        "page",
        "page_size",
        "q",
        "rating",
        "shop",
        "sort",
    ]
    shop_parameters = document["paths"]["/api/v1/shops/{shop_slug}/products"]["get"]["parameters"]
    assert sorted(p["name"] for p in shop_parameters) == ["page", "page_size", "shop_slug"]


def test_docs_page_serves_swagger_from_our_own_static_files(world, client):
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    body = response.content.decode()
    assert '<script src="/static/ninja/swagger-ui-bundle.js"></script>' in body
    assert '"url": "/api/v1/openapi.json"' in body
    assert "cdn" not in body.lower()
    assert "https://" not in body
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200


def test_a_wrong_method_keeps_the_error_shape_and_the_allow_header(world, client):
    response = client.post("/api/v1/listings")

    assert response.status_code == 405
    assert response.json() == {"detail": "Method not allowed.", "code": "method_not_allowed"}
    assert response["Allow"] == "GET"
