"""`manage.py seed_demo`: a small demo marketplace, idempotent.

It creates real shops (north-roast, ...) with their schemas; the test transaction rolls
all of it back, schemas included (PostgreSQL DDL is transactional).
"""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import SESSION_KEY, authenticate
from django.core.management import call_command
from django.db.models import Count, Sum
from django_tenants.utils import tenant_context

from marketplace.accounts.models import User
from sellers.catalog.models import Product
from sellers.listings.models import Category, Listing
from tenants.models import Membership, Shop

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path  # the demo's generated product pictures


DEMO_SHOPS = {"north-roast": 5, "clay-and-glaze": 4, "woolly-days": 4}


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, object]:
    per_shop = {}
    for shop in Shop.objects.filter(slug__in=DEMO_SHOPS):
        with tenant_context(shop):
            images = dict(Product.objects.annotate(n=Count("images")).values_list("title", "n"))
            per_shop[shop.slug] = sorted(
                (title, status, stock, images[title])
                for title, status, stock in Product.objects.annotate(
                    stock_total=Sum("variants__stock")
                ).values_list("title", "status", "stock_total")
            )
    return {
        "users": User.objects.count(),
        "shops": Shop.objects.count(),
        "memberships": Membership.objects.count(),
        "categories": Category.objects.count(),
        "listings": Listing.objects.count(),
        "products": per_shop,
    }


def test_seed_demo_twice_gives_the_same_marketplace(world):
    before = counts()

    first_output = seed()
    after_first = counts()
    second_output = seed()
    after_second = counts()

    assert after_second == after_first
    assert second_output == first_output
    assert after_first["users"] == before["users"] + 6  # admin, 2 shoppers, 3 owners
    assert after_first["shops"] == before["shops"] + 3
    assert after_first["memberships"] == before["memberships"] + 3
    assert after_first["categories"] == before["categories"] + 6
    assert after_first["listings"] == before["listings"] + 13
    assert {slug: len(products) for slug, products in after_first["products"].items()} == (
        DEMO_SHOPS
    )
    assert after_first["products"]["north-roast"] == [
        ("Colombia Huila", "published", 35, 1),
        ("Decaf Brazil, 250 g", "published", 0, 1),
        ("Ethiopia Guji", "published", 46, 1),
        ("Hand grinder", "published", 8, 1),
        ("Pour-over kettle", "published", 12, 1),
    ]
    jumper = Listing.objects.get(shop__slug="woolly-days", slug="fair-isle-jumper")
    assert (jumper.price, jumper.compare_at_price, jumper.on_sale, jumper.in_stock) == (
        Decimal("139.00"),
        Decimal("159.00"),
        True,
        True,
    )
    assert Shop.objects.filter(slug__in=DEMO_SHOPS, is_featured=True).count() == 2


def test_seed_demo_lists_the_logins(world):
    output = seed()

    assert output.splitlines() == [
        "Demo logins (password for all: demo-pass-2026)",
        "  platform admin  admin@marketplace.example",
        "  shop owner      owner@north-roast.example  → /sell/north-roast/",
        "  shop owner      owner@clay-and-glaze.example  → /sell/clay-and-glaze/",
        "  shop owner      owner@woolly-days.example  → /sell/woolly-days/",
        "  shopper         ada@shopper.example",
        "  shopper         ben@shopper.example",
    ]


def test_the_printed_logins_work_and_own_their_shops(world, client):
    seed()

    signed_in = client.post(
        "/accounts/login/",
        {"username": "owner@north-roast.example", "password": "demo-pass-2026"},
    )

    assert signed_in.status_code == 302
    owner = User.objects.get(email="owner@north-roast.example")
    assert client.session[SESSION_KEY] == str(owner.pk)
    assert list(Membership.objects.filter(user=owner).values_list("shop__slug", "role")) == [
        ("north-roast", "owner")
    ]
    assert client.get("/sell/").headers["Location"] == "/sell/north-roast/"
    assert client.get("/sell/north-roast/").status_code == 200
    assert client.get("/sell/clay-and-glaze/").status_code == 403
    assert client.get("/shops/woolly-days/products/fair-isle-jumper/").status_code == 200

    admin = authenticate(username="admin@marketplace.example", password="demo-pass-2026")
    shopper = authenticate(username="ada@shopper.example", password="demo-pass-2026")
    assert admin is not None
    assert (admin.is_staff, admin.is_superuser) == (True, True)
    assert shopper is not None
    assert (shopper.is_staff, shopper.is_superuser) == (False, False)


def test_seed_demo_adds_what_is_missing(world):
    seed()
    shop = Shop.objects.get(slug="clay-and-glaze")
    with tenant_context(shop):
        Product.objects.filter(title="Serving bowl").delete()
    Listing.objects.filter(shop=shop, title="Serving bowl").delete()

    seed()

    with tenant_context(shop):
        assert Product.objects.filter(title="Serving bowl").count() == 1
    assert Listing.objects.filter(shop=shop).count() == 4
