"""Who may call each seller catalog endpoint, row by row (docs/permissions.md).

Every endpoint under /api/v1/shops/<slug>/catalog/: anonymous callers get 401, people who
don't work for the shop (a shopper, another shop's owner, a platform admin) 403, every
role of the shop gets through; a suspended shop refuses every write; an id that exists
only in another shop's schema is 404. Whatever is refused changes nothing, files included.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from sellers.catalog.models import Product, ProductImage, Variant
from tenants.models import Shop
from tenants.schemas import shop_schema
from tenants.services import shop_suspend
from tests.factories import UserFactory, make_product
from tests.sellers.test_seller_api import add_image, api_client, catalog_snapshot, send
from tests.tenants.support import image_bytes, upload

pytestmark = pytest.mark.django_db

API = "/api/v1/shops/alpha-goods/catalog"

Body = Callable[[dict[str, int]], Any] | None


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    path: str  # {product}, {variant} and {image} are ids in the shop addressed
    body: Body
    allowed: int  # the status owners, managers and staff get
    writes: bool


def replacement(ids: dict[str, int]) -> dict[str, Any]:
    return {
        "title": "Renamed",
        "variants": [{"id": ids["variant"], "sku": "SEC-1", "price": "11.00", "stock": 3}],
    }


ROWS = [
    Row("list products", "get", "/products", None, 200, writes=False),
    Row("read a product", "get", "/products/{product}", None, 200, writes=False),
    Row("list variants", "get", "/products/{product}/variants", None, 200, writes=False),
    Row("read a variant", "get", "/variants/{variant}", None, 200, writes=False),
    Row("list stock movements", "get", "/variants/{variant}/stock/movements", None, 200,
        writes=False),
    Row("create a product", "post", "/products",
        lambda ids: {"title": "Intruder", "variants": [{"sku": "IN-1", "price": "1.00"}]},
        201, writes=True),
    Row("replace a product", "put", "/products/{product}", replacement, 200, writes=True),
    Row("delete a product", "delete", "/products/{product}", None, 204, writes=True),
    Row("change statuses", "post", "/products/bulk-status",
        lambda ids: {"product_ids": [ids["product"]], "status": "archived"}, 200, writes=True),
    Row("patch a variant", "patch", "/variants/{variant}", lambda ids: {"price": "99.00"}, 200,
        writes=True),
    Row("adjust stock", "post", "/variants/{variant}/stock",
        lambda ids: {"delta": 5, "reason": "restock"}, 200, writes=True),
    Row("upload an image", "post", "/products/{product}/images",
        lambda ids: {"image": upload(image_bytes())}, 201, writes=True),
    Row("describe an image", "patch", "/products/{product}/images/{image}",
        lambda ids: {"alt": "Defaced"}, 200, writes=True),
    Row("reorder images", "put", "/products/{product}/images/order",
        lambda ids: {"image_ids": [ids["other_image"], ids["image"]]}, 200, writes=True),
    Row("delete an image", "delete", "/products/{product}/images/{image}", None, 204,
        writes=True),
]  # fmt: skip

WRITES = [row for row in ROWS if row.writes]
READS = [row for row in ROWS if not row.writes]
# Rows whose path names a product, variant or image.
ADDRESSED = [row for row in ROWS if "{" in row.path]


def call(client: Client, row: Row, ids: dict[str, int], *, slug: str = "alpha-goods") -> Any:
    path = f"/api/v1/shops/{slug}/catalog" + row.path.format(**ids)
    return send(client, row.method, path, row.body(ids) if row.body else None)


@pytest.fixture
def target(world, media_root) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """A published product of alpha-goods with one variant and two images."""
    product = make_product(shop=world.shop_a, title="Guarded lamp", stock=4)
    image = add_image(world.shop_a, product, alt="Front")
    other = add_image(world.shop_a, product, alt="Back")
    with shop_schema(world.shop_a):
        variant = Variant.objects.get(product=product)
    return {
        "product": product.id,
        "variant": variant.id,
        "image": image.id,
        "other_image": other.id,
    }


def files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


def snapshot(shop: Shop, media_root: Path) -> tuple[Any, ...]:
    return (catalog_snapshot(shop), files(media_root))


USERS = ["owner_a", "manager_a", "staff_a"]


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
@pytest.mark.parametrize("who", USERS)
def test_every_role_of_the_shop_may_use_every_endpoint(world, target, row, who):
    response = call(api_client(getattr(world, who)), row, target)

    assert response.status_code == row.allowed, response.content


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
@pytest.mark.parametrize("who", ["anonymous", "shopper", "owner_b", "platform_admin"])
def test_nobody_outside_the_shop_gets_any_row(world, target, media_root, row, who):
    user = {
        "anonymous": None,
        "shopper": world.shopper,
        "owner_b": world.owner_b,
        "platform_admin": UserFactory(is_staff=True),
    }[who]
    before = snapshot(world.shop_a, media_root)

    response = call(api_client(user), row, target)

    if user is None:
        assert response.json() == {
            "detail": "Authentication required.",
            "code": "not_authenticated",
        }
        assert response.status_code == 401
    else:
        assert response.json() == {"detail": "You don't work for this shop.",
                                   "code": "permission_denied"}  # fmt: skip
        assert response.status_code == 403
    assert snapshot(world.shop_a, media_root) == before


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_another_shops_owner_signed_in_on_the_site_is_refused_too(
    world, target, media_root, as_user, row
):
    before = snapshot(world.shop_a, media_root)

    response = call(as_user(world.owner_b), row, target)

    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert snapshot(world.shop_a, media_root) == before


@pytest.mark.parametrize("row", WRITES, ids=[row.name for row in WRITES])
def test_a_suspended_shop_refuses_every_write(world, target, media_root, row):
    shop_suspend(shop=world.shop_a, reason="Review", by=UserFactory(is_staff=True))
    before = snapshot(world.shop_a, media_root)

    response = call(api_client(world.owner_a), row, target)

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Alpha Goods is suspended by the platform, so its dashboard is read-only. "
        "Nothing was changed.",
        "code": "shop_suspended",
    }
    assert snapshot(world.shop_a, media_root) == before


@pytest.mark.parametrize("row", READS, ids=[row.name for row in READS])
def test_a_suspended_shops_members_still_read_their_catalog(world, target, row):
    shop_suspend(shop=world.shop_a, reason="Review", by=UserFactory(is_staff=True))

    response = call(api_client(world.staff_a), row, target)

    assert response.status_code == 200


@pytest.fixture
def beta_ids(world, media_root) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Ids of a beta-store product, variant and images that alpha-goods' schema lacks.

    Each shop numbers its rows in its own schema, so the same id may exist in both; any
    alpha row that happens to share one is removed for this test (rolled back after)."""
    product = make_product(shop=world.shop_b, title="Beta secret", status="draft", stock=9)
    image = add_image(world.shop_b, product, alt="Beta only")
    other = add_image(world.shop_b, product, alt="Beta back")
    with shop_schema(world.shop_b):
        variant = Variant.objects.get(product=product)
    ids = {"product": product.id, "variant": variant.id, "image": image.id,
           "other_image": other.id}  # fmt: skip
    with shop_schema(world.shop_a):
        ProductImage.objects.filter(id__in=[image.id, other.id]).delete()
        Variant.objects.filter(id=variant.id).delete()
        Product.objects.filter(id=product.id).delete()
    return ids


@pytest.mark.parametrize("row", ADDRESSED, ids=[row.name for row in ADDRESSED])
def test_another_shops_ids_are_not_found_here(world, beta_ids, media_root, row):
    before = (snapshot(world.shop_a, media_root), catalog_snapshot(world.shop_b))

    response = call(api_client(world.owner_a), row, beta_ids)

    assert response.status_code == 404, response.content
    assert response.json()["code"] == "not_found"
    assert (snapshot(world.shop_a, media_root), catalog_snapshot(world.shop_b)) == before


def test_bulk_status_with_another_shops_product_id_is_not_found(world, beta_ids):
    before = (catalog_snapshot(world.shop_a), catalog_snapshot(world.shop_b))

    response = send(api_client(world.owner_a), "post", API + "/products/bulk-status",
                    {"product_ids": [beta_ids["product"]], "status": "published"})  # fmt: skip

    assert response.status_code == 404
    assert (catalog_snapshot(world.shop_a), catalog_snapshot(world.shop_b)) == before


@pytest.mark.parametrize("row", ADDRESSED, ids=[row.name for row in ADDRESSED])
def test_their_own_ids_under_their_shop_do_not_reach_ours(world, target, media_root, row):
    """beta-store's owner addressing alpha's ids under beta-store's own path: 404 (or, for
    ids that beta happens to have too, beta's own row) — alpha never changes."""
    before = snapshot(world.shop_a, media_root)

    call(api_client(world.owner_b), row, target, slug="beta-store")

    assert catalog_snapshot(world.shop_a) == before[0]
