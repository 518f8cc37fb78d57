"""The seller catalog API under /api/v1/shops/<slug>/catalog/: products with variants,
stock, images, and what bad input gets back.

Through Django's test client, so the routing middleware activates the shop's schema as in
production (django-ninja's TestClient skips middleware). Callers use a JWT unless a test
says otherwise.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.test import Client, override_settings
from django.utils.crypto import get_random_string

from marketplace.accounts.models import User
from marketplace.devtools.cloudinary_emulator import CloudinaryEmulator
from marketplace.media.images import MAX_IMAGE_BYTES
from sellers.catalog.models import Product, ProductImage, StockMovement, Variant
from sellers.catalog.services import VariantInput, product_image_add
from sellers.listings.models import Listing
from tenants.models import Shop
from tenants.schemas import shop_schema
from tests.api_auth.helpers import bearer, sign_in
from tests.factories import CategoryFactory, make_product
from tests.media.conftest import cloudinary_storages
from tests.tenants.support import image_bytes, upload

pytestmark = pytest.mark.django_db

API = "/api/v1/shops/alpha-goods/catalog"


# --- helpers (the security tests import them too) -------------------------------------


def api_client(user: User | None) -> Client:
    """A client that calls as an API client does: a bearer token, no cookies."""
    if user is None:
        return Client(HTTP_HOST="localhost")
    return Client(HTTP_HOST="localhost", headers=bearer(sign_in(user)["access"]))


def send(client: Client, method: str, path: str, body: Any = None) -> Any:
    """`body` is JSON unless it is a dict holding an uploaded file (multipart)."""
    if body is None:
        return getattr(client, method)(path)
    if isinstance(body, dict) and any(isinstance(v, SimpleUploadedFile) for v in body.values()):
        return getattr(client, method)(path, body)
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


def iso(value: Any) -> str:
    """A datetime as the API writes it."""
    return DjangoJSONEncoder().default(value)


def catalog_snapshot(shop: Shop) -> tuple[Any, ...]:
    """Everything a catalog write could change in `shop`, for "nothing changed"."""
    with shop_schema(shop):
        return (
            sorted(
                Product.objects.values_list(
                    "id", "title", "slug", "status", "description", "category_id", "updated_at"
                )
            ),
            sorted(
                Variant.objects.values_list(
                    "id",
                    "product_id",
                    "sku",
                    "options",
                    "price",
                    "compare_at_price",
                    "stock",
                    "track_inventory",
                    "low_stock_threshold",
                    "position",
                )
            ),
            sorted(ProductImage.objects.values_list("id", "product_id", "name", "alt", "position")),
            sorted(StockMovement.objects.values_list("id", "variant_id", "delta")),
            sorted(
                Listing.objects.filter(shop=shop).values_list(
                    "product_id", "title", "price", "in_stock", "image_name", "updated_at"
                )
            ),
        )


def add_image(shop: Shop, product: Product, *, alt: str = "", image_format: str = "PNG") -> Any:
    return product_image_add(
        shop=shop,
        actor=None,
        product_id=product.id,
        upload=upload(image_bytes(image_format)),
        alt=alt,
    )


def variant_of(shop: Shop, product: Product) -> Variant:
    with shop_schema(shop):
        return Variant.objects.get(product_id=product.id)


def variant_json(variant: Variant, **changes: Any) -> dict[str, Any]:
    body = {
        "id": variant.id,
        "product_id": variant.product_id,
        "sku": variant.sku,
        "options": variant.options,
        "price": str(variant.price),
        "compare_at_price": None
        if variant.compare_at_price is None
        else str(variant.compare_at_price),
        "stock": variant.stock,
        "track_inventory": variant.track_inventory,
        "low_stock_threshold": variant.low_stock_threshold,
        "in_stock": variant.in_stock,
        "is_low_stock": variant.is_low_stock,
        "position": variant.position,
    }
    return {**body, **changes}


def counts(shop: Shop) -> tuple[int, int, int, int, int]:
    with shop_schema(shop):
        return (
            Product.objects.count(),
            Variant.objects.count(),
            StockMovement.objects.count(),
            ProductImage.objects.count(),
            Listing.objects.filter(shop=shop).count(),
        )


MUG = {
    "title": "Stoneware mug",
    "description": "Hand-thrown **stoneware**.",
    "status": "draft",
    "category": "kitchen",
    "attributes": [{"name": "Material", "value": "Stoneware"}],
    "option_names": ["Size"],
    "variants": [
        {"sku": "MUG-S", "options": {"Size": "S"}, "price": "12.50", "stock": 4},
        {
            "sku": "MUG-L",
            "options": {"Size": "L"},
            "price": 16,
            "compare_at_price": "20.00",
            "stock": 0,
            "low_stock_threshold": 2,
        },
    ],
}


@pytest.fixture
def kitchen():  # type: ignore[no-untyped-def]
    return CategoryFactory(name="Kitchen", slug="kitchen")


@pytest.fixture
def owner(world) -> Client:  # type: ignore[no-untyped-def]
    return api_client(world.owner_a)


# --- products: create, read, list ------------------------------------------------------


def test_creating_a_product_answers_it_whole_and_records_the_initial_stock(world, owner, kitchen):
    response = send(owner, "post", API + "/products", MUG)

    assert response.status_code == 201
    with shop_schema(world.shop_a):
        product = Product.objects.get(slug="stoneware-mug")
        small, large = Variant.objects.filter(product=product).order_by("position")
        movements = list(StockMovement.objects.filter(variant__product=product).values_list(
            "sku", "delta", "stock_after", "reason", "actor_email"
        ))  # fmt: skip
    assert response.json() == {
        "id": product.id,
        "title": "Stoneware mug",
        "slug": "stoneware-mug",
        "status": "draft",
        "category": "kitchen",
        "description": "Hand-thrown **stoneware**.",
        "description_html": "<p>Hand-thrown <strong>stoneware</strong>.</p>",
        "attributes": [{"name": "Material", "value": "Stoneware"}],
        "option_names": ["Size"],
        "variants": [
            {
                "id": small.id,
                "product_id": product.id,
                "sku": "MUG-S",
                "options": {"Size": "S"},
                "price": "12.50",
                "compare_at_price": None,
                "stock": 4,
                "track_inventory": True,
                "low_stock_threshold": 5,
                "in_stock": True,
                "is_low_stock": True,
                "position": 0,
            },
            {
                "id": large.id,
                "product_id": product.id,
                "sku": "MUG-L",
                "options": {"Size": "L"},
                "price": "16.00",
                "compare_at_price": "20.00",
                "stock": 0,
                "track_inventory": True,
                "low_stock_threshold": 2,
                "in_stock": False,
                "is_low_stock": True,
                "position": 1,
            },
        ],
        "images": [],
        "published_at": None,
        "created_at": iso(product.created_at),
        "updated_at": iso(product.updated_at),
    }
    assert movements == [("MUG-S", 4, 4, "initial", "owner-a@example.test")]
    # A draft is not listed.
    assert not Listing.objects.filter(shop=world.shop_a, product_id=product.id).exists()


def test_a_published_product_is_listed_at_once(world, owner):
    response = send(
        owner, "post", API + "/products", {**MUG, "category": None, "status": "published"}
    )

    body = response.json()
    assert response.status_code == 201
    assert body["published_at"] is not None
    listing = Listing.objects.get(shop=world.shop_a, product_id=body["id"])
    assert (listing.title, listing.price, listing.compare_at_price, listing.in_stock) == (
        "Stoneware mug",
        Decimal("12.50"),
        None,
        True,
    )


def test_reading_one_product_includes_drafts_and_images(world, owner, media_root):
    with shop_schema(world.shop_a):
        chair = Product.objects.get(slug="alpha-draft-chair")
    image = add_image(world.shop_a, chair, alt="The chair from the front")
    variant = variant_of(world.shop_a, chair)

    response = owner.get(f"{API}/products/{chair.id}")

    assert response.status_code == 200
    body = response.json()
    stem = image.name.rsplit(".", 1)[0]
    assert (body["title"], body["status"], body["variants"]) == (
        "Alpha draft chair",
        "draft",
        [variant_json(variant)],
    )
    assert body["images"] == [
        {
            "id": image.id,
            "alt": "The chair from the front",
            "width": 64,
            "height": 48,
            "position": 0,
            "urls": {
                size: f"http://localhost/media/{stem}_{size}.png"
                for size in ("thumb", "card", "gallery")
            },
        }
    ]


def test_an_unknown_product_is_404(owner):
    response = owner.get(f"{API}/products/987654")

    assert response.status_code == 404
    assert response.json() == {"detail": "No such product in this shop.", "code": "not_found"}


@pytest.fixture
def catalog(world, kitchen):  # type: ignore[no-untyped-def]
    """Products to filter, besides the session's lamp (published) and chair (draft)."""
    shop = world.shop_a
    return {
        "teapot": make_product(shop=shop, title="Blue teapot", price="40.00", stock=2,
                               category=kitchen),
        "vase": make_product(shop=shop, title="Old vase", status="archived", stock=50),
        "cups": make_product(
            shop=shop,
            title="Cup set",
            category=CategoryFactory(name="Teaware", slug="teaware", parent=kitchen),
            option_names=["Colour"],
            variants=[
                VariantInput(sku="CUP-RED", price="9.00", stock=30, options={"Colour": "Red"}),
                VariantInput(sku="CUP-TEAL", price="9.00", stock=1, options={"Colour": "Teal"},
                             track_inventory=False),
            ],
        ),
    }  # fmt: skip


def titles(response: Any) -> list[str]:
    assert response.status_code == 200, response.json()
    return [item["title"] for item in response.json()["items"]]


def test_the_list_has_every_product_newest_first(catalog, owner):
    assert titles(owner.get(API + "/products")) == [
        "Cup set",
        "Old vase",
        "Blue teapot",
        "Alpha draft chair",
        "Alpha lamp",
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "draft"}, ["Alpha draft chair"]),
        ({"status": "archived"}, ["Old vase"]),
        ({"status": "published"}, ["Cup set", "Blue teapot", "Alpha lamp"]),
        ({"q": "TEAPOT"}, ["Blue teapot"]),
        ({"q": "cup-te"}, ["Cup set"]),  # part of a SKU
        ({"q": "nothing like it"}, []),
        # The teapot has 2 ≤ 5; the cups' low variant doesn't track stock; the lamp has 5.
        ({"low_stock": "true"}, ["Blue teapot", "Alpha draft chair", "Alpha lamp"]),
        ({"category": "kitchen"}, ["Cup set", "Blue teapot"]),  # with its sub-categories
        ({"category": "teaware"}, ["Cup set"]),
        ({"category": "no-such-category"}, []),
        (
            {"sort": "title"},
            ["Alpha draft chair", "Alpha lamp", "Blue teapot", "Cup set", "Old vase"],
        ),
        # Cheapest variant first; equal prices newest first.
        (
            {"sort": "price"},
            ["Cup set", "Old vase", "Alpha draft chair", "Alpha lamp", "Blue teapot"],
        ),
        ({"status": "published", "low_stock": "true", "q": "alpha"}, ["Alpha lamp"]),
    ],
)
def test_the_list_filters(catalog, owner, query, expected):
    assert titles(owner.get(API + "/products", query)) == expected


@pytest.mark.parametrize(
    ("query", "field"), [({"status": "deleted"}, "status"), ({"sort": "random"}, "sort")]
)
def test_a_bad_filter_is_422(owner, query, field):
    response = owner.get(API + "/products", query)

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["detail"]] == [field]


def test_the_list_is_paginated_in_a_fixed_number_of_queries(
    world, catalog, owner, media_root, django_assert_num_queries
):
    for product in catalog.values():
        add_image(world.shop_a, product)
    # Two search_path switches (public, then the shop's), the shop, the token with its
    # user, the membership, the count, products with categories, variants, images.
    with django_assert_num_queries(9):
        response = owner.get(API + "/products", {"page_size": 2, "page": 2})

    body = response.json()
    assert (body["count"], body["page"], body["pages"]) == (5, 2, 3)
    assert [item["title"] for item in body["items"]] == ["Blue teapot", "Alpha draft chair"]
    assert len(body["items"][0]["images"]) == 1


# --- products: replace, delete, status --------------------------------------------------


@pytest.fixture
def mug(world, owner, kitchen) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = send(owner, "post", API + "/products", MUG)
    assert response.status_code == 201
    return response.json()


def test_put_updates_kept_variants_adds_new_ones_and_deletes_the_rest(world, owner, mug):
    small, large = mug["variants"]
    body = {
        "title": "Stoneware mug, glazed",
        "description": "Now *glazed*.",
        "status": "published",
        "option_names": ["Size"],
        "variants": [
            # Kept: new price; stock from 4 to 9, and the client saw 4.
            {**{k: small[k] for k in ("id", "sku", "options")}, "price": "13.00", "stock": 9,
             "stock_was": 4},
            {"sku": "MUG-XL", "options": {"Size": "XL"}, "price": "19.00", "stock": 2},
        ],
    }  # fmt: skip

    response = send(owner, "put", f"{API}/products/{mug['id']}", body)

    assert response.status_code == 200
    with shop_schema(world.shop_a):
        product = Product.objects.get(id=mug["id"])
        kept, added = Variant.objects.filter(product=product).order_by("position")
        movements = list(
            StockMovement.objects.filter(sku__startswith="MUG")
            .order_by("id")
            .values_list("sku", "delta", "stock_after", "reason", "variant_id")
        )
    answer = response.json()
    assert answer == {
        **mug,
        "title": "Stoneware mug, glazed",
        "description": "Now *glazed*.",
        "description_html": "<p>Now <em>glazed</em>.</p>",
        "status": "published",
        "category": None,
        "attributes": [],
        "variants": [
            variant_json(kept, price="13.00", stock=9, is_low_stock=False),
            variant_json(added),
        ],
        "published_at": iso(product.published_at),
        "updated_at": iso(product.updated_at),
    }
    assert kept.id == small["id"]
    assert (added.sku, added.price, added.stock, added.position) == (
        "MUG-XL",
        Decimal("19.00"),
        2,
        1,
    )
    assert movements == [
        ("MUG-S", 4, 4, "initial", small["id"]),
        ("MUG-S", 5, 9, "edit", small["id"]),
        ("MUG-XL", 2, 2, "initial", added.id),
    ]
    with shop_schema(world.shop_a):
        assert not Variant.objects.filter(id=large["id"]).exists()
    assert Listing.objects.get(shop=world.shop_a, product_id=mug["id"]).price == Decimal("13.00")


def test_put_refuses_a_stock_that_changed_since_the_client_read_it(world, owner, mug):
    small = mug["variants"][0]
    # Someone sells one meanwhile.
    send(owner, "post", f"{API}/variants/{small['id']}/stock",
         {"delta": -1, "reason": "correction"})  # fmt: skip
    before = catalog_snapshot(world.shop_a)
    body = {
        "title": "Stoneware mug",
        "option_names": ["Size"],
        "variants": [{**{k: small[k] for k in ("id", "sku", "options", "price")},
                      "stock": 10, "stock_was": 4}],
    }  # fmt: skip

    response = send(owner, "put", f"{API}/products/{mug['id']}", body)

    assert response.status_code == 400
    assert response.json() == {
        "detail": [
            {
                "field": "variants.0.stock",
                "message": "Stock of MUG-S changed from 4 to 3 since you opened this page (an "
                "order or a colleague). Check it and save again.",
            }
        ],
        "code": "invalid",
    }
    assert catalog_snapshot(world.shop_a) == before


def test_put_on_an_unknown_product_is_404(world, owner):
    response = send(owner, "put", f"{API}/products/987654", {"title": "X", "variants": []})

    assert response.status_code == 404
    assert response.json() == {"detail": "No such product in this shop.", "code": "not_found"}


def test_delete_removes_the_product_its_listing_and_images_but_keeps_stock_history(
    world, owner, media_root, django_capture_on_commit_callbacks
):
    product = make_product(shop=world.shop_a, title="Doomed lamp", stock=3)
    image = add_image(world.shop_a, product)

    with django_capture_on_commit_callbacks(execute=True):
        response = owner.delete(f"{API}/products/{product.id}")
    again = owner.delete(f"{API}/products/{product.id}")

    assert response.status_code == 204
    assert response.content == b""
    assert again.status_code == 404
    with shop_schema(world.shop_a):
        assert not Product.objects.filter(id=product.id).exists()
        assert list(StockMovement.objects.filter(sku="doomed-lamp").values_list(
            "delta", "variant_id"
        )) == [(3, None)]  # fmt: skip
    assert not Listing.objects.filter(shop=world.shop_a, product_id=product.id).exists()
    assert not (media_root / image.name).exists()


def listed_product_ids(client: Client) -> list[int]:
    response = client.get("/api/v1/listings", {"page_size": 100})
    assert response.status_code == 200, response.content
    return [item["product_id"] for item in response.json()["items"] if item["shop_slug"] ==
            "alpha-goods"]  # fmt: skip


def test_publishing_and_unpublishing_in_bulk_moves_listings(world, owner, client):
    with shop_schema(world.shop_a):
        chair = Product.objects.get(slug="alpha-draft-chair")
        lamp = Product.objects.get(slug="alpha-lamp")
    assert chair.id not in listed_product_ids(client)

    published = send(owner, "post", API + "/products/bulk-status",
                     {"product_ids": [chair.id, lamp.id], "status": "published"})  # fmt: skip
    listed_after_publishing = listed_product_ids(client)
    unpublished = send(owner, "post", API + "/products/bulk-status",
                       {"product_ids": [chair.id, lamp.id], "status": "draft"})  # fmt: skip

    assert (published.status_code, published.json()) == (200, {"changed": 1})  # lamp already was
    assert {chair.id, lamp.id} <= set(listed_after_publishing)
    assert (unpublished.status_code, unpublished.json()) == (200, {"changed": 2})
    assert not {chair.id, lamp.id} & set(listed_product_ids(client))
    with shop_schema(world.shop_a):
        assert set(Product.objects.filter(id__in=[chair.id, lamp.id]).values_list(
            "status", flat=True)) == {"draft"}  # fmt: skip


def test_bulk_status_with_an_unknown_id_changes_nothing(world, owner):
    with shop_schema(world.shop_a):
        chair = Product.objects.get(slug="alpha-draft-chair")
    before = catalog_snapshot(world.shop_a)

    response = send(owner, "post", API + "/products/bulk-status",
                    {"product_ids": [chair.id, 987654], "status": "published"})  # fmt: skip

    assert response.status_code == 404
    assert response.json() == {
        "detail": [{"field": "product_ids", "message": "No such product in this shop: 987654."}],
        "code": "not_found",
    }
    assert catalog_snapshot(world.shop_a) == before


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        ({"product_ids": [1], "status": "sold"}, 400,
         [{"field": "status", "message": "Choose draft, published or archived."}]),
        ({"product_ids": [], "status": "draft"}, 422,
         [{"field": "product_ids", "message": "List should have at least 1 item after "
                                              "validation, not 0"}]),
        ({"product_ids": list(range(1, 102)), "status": "draft"}, 422,
         [{"field": "product_ids", "message": "List should have at most 100 items after "
                                              "validation, not 101"}]),
    ],
)  # fmt: skip
def test_bulk_status_refuses_bad_input(world, owner, body, status, expected):
    before = catalog_snapshot(world.shop_a)
    with shop_schema(world.shop_a):
        body = {**body, "product_ids": [
            Product.objects.get(slug="alpha-lamp").id if i == 1 else i
            for i in body["product_ids"]]}  # fmt: skip

    response = send(owner, "post", API + "/products/bulk-status", body)

    assert response.status_code == status
    assert response.json()["detail"] == expected
    assert catalog_snapshot(world.shop_a) == before


# --- bad input: a clear message at the field, nothing saved -------------------------------


def with_variant(**changes: Any) -> dict[str, Any]:
    variant = {"sku": "NEW-1", "price": "10.00", "stock": 1, **changes}
    return {"title": "New thing", "variants": [variant]}


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (with_variant(price="-1.00"), "variants.0.price",
         "Enter an amount between 0 and 999,999.99."),
        (with_variant(price="1000000"), "variants.0.price",
         "Enter an amount between 0 and 999,999.99."),
        (with_variant(price="9.999"), "variants.0.price", "Use at most two decimal places."),
        (with_variant(stock=10**9), "variants.0.stock", "Stock must be between 0 and 1,000,000."),
        (with_variant(stock=-3), "variants.0.stock", "Stock must be between 0 and 1,000,000."),
        (with_variant(low_stock_threshold=-1), "variants.0.low_stock_threshold",
         "The low-stock threshold must be between 0 and 1,000,000."),
        (with_variant(compare_at_price="10.00"), "variants.0.compare_at_price",
         "The compare-at price is the old price: make it higher than the price, or leave it "
         "empty."),
        (with_variant(compare_at_price="9.00"), "variants.0.compare_at_price",
         "The compare-at price is the old price: make it higher than the price, or leave it "
         "empty."),
        (with_variant(sku="alpha-lamp"), "variants.0.sku",
         "SKU alpha-lamp is already used by “Alpha lamp”."),
        (with_variant(sku="has space"), "variants.0.sku",
         "A SKU has 1–64 letters, digits, dots, dashes, slashes or underscores."),
        ({**with_variant(), "description": "Nice <script>alert(1)</script>"}, "description",
         "The description can't contain <script> HTML. Write it in Markdown: **bold**, "
         "*italic*, lists and [links](https://example.com)."),
        ({**with_variant(), "title": "  "}, "title",
         "Give the product a title of 1–200 characters."),
        ({**with_variant(), "status": "sold"}, "status", "Choose draft, published or archived."),
        ({**with_variant(), "category": "no-such-category"}, "category",
         "Choose a category from the list."),
        ({"title": "New thing", "variants": []}, "variants",
         "A product needs at least one variant (its price and stock)."),
    ],
)  # fmt: skip
def test_bad_input_gets_a_message_at_the_field_and_saves_nothing(world, owner, body, field,
                                                                 message):  # fmt: skip
    before = catalog_snapshot(world.shop_a)

    response = send(owner, "post", API + "/products", body)

    assert response.status_code == 400
    assert response.json() == {"detail": [{"field": field, "message": message}], "code": "invalid"}
    assert catalog_snapshot(world.shop_a) == before


def test_every_problem_is_reported_at_once(world, owner):
    body = {
        "title": "Pair",
        "description": "<iframe src=x>",
        "option_names": ["Size"],
        "variants": [
            {"sku": "PAIR", "options": {"Size": "S"}, "price": "-5", "stock": 10**9},
            {"sku": "PAIR", "options": {"Size": "M"}, "price": "5", "compare_at_price": "4"},
        ],
    }
    before = counts(world.shop_a)

    response = send(owner, "post", API + "/products", body)

    assert response.status_code == 400
    assert response.json() == {
        "detail": [
            {
                "field": "description",
                "message": "The description can't contain <iframe> HTML. Write it in Markdown: "
                "**bold**, *italic*, lists and [links](https://example.com).",
            },
            {
                "field": "variants.0.price",
                "message": "Enter an amount between 0 and 999,999.99.",
            },
            {"field": "variants.0.stock", "message": "Stock must be between 0 and 1,000,000."},
            {
                "field": "variants.1.compare_at_price",
                "message": "The compare-at price is the old price: make it higher than the "
                "price, or leave it empty.",
            },
            {"field": "variants.1.sku", "message": "Two variants can't share a SKU."},
        ],
        "code": "invalid",
    }
    assert counts(world.shop_a) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**with_variant(), "shop": "beta-store"}, "shop"),
        ({**with_variant(), "description_html": "<script>x</script>"}, "description_html"),
        ({**with_variant(), "published_at": "2020-01-01T00:00:00Z"}, "published_at"),
        (with_variant(product_id=1), "variants.0.product_id"),
        ({"title": "No variants key"}, "variants"),
        (with_variant(price="ten"), "variants.0.price"),
        (with_variant(price="NaN"), "variants.0.price"),
        (with_variant(stock="lots"), "variants.0.stock"),
    ],
)
def test_unknown_or_malformed_fields_are_422(world, owner, body, field):
    before = counts(world.shop_a)

    response = send(owner, "post", API + "/products", body)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert [error["field"] for error in response.json()["detail"]] == [field]
    assert counts(world.shop_a) == before


def test_a_sku_another_product_uses_is_refused_on_put_too(world, owner, mug):
    small = mug["variants"][0]
    before = catalog_snapshot(world.shop_a)
    body = {
        "title": "Stoneware mug",
        "option_names": ["Size"],
        "variants": [{**{k: small[k] for k in ("id", "options", "price")}, "sku": "alpha-lamp"}],
    }

    response = send(owner, "put", f"{API}/products/{mug['id']}", body)

    assert response.status_code == 400
    assert response.json()["detail"] == [
        {"field": "variants.0.sku", "message": "SKU alpha-lamp is already used by “Alpha lamp”."}
    ]
    assert catalog_snapshot(world.shop_a) == before


# --- variants ----------------------------------------------------------------------------


def test_a_products_variants_are_listed_in_order(world, owner, mug):
    response = owner.get(f"{API}/products/{mug['id']}/variants")

    assert response.status_code == 200
    assert response.json() == {"items": mug["variants"], "count": 2, "page": 1, "pages": 1}


def test_one_variant_is_read_by_id(owner, mug):
    response = owner.get(f"{API}/variants/{mug['variants'][1]['id']}")

    assert (response.status_code, response.json()) == (200, mug["variants"][1])


def test_patching_a_variant_changes_only_what_was_sent_and_the_listing(world, owner, mug):
    send(owner, "post", API + "/products/bulk-status",
         {"product_ids": [mug["id"]], "status": "published"})  # fmt: skip
    small = mug["variants"][0]

    response = send(owner, "patch", f"{API}/variants/{small['id']}",
                    {"price": "11.00", "compare_at_price": "15.00"})  # fmt: skip

    assert response.status_code == 200
    assert response.json() == {**small, "price": "11.00", "compare_at_price": "15.00"}
    listing = Listing.objects.get(shop=world.shop_a, product_id=mug["id"])
    assert (listing.price, listing.compare_at_price, listing.on_sale) == (
        Decimal("11.00"),
        Decimal("15.00"),
        True,
    )


def test_a_null_compare_at_price_ends_the_sale(owner, mug):
    large = mug["variants"][1]

    response = send(owner, "patch", f"{API}/variants/{large['id']}", {"compare_at_price": None})

    assert response.json() == {**large, "compare_at_price": None}


def test_switching_tracking_off_and_on_is_recorded(world, owner, mug):
    small = mug["variants"][0]

    off = send(owner, "patch", f"{API}/variants/{small['id']}", {"track_inventory": False})
    on = send(owner, "patch", f"{API}/variants/{small['id']}",
              {"track_inventory": True, "low_stock_threshold": 1})  # fmt: skip

    assert off.json() == {**small, "track_inventory": False, "is_low_stock": False}
    assert on.json() == {**small, "low_stock_threshold": 1, "is_low_stock": False}
    with shop_schema(world.shop_a):
        assert list(
            StockMovement.objects.filter(variant_id=small["id"])
            .order_by("id")
            .values_list("delta", "stock_after", "reason", "actor_email")
        ) == [
            (4, 4, "initial", "owner-a@example.test"),
            (-4, 0, "edit", "owner-a@example.test"),
            (4, 4, "edit", "owner-a@example.test"),
        ]


@pytest.mark.parametrize(
    ("variant", "body", "expected"),
    [
        (0, {"price": "-2"}, [("price", "Enter an amount between 0 and 999,999.99.")]),
        (0, {"price": None}, [("price", "Enter a price.")]),
        (0, {"price": "20.00", "compare_at_price": "20.00"},
         [("compare_at_price", "The compare-at price is the old price: make it higher than the "
                               "price, or leave it empty.")]),
        # The large mug is on sale at 16.00, was 20.00.
        (1, {"price": "25.00"},
         [("price", "The price must stay below the compare-at price (20.00); clear the "
                    "compare-at price to end the sale.")]),
        (0, {"low_stock_threshold": 10**9, "compare_at_price": "1.234"},
         [("compare_at_price", "Use at most two decimal places."),
          ("low_stock_threshold", "The low-stock threshold must be between 0 and 1,000,000.")]),
    ],
)  # fmt: skip
def test_patching_a_variant_with_bad_values_changes_nothing(world, owner, mug, variant, body,
                                                            expected):  # fmt: skip
    before = catalog_snapshot(world.shop_a)

    response = send(owner, "patch", f"{API}/variants/{mug['variants'][variant]['id']}", body)

    assert response.status_code == 400
    assert [(e["field"], e["message"]) for e in response.json()["detail"]] == expected
    assert catalog_snapshot(world.shop_a) == before


@pytest.mark.parametrize("body", [{"stock": 5}, {"sku": "X"}, {"track_inventory": None}])
def test_a_variant_patch_takes_no_stock_sku_or_nulls_it_cannot_hold(world, owner, mug, body):
    before = catalog_snapshot(world.shop_a)

    response = send(owner, "patch", f"{API}/variants/{mug['variants'][0]['id']}", body)

    assert response.status_code == 422
    assert catalog_snapshot(world.shop_a) == before


# --- stock -------------------------------------------------------------------------------


def test_stock_is_adjusted_by_a_delta_or_set_and_every_change_is_listed(world, owner, mug):
    small = mug["variants"][0]
    path = f"{API}/variants/{small['id']}/stock"

    received = send(owner, "post", path, {"delta": 6, "reason": "restock", "note": "Pallet 7"})
    counted = send(owner, "post", path, {"set_to": 8, "reason": "correction"})
    movements = owner.get(path + "/movements", {"page_size": 2})

    assert received.json() == {**small, "stock": 10, "is_low_stock": False}
    assert counted.json() == {**small, "stock": 8, "is_low_stock": False}
    with shop_schema(world.shop_a):
        rows = list(StockMovement.objects.filter(variant_id=small["id"]).order_by("-id"))
    assert movements.json() == {
        "items": [
            {
                "id": rows[0].id,
                "sku": "MUG-S",
                "delta": -2,
                "stock_after": 8,
                "reason": "correction",
                "note": "",
                "actor_email": "owner-a@example.test",
                "created_at": iso(rows[0].created_at),
            },
            {
                "id": rows[1].id,
                "sku": "MUG-S",
                "delta": 6,
                "stock_after": 10,
                "reason": "restock",
                "note": "Pallet 7",
                "actor_email": "owner-a@example.test",
                "created_at": iso(rows[1].created_at),
            },
        ],
        "count": 3,
        "page": 1,
        "pages": 2,
    }


def test_stock_coming_back_lists_a_sold_out_product_as_in_stock(world, owner, mug):
    large = mug["variants"][1]  # 0 in stock; the small one has 4
    send(owner, "post", f"{API}/variants/{mug['variants'][0]['id']}/stock",
         {"set_to": 0, "reason": "damaged"})  # fmt: skip
    send(owner, "post", API + "/products/bulk-status",
         {"product_ids": [mug["id"]], "status": "published"})  # fmt: skip
    assert not Listing.objects.get(shop=world.shop_a, product_id=mug["id"]).in_stock

    send(owner, "post", f"{API}/variants/{large['id']}/stock", {"delta": 3, "reason": "restock"})

    assert Listing.objects.get(shop=world.shop_a, product_id=mug["id"]).in_stock


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        ({"delta": -5, "reason": "damaged"}, 400,
         [{"field": "delta", "message": "MUG-S has 4 in stock; it can't go below zero."}]),
        ({"set_to": -1, "reason": "correction"}, 400,
         [{"field": "set_to", "message": "MUG-S has 4 in stock; it can't go below zero."}]),
        ({"delta": 10**9, "reason": "restock"}, 400,
         [{"field": "delta", "message": "Stock can be at most 1,000,000."}]),
        ({"set_to": 10**9, "reason": "restock"}, 400,
         [{"field": "set_to", "message": "Stock can be at most 1,000,000."}]),
        ({"delta": 1, "set_to": 5, "reason": "restock"}, 400,
         [{"field": "delta", "message": "Give either a change or a new stock level."}]),
        ({"reason": "restock"}, 400,
         [{"field": "delta", "message": "Give either a change or a new stock level."}]),
        ({"delta": 1, "reason": "restock", "note": "x" * 201}, 400,
         [{"field": "note", "message": "Keep the note under 200 characters."}]),
        # Sales, imports and the product form record their own reasons.
        ({"delta": 1, "reason": "sale"}, 422,
         [{"field": "reason",
           "message": "Input should be 'restock', 'correction', 'damaged' or 'return'"}]),
        ({"delta": 1}, 422, [{"field": "reason", "message": "Field required"}]),
        ({"delta": 1, "reason": "restock", "actor_email": "x@example.test"}, 422,
         [{"field": "actor_email", "message": "Extra inputs are not permitted"}]),
    ],
)  # fmt: skip
def test_bad_stock_changes_are_refused_and_change_nothing(world, owner, mug, body, status,
                                                          expected):  # fmt: skip
    before = catalog_snapshot(world.shop_a)

    response = send(owner, "post", f"{API}/variants/{mug['variants'][0]['id']}/stock", body)

    assert response.status_code == status
    assert response.json()["detail"] == expected
    assert catalog_snapshot(world.shop_a) == before


def test_an_untracked_variants_stock_is_not_adjusted(world, owner, mug):
    small = mug["variants"][0]
    send(owner, "patch", f"{API}/variants/{small['id']}", {"track_inventory": False})
    before = catalog_snapshot(world.shop_a)

    response = send(owner, "post", f"{API}/variants/{small['id']}/stock",
                    {"delta": 1, "reason": "restock"})  # fmt: skip

    assert response.status_code == 409
    assert response.json() == {
        "detail": [
            {
                "field": "delta",
                "message": "MUG-S doesn't track inventory. Turn tracking on in the product form "
                "first.",
            }
        ],
        "code": "not_tracked",
    }
    assert catalog_snapshot(world.shop_a) == before


def test_movements_of_an_unknown_variant_are_404(owner):
    response = owner.get(f"{API}/variants/987654/stock/movements")

    assert (response.status_code, response.json()["code"]) == (404, "not_found")


# --- images ------------------------------------------------------------------------------


def test_images_are_uploaded_described_reordered_and_deleted(
    world, owner, mug, media_root, django_capture_on_commit_callbacks
):
    send(owner, "post", API + "/products/bulk-status",
         {"product_ids": [mug["id"]], "status": "published"})  # fmt: skip
    path = f"{API}/products/{mug['id']}/images"

    first = owner.post(path, {"image": upload(image_bytes("PNG"), "front.png"), "alt": "Front"})
    second = owner.post(path, {"image": upload(image_bytes("JPEG"), "side.jpg", "image/jpeg")})
    first_id, second_id = first.json()["id"], second.json()["id"]
    described = send(owner, "patch", f"{path}/{second_id}", {"alt": "  Side view  "})
    reordered = send(owner, "put", path + "/order", {"image_ids": [second_id, first_id]})
    listing_after_reorder = Listing.objects.get(shop=world.shop_a, product_id=mug["id"])
    with django_capture_on_commit_callbacks(execute=True):
        deleted = owner.delete(f"{path}/{second_id}")

    with shop_schema(world.shop_a):
        first_name = ProductImage.objects.get(id=first_id).name
    second_name = listing_after_reorder.image_name
    assert first.status_code == 201
    assert first.json() == {
        "id": first_id,
        "alt": "Front",
        "width": 64,
        "height": 48,
        "position": 0,
        "urls": {
            size: "http://localhost/media/" + first_name.replace(".png", f"_{size}.png")
            for size in ("thumb", "card", "gallery")
        },
    }
    assert (second.status_code, second.json()["position"], second.json()["alt"]) == (201, 1, "")
    assert second_name.endswith(".jpg")
    assert (described.status_code, described.json()["alt"]) == (200, "Side view")
    assert reordered.status_code == 200
    assert [(image["id"], image["position"]) for image in reordered.json()] == [
        (second_id, 0),
        (first_id, 1),
    ]
    assert listing_after_reorder.image_alt == "Side view"
    assert deleted.status_code == 204
    assert not (media_root / second_name).exists()
    assert (media_root / first_name).exists()
    assert [image["id"] for image in owner.get(f"{API}/products/{mug['id']}").json()["images"]] == [
        first_id
    ]
    assert Listing.objects.get(shop=world.shop_a, product_id=mug["id"]).image_name == first_name


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        (b"GIF89a not really", "image_type", "That file is not a JPEG, PNG or WebP image."),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image_type",
         "That file is not a JPEG, PNG or WebP image."),
        (image_bytes("PNG") + b"\0" * MAX_IMAGE_BYTES, "image_too_large",
         "Images must be 10 MB or smaller."),
    ],
)  # fmt: skip
def test_a_non_image_or_oversized_upload_is_refused_and_stores_nothing(
    world, owner, mug, media_root, content, code, message
):
    before = catalog_snapshot(world.shop_a)

    response = owner.post(f"{API}/products/{mug['id']}/images", {"image": upload(content)})

    assert response.status_code == 400
    assert response.json() == {"detail": [{"field": "image", "message": message}], "code": code}
    assert catalog_snapshot(world.shop_a) == before
    assert [path for path in media_root.rglob("*") if path.is_file()] == []


def test_an_upload_without_a_file_is_422(world, owner, mug, media_root):
    response = owner.post(f"{API}/products/{mug['id']}/images", {"alt": "Nothing"})

    assert response.status_code == 422
    assert response.json()["detail"] == [{"field": "image", "message": "Field required"}]


def test_an_image_is_addressed_through_its_own_product_only(world, owner, mug, media_root):
    with shop_schema(world.shop_a):
        lamp = Product.objects.get(slug="alpha-lamp")
    image = add_image(world.shop_a, lamp, alt="Lamp")
    before = catalog_snapshot(world.shop_a)

    patched = send(owner, "patch", f"{API}/products/{mug['id']}/images/{image.id}", {"alt": "x"})
    deleted = owner.delete(f"{API}/products/{mug['id']}/images/{image.id}")
    reordered = send(owner, "put", f"{API}/products/{mug['id']}/images/order",
                     {"image_ids": [image.id]})  # fmt: skip

    assert (patched.status_code, patched.json()["detail"]) == (404, "No such image in this shop.")
    assert (deleted.status_code, deleted.json()["detail"]) == (404, "No such image in this shop.")
    assert (reordered.status_code, reordered.json()["code"]) == (409, "stale_order")
    assert catalog_snapshot(world.shop_a) == before


def test_a_long_alt_text_is_refused(world, owner, mug, media_root):
    response = owner.post(f"{API}/products/{mug['id']}/images",
                          {"image": upload(image_bytes()), "alt": "x" * 251})  # fmt: skip

    assert response.status_code == 400
    [error] = response.json()["detail"]
    assert (error["field"], "250" in error["message"]) == ("alt", True)
    assert counts(world.shop_a)[3] == 0


def test_image_urls_are_cloudinary_transformations_when_cloudinary_stores_them(world, owner, mug):
    with (
        CloudinaryEmulator(cloud_name="demo-cloud") as emulator,
        override_settings(STORAGES=cloudinary_storages(emulator)),
    ):
        response = owner.post(
            f"{API}/products/{mug['id']}/images", {"image": upload(image_bytes())}
        )
        stored = list(emulator.uploaded())

    assert response.status_code == 201, response.json()
    with shop_schema(world.shop_a):
        name = ProductImage.objects.get(id=response.json()["id"]).name
    assert stored == [name.removesuffix(".png")]
    base = f"{emulator.url}/demo-cloud/image/upload"
    assert response.json()["urls"] == {
        "thumb": f"{base}/c_fill,f_auto,h_96,q_auto,w_96/v1/{name}",
        "card": f"{base}/c_fill,f_auto,h_400,q_auto,w_400/v1/{name}",
        "gallery": f"{base}/c_limit,f_auto,h_1200,q_auto,w_1200/v1/{name}",
    }


# --- the session cookie path -----------------------------------------------------------------


def test_the_sites_own_pages_call_with_the_session_cookie_and_a_csrf_token(world):
    client = Client(enforce_csrf_checks=True, HTTP_HOST="localhost")
    client.force_login(world.staff_a)
    before = counts(world.shop_a)

    forged = send(client, "post", API + "/products", with_variant())
    after_forged = counts(world.shop_a)
    secret = get_random_string(32)
    client.cookies["csrftoken"] = secret
    created = client.post(
        API + "/products",
        json.dumps(with_variant()),
        content_type="application/json",
        headers={"X-CSRFToken": secret},
    )
    listed = client.get(API + "/products", {"q": "new thing"})

    assert (forged.status_code, forged.json()["code"]) == (403, "csrf_failed")
    assert after_forged == before
    assert created.status_code == 201
    assert [item["title"] for item in listed.json()["items"]] == ["New thing"]
    with shop_schema(world.shop_a):
        assert StockMovement.objects.get(sku="NEW-1").actor_email == world.staff_a.email


# --- throttling and the OpenAPI document ---------------------------------------------------


def test_catalog_writes_count_against_the_write_limit(world, mug):
    client = api_client(world.staff_a)
    path = f"{API}/variants/{mug['variants'][0]['id']}/stock"

    with override_settings(API_THROTTLE_RATES={"auth": "20/min", "write": "2/min"}):
        answers = [send(client, "post", path, {"delta": 1, "reason": "restock"}) for _ in range(3)]
        reads = client.get(f"{API}/products/{mug['id']}")

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[2].json()["code"] == "throttled"
    assert int(answers[2]["Retry-After"]) > 0
    assert reads.status_code == 200  # reads are not counted
    with shop_schema(world.shop_a):
        assert Variant.objects.get(id=mug["variants"][0]["id"]).stock == 6


def test_every_catalog_operation_is_documented(client):
    document = client.get("/api/v1/openapi.json").json()
    operations = {
        (method, path.removeprefix("/api/v1/shops/{shop_slug}/catalog")): operation
        for path, methods in document["paths"].items()
        if "/catalog/" in path
        for method, operation in methods.items()
    }

    assert sorted(operations) == [
        ("delete", "/products/{product_id}"),
        ("delete", "/products/{product_id}/images/{image_id}"),
        ("get", "/products"),
        ("get", "/products/{product_id}"),
        ("get", "/products/{product_id}/variants"),
        ("get", "/variants/{variant_id}"),
        ("get", "/variants/{variant_id}/stock/movements"),
        ("patch", "/products/{product_id}/images/{image_id}"),
        ("patch", "/variants/{variant_id}"),
        ("post", "/products"),
        ("post", "/products/bulk-status"),
        ("post", "/products/{product_id}/images"),
        ("post", "/variants/{variant_id}/stock"),
        ("put", "/products/{product_id}"),
        ("put", "/products/{product_id}/images/order"),
    ]
    for (method, path), operation in operations.items():
        assert operation["tags"] == ["seller catalog"], path
        assert operation["security"] == [{"JWTBearer": []}, {"SessionCookie": []}], path
        errors = {code for code in operation["responses"] if not code.startswith("2")}
        assert {"401", "403", "404"} <= errors, (method, path)
        assert ("429" in errors) == (method != "get"), (method, path)
    upload_body = operations[("post", "/products/{product_id}/images")]["requestBody"]
    assert list(upload_body["content"]) == ["multipart/form-data"]
