"""/platform/: shops list, search, suspend and reinstate; what a suspension hides."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import NoReverseMatch, reverse

from marketplace.events.models import OutboxEvent
from sellers.listings.sections import home_cache_key
from tenants.models import Shop
from tenants.services import shop_reinstate, shop_suspend
from tests.factories import UserFactory, make_product, make_shop

pytestmark = pytest.mark.django_db

ROUTES = [
    ("get", "/platform/", None),
    ("get", "/platform/shops/", None),
    ("get", "/platform/shops/alpha-goods/", None),
    ("post", "/platform/shops/alpha-goods/suspend/", {"reason": "Spam"}),
    ("post", "/platform/shops/alpha-goods/reinstate/", {}),
    ("post", "/platform/shops/alpha-goods/feature/", {"featured": "1"}),
]


@pytest.fixture
def admin():  # type: ignore[no-untyped-def]
    return UserFactory(is_staff=True, email="admin@example.test")


def shop_state(shop: Shop) -> tuple[str, str]:
    status, reason, featured = (
        Shop.objects.filter(id=shop.id)
        .values_list("status", "suspension_reason", "is_featured")
        .get()
    )
    assert featured is False, "no denied request may feature a shop"
    return status, reason


def events(shop: Shop) -> list[str]:
    return list(
        OutboxEvent.objects.filter(key=str(shop.id), type__in=["shop.suspended", "shop.reinstated"])
        .order_by("occurred_at", "id")
        .values_list("type", flat=True)
    )


# --- who may open /platform/ ------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "data"), ROUTES)
def test_anonymous_visitors_are_sent_to_sign_in(world, as_user, method, path, data):
    response = getattr(as_user(None), method)(path, data)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"
    assert shop_state(world.shop_a) == ("active", "")


@pytest.mark.parametrize(("method", "path", "data"), ROUTES)
@pytest.mark.parametrize("who", ["shopper", "owner_a", "manager_a", "staff_a", "owner_b"])
def test_everyone_but_platform_admins_is_refused(world, as_user, method, path, data, who):
    response = getattr(as_user(getattr(world, who)), method)(path, data)

    assert response.status_code == 403
    assert shop_state(world.shop_a) == ("active", "")
    assert events(world.shop_a) == []


def test_an_inactive_admin_account_is_refused(world, as_user):
    response = as_user(UserFactory(is_staff=True, is_active=False)).get("/platform/shops/")

    # Django signs inactive accounts out: they are anonymous here.
    assert response.status_code == 302


def test_platform_admins_see_the_index_and_the_shops(world, as_user, admin):
    client = as_user(admin)

    index = client.get("/platform/")
    shops = client.get("/platform/shops/")

    assert index.status_code == 200
    assert 'href="/platform/shops/"' in index.content.decode()
    assert shops.status_code == 200
    slugs = [shop.slug for shop in shops.context["page_obj"].object_list]
    assert {"alpha-goods", "beta-store"} <= set(slugs)
    assert "owner-a@example.test" in shops.content.decode()


# --- the list ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [("alpha", ["alpha-goods"]), ("BETA-st", ["beta-store"]), ("owner-b@", ["beta-store"]),
     ("manager", []), ("zzz-nothing", [])],
)  # fmt: skip
def test_search_by_name_address_or_owner_email(world, as_user, admin, query, expected):
    response = as_user(admin).get("/platform/shops/", {"q": query})

    assert [shop.slug for shop in response.context["page_obj"].object_list] == expected


def test_filter_by_status(world, as_user, admin):
    shop_suspend(shop=world.shop_b, reason="Spam", by=admin)
    client = as_user(admin)

    suspended = client.get("/platform/shops/", {"status": "suspended"})
    active = client.get("/platform/shops/", {"status": "active", "q": "-"})

    suspended_slugs = [shop.slug for shop in suspended.context["page_obj"].object_list]
    assert "beta-store" in suspended_slugs
    assert "alpha-goods" not in suspended_slugs
    assert "beta-store" not in [shop.slug for shop in active.context["page_obj"].object_list]


def test_the_list_is_paginated_by_25_newest_first(world, as_user, admin):
    made = [
        make_shop(name=f"Paged {number:02d}", slug=f"paged-{number:02d}") for number in range(27)
    ]

    first = as_user(admin).get("/platform/shops/", {"q": "paged"})
    second = as_user(admin).get("/platform/shops/", {"q": "paged", "page": "2"})

    assert first.context["page_obj"].paginator.count == 27
    assert [shop.slug for shop in first.context["page_obj"].object_list] == [
        shop.slug for shop in reversed(made)
    ][:25]
    assert [shop.slug for shop in second.context["page_obj"].object_list] == [
        "paged-01",
        "paged-00",
    ]
    assert "q=paged&amp;page=2" in first.content.decode()


def test_the_list_query_count_does_not_grow_with_shops(
    world, as_user, admin, django_assert_max_num_queries
):
    for number in range(12):
        make_shop(slug=f"count-{number:02d}")
    client = as_user(admin)
    client.get("/platform/shops/")  # warm the session cache

    # user, count, the page of shops, their owners (one prefetch), plus search_path sets.
    with django_assert_max_num_queries(8):
        response = client.get("/platform/shops/")

    assert len(response.context["page_obj"].object_list) == 14


# --- suspending and reinstating ---------------------------------------------------------


def test_an_admin_suspends_with_a_reason_and_reinstates(world, as_user, admin):
    client = as_user(admin)

    suspended = client.post("/platform/shops/alpha-goods/suspend/", {"reason": "Counterfeits"})
    detail = client.get("/platform/shops/alpha-goods/")
    reinstated = client.post("/platform/shops/alpha-goods/reinstate/")

    assert (suspended.status_code, suspended["Location"]) == (302, "/platform/shops/alpha-goods/")
    assert "Counterfeits" in detail.content.decode()
    assert "Reinstate Alpha Goods" in detail.content.decode()
    assert (reinstated.status_code, reinstated["Location"]) == (302, "/platform/shops/alpha-goods/")
    assert shop_state(world.shop_a) == ("active", "")
    assert events(world.shop_a) == ["shop.suspended", "shop.reinstated"]
    event = OutboxEvent.objects.get(key=str(world.shop_a.id), type="shop.suspended")
    assert event.data == {
        "shop_id": world.shop_a.id,
        "slug": "alpha-goods",
        "reason": "Counterfeits",
        "suspended_by": admin.id,
    }


@pytest.mark.parametrize("reason", ["", "   ", "x" * 1001])
def test_a_suspension_needs_a_reason_and_nothing_changes_without_one(world, as_user, admin, reason):
    response = as_user(admin).post("/platform/shops/alpha-goods/suspend/", {"reason": reason})

    assert response.status_code == 422
    assert list(response.context["form"].errors) == ["reason"]
    assert 'name="reason"' in response.content.decode()
    assert shop_state(world.shop_a) == ("active", "")
    assert events(world.shop_a) == []


def test_suspending_twice_or_reinstating_an_active_shop_is_refused(world, as_user, admin):
    client = as_user(admin)
    client.post("/platform/shops/alpha-goods/suspend/", {"reason": "First"})

    again = client.post("/platform/shops/alpha-goods/suspend/", {"reason": "Second"})
    active = client.post("/platform/shops/beta-store/reinstate/")

    assert again.status_code == 422
    assert again.context["form"].non_field_errors() == ["Alpha Goods is already suspended."]
    assert shop_state(world.shop_a) == ("suspended", "First")
    assert active.status_code == 409
    assert events(world.shop_a) == ["shop.suspended"]
    assert events(world.shop_b) == []


def test_the_forms_need_csrf(world, admin):
    from django.test import Client

    client = Client(HTTP_HOST="localhost", enforce_csrf_checks=True)
    client.force_login(admin)

    response = client.post("/platform/shops/alpha-goods/suspend/", {"reason": "x"})

    assert response.status_code == 403
    assert shop_state(world.shop_a) == ("active", "")


def test_an_unknown_shop_is_404(world, as_user, admin):
    assert as_user(admin).get("/platform/shops/no-such-shop/").status_code == 404


# --- what a suspension hides, and reinstating brings back -------------------------------


def home_titles(client) -> list[str]:  # type: ignore[no-untyped-def]
    cache.delete(home_cache_key())  # the homepage may be a minute behind; tests look now
    return [listing.title for listing in client.get("/").context["sections"].new_arrivals]


def search_titles(client, query: str) -> list[str] | None:  # type: ignore[no-untyped-def]
    try:
        path = reverse("storefront:search")
    except NoReverseMatch:
        return None  # the search page is routed by another part of the storefront
    return [listing.title for listing in client.get(path, {"q": query}).context["page_obj"]]


def test_a_suspended_shop_vanishes_from_every_cross_shop_read_and_comes_back(
    world, as_user, client, admin
):
    make_product(shop=world.shop_a, title="Alpha kettle")
    shop_suspend(shop=world.shop_a, reason="Review", by=admin)

    api = client.get("/api/v1/listings", {"q": "kettle"})
    storefront = client.get("/shops/alpha-goods/")
    product = client.get("/shops/alpha-goods/products/alpha-lamp/")
    sitemap = client.get("/sitemaps/products-1.xml").content.decode()

    assert home_titles(client) == ["Beta kettle"]
    assert search_titles(client, "kettle") in (None, ["Beta kettle"])
    assert [item["title"] for item in api.json()["items"]] == ["Beta kettle"]
    assert "alpha-goods" not in sitemap
    assert storefront.status_code == 200
    assert storefront.templates[0].name == "storefront/shop_suspended.html"
    body = storefront.content.decode()
    assert "This shop is temporarily unavailable" in body
    assert "Alpha lamp" not in body
    assert "Review" not in body  # the reason is for the shop's staff, not shoppers
    assert '<meta name="robots" content="noindex">' in body
    assert product.status_code == 404
    assert "This shop is temporarily unavailable" in product.content.decode()

    shop_reinstate(shop=world.shop_a, by=admin)

    assert home_titles(client) == ["Alpha kettle", "Beta kettle", "Alpha lamp"]
    assert search_titles(client, "kettle") in (None, ["Alpha kettle", "Beta kettle"])
    assert "Alpha lamp" in client.get("/shops/alpha-goods/").content.decode()
    assert client.get("/shops/alpha-goods/products/alpha-lamp/").status_code == 200
    assert "alpha-goods" in client.get("/sitemaps/products-1.xml").content.decode()


def test_the_suspended_dashboard_shows_a_banner_and_hides_the_product_form(world, as_user, admin):
    shop_suspend(shop=world.shop_a, reason="Unpaid fees", by=admin)

    response = as_user(world.owner_a).get("/sell/alpha-goods/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "This shop is suspended by the platform." in body
    assert "Reason: Unpaid fees" in body
    assert "Add a product" not in body
    assert "Alpha lamp" in body  # still readable


# --- featuring shops on the homepage ----------------------------------------------------


def featured_names(client) -> list[tuple[str, bool]]:  # type: ignore[no-untyped-def]
    cache.delete(home_cache_key())
    return [(card.name, card.is_featured) for card in client.get("/").context["sections"].shops]


def test_an_admin_features_a_shop_and_stops_featuring_it(world, as_user, client, admin):
    admin_client = as_user(admin)
    assert featured_names(client) == [("Alpha Goods", False), ("Beta Store", False)]

    featured = admin_client.post("/platform/shops/beta-store/feature/", {"featured": "1"})

    assert (featured.status_code, featured["Location"]) == (302, "/platform/shops/beta-store/")
    assert Shop.objects.get(id=world.shop_b.id).is_featured is True
    assert featured_names(client) == [("Beta Store", True), ("Alpha Goods", False)]
    page = admin_client.get("/platform/shops/beta-store/").content.decode()
    assert "Beta Store is featured on the homepage." in page
    assert '<span class="badge badge--info">Featured</span>' in page
    assert "Stop featuring Beta Store" in page

    stopped = admin_client.post("/platform/shops/beta-store/feature/", {"featured": "0"})

    assert stopped.status_code == 302
    assert Shop.objects.get(id=world.shop_b.id).is_featured is False
    assert (
        "Feature Beta Store on the homepage"
        in admin_client.get("/platform/shops/beta-store/").content.decode()
    )


@pytest.mark.parametrize("value", ["", "yes", "2"])
def test_featuring_needs_a_clear_choice(world, as_user, admin, value):
    response = as_user(admin).post("/platform/shops/beta-store/feature/", {"featured": value})

    assert response.status_code == 400
    assert "Choose whether to feature the shop." in response.content.decode()
    assert Shop.objects.get(id=world.shop_b.id).is_featured is False


def test_featuring_only_answers_post(world, as_user, admin):
    response = as_user(admin).get("/platform/shops/beta-store/feature/")

    assert response.status_code == 405


def test_a_featured_but_suspended_shop_stays_off_the_homepage(world, as_user, client, admin):
    as_user(admin).post("/platform/shops/beta-store/feature/", {"featured": "1"})
    shop_suspend(shop=world.shop_b, reason="Review", by=admin)

    assert featured_names(client) == [("Alpha Goods", False)]
