"""The public catalog API under /api/v1/: pagination, error shape, per-shop isolation, docs."""

from __future__ import annotations

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from sellers.catalog.models import Product
from sellers.listings.models import Listing
from tests.factories import make_product

pytestmark = pytest.mark.django_db


def listing_json(listing: Listing) -> dict[str, object]:
    return {
        "id": listing.id,
        "shop_slug": listing.shop.slug,
        "shop_name": listing.shop.name,
        "product_id": listing.product_id,
        "title": listing.title,
        "slug": listing.slug,
        "price": str(listing.price),
        "sale_price": None,
        "currency": "EUR",
        "in_stock": listing.in_stock,
        "image_url": "",
        "published_at": DjangoJSONEncoder().default(listing.published_at),
    }


IDS_AND_TIMES = ("id", "product_id", "published_at")


def newest_listings() -> list[Listing]:
    return list(Listing.objects.select_related("shop").order_by("-published_at", "-id"))


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
    assert first.json() == {
        "items": [listing_json(listing) for listing in listings],
        "count": 5,
        "page": 1,
        "pages": 1,
    }
    assert second.json() == {
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
        "price": "120.00",
        "sale_price": None,
        "currency": "EUR",
        "in_stock": False,
        "image_url": "",
    }
    assert last.json() == {
        "items": [listing_json(listings[4])],
        "count": 5,
        "page": 3,
        "pages": 3,
    }
    assert beyond.status_code == 200
    assert beyond.json() == {"items": [], "count": 5, "page": 4, "pages": 3}


def test_listings_search_with_q(world, client):
    response = client.get("/api/v1/listings", {"q": "lamps"})

    assert response.status_code == 200
    body = response.json()
    assert [item["title"] for item in body["items"]] == ["Alpha lamp"]
    assert (body["count"], body["page"], body["pages"]) == (1, 1, 1)


def test_an_empty_list_still_has_one_page(world, client):
    response = client.get("/api/v1/listings", {"q": "unicorn"})

    assert response.json() == {"items": [], "count": 0, "page": 1, "pages": 1}


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
    ],
)
def test_bad_pagination_is_422_in_the_error_shape(world, client, params, field, message):
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
# repeats it only when the schema changes), COUNT for the paginator and one page of
# listings with their shop joined.
LISTINGS_API_QUERIES = 3


def test_listings_query_count_does_not_grow(world, client, django_assert_num_queries):
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/listings")
    for number in range(30):
        make_product(shop=world.shop_a if number % 2 else world.shop_b, title=f"Item {number}")

    with django_assert_num_queries(LISTINGS_API_QUERIES):
        response = client.get("/api/v1/listings", {"page_size": 50})

    assert len(response.json()["items"]) == 32
    assert len(few.captured_queries) == LISTINGS_API_QUERIES


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


def test_each_shops_products_come_from_its_own_schema(world, client):
    alpha = client.get("/api/v1/shops/alpha-goods/products").json()
    beta = client.get("/api/v1/shops/beta-store/products").json()

    assert [(item["title"], item["price"]) for item in alpha["items"]] == [("Alpha lamp", "30.00")]
    assert [(item["title"], item["price"]) for item in beta["items"]] == [("Beta kettle", "25.00")]


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
    assert sorted(parameters) == ["page", "page_size", "q"]
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
