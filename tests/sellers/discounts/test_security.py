"""Who may reach each discount and promotion route: another shop's staff, a shopper and
an anonymous visitor are refused and change nothing; staff read but never write;
promotions are for platform admins only."""

from __future__ import annotations

import json

import pytest

from marketplace.events.models import OutboxEvent
from sellers.promotions.models import PlatformPromotion, ScheduledDiscount
from sellers.promotions.services import promotion_create
from tests.factories import UserFactory
from tests.sellers.discounts.conftest import HOUR, NOW, discounts_of, make_discount
from tests.sellers.discounts.test_promotions import promotion_input

pytestmark = pytest.mark.django_db

FORM = {"name": "Hijack", "kind": "percentage", "value": "90", "scope": "shop", "time_zone": "UTC"}
API_BODY = {"name": "Hijack", "kind": "percentage", "value": "90"}


@pytest.fixture
def discount(world):  # type: ignore[no-untyped-def]
    return make_discount(world.shop_a, name="Alpha spring", starts_at=NOW + HOUR)


def state(world) -> tuple[object, ...]:  # type: ignore[no-untyped-def]
    return (
        discounts_of(world.shop_a),
        discounts_of(world.shop_b),
        list(ScheduledDiscount.objects.values_list("discount_id", "version")),
        OutboxEvent.objects.filter(type__startswith="discount.").count(),
    )


def dashboard_routes(discount_id: int) -> list[tuple[str, str, dict[str, str] | None]]:
    base = "/sell/alpha-goods/discounts/"
    return [
        ("get", base, None),
        ("get", base + "new/", None),
        ("post", base + "new/", FORM),
        ("get", base + "products/", None),
        ("get", f"{base}{discount_id}/", None),
        ("post", f"{base}{discount_id}/", {**FORM, "version": "1"}),
        ("post", f"{base}{discount_id}/delete/", {}),
    ]


def api_routes(discount_id: int) -> list[tuple[str, str, dict[str, str] | None]]:
    base = "/api/v1/shops/alpha-goods/discounts"
    return [
        ("get", base, None),
        ("post", base, API_BODY),
        ("get", f"{base}/{discount_id}", None),
        ("put", f"{base}/{discount_id}", API_BODY),
        ("delete", f"{base}/{discount_id}", None),
    ]


def call(client, method: str, path: str, data, *, api: bool = False):  # type: ignore[no-untyped-def]
    if api and data is not None:
        return getattr(client, method)(path, json.dumps(data), content_type="application/json")
    if data is None:
        return getattr(client, method)(path)
    return getattr(client, method)(path, data)


# --- the dashboard ----------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(world, as_user, discount):
    before = state(world)
    for method, path, data in dashboard_routes(discount.id):
        response = call(as_user(None), method, path, data)

        assert response.status_code == 302, path
        assert response["Location"] == f"/accounts/login/?next={path}"
    assert state(world) == before


@pytest.mark.parametrize("who", ["shopper", "owner_b"])
def test_people_who_dont_work_for_the_shop_get_403(world, as_user, discount, who):
    before = state(world)
    for method, path, data in dashboard_routes(discount.id):
        response = call(as_user(getattr(world, who)), method, path, data)

        assert response.status_code == 403, path
    assert state(world) == before


def test_staff_see_the_list_but_may_not_open_or_change_discounts(world, as_user, discount):
    before = state(world)
    for method, path, data in dashboard_routes(discount.id):
        response = call(as_user(world.staff_a), method, path, data)

        expected = 200 if path.endswith("/discounts/") and method == "get" else 403
        assert response.status_code == expected, path
        if expected == 403:
            assert response.context["error"].code == "role_not_allowed"
    assert state(world) == before


def test_a_suspended_shop_refuses_changes(world, as_user, discount):
    from tenants.models import Shop
    from tenants.services import shop_suspend

    admin = UserFactory(is_staff=True)
    shop_suspend(shop=Shop.objects.get(id=world.shop_a.id), reason="Checks", by=admin)
    before = state(world)

    page = as_user(world.owner_a).post("/sell/alpha-goods/discounts/new/", FORM)
    api = as_user(world.owner_a).post(
        "/api/v1/shops/alpha-goods/discounts", json.dumps(API_BODY), content_type="application/json"
    )

    assert page.status_code == 403
    assert (api.status_code, api.json()["code"]) == (403, "shop_suspended")
    assert state(world) == before


# --- the API ------------------------------------------------------------------------------


def test_the_api_needs_a_signed_in_caller(world, as_user, discount):
    before = state(world)
    for method, path, data in api_routes(discount.id):
        response = call(as_user(None), method, path, data, api=True)

        assert (response.status_code, response.json()["code"]) == (401, "not_authenticated"), path
    assert state(world) == before


@pytest.mark.parametrize("who", ["shopper", "owner_b"])
def test_the_api_refuses_people_who_dont_work_for_the_shop(world, as_user, discount, who):
    before = state(world)
    for method, path, data in api_routes(discount.id):
        response = call(as_user(getattr(world, who)), method, path, data, api=True)

        assert (response.status_code, response.json()["code"]) == (403, "permission_denied"), path
    assert state(world) == before


def test_the_api_lets_staff_read_but_not_write(world, as_user, discount):
    before = state(world)
    for method, path, data in api_routes(discount.id):
        response = call(as_user(world.staff_a), method, path, data, api=True)

        if method == "get":
            assert response.status_code == 200, path
        else:
            assert (response.status_code, response.json()["code"]) == (403, "role_not_allowed")
    assert state(world) == before


def test_another_shops_owner_cannot_reach_a_discount_through_their_own_shop(world, as_user):
    alpha = make_discount(world.shop_a, name="Alpha only", starts_at=NOW + HOUR)
    beta = make_discount(world.shop_b, name="Beta own", starts_at=NOW + HOUR)
    missing = max(alpha.id, beta.id) + 1
    before = state(world)
    client = as_user(world.owner_b)

    # Ids are per shop schema: through beta-store's URL only beta's discounts exist.
    response = client.delete(f"/api/v1/shops/beta-store/discounts/{missing}")

    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert state(world) == before


# --- platform promotions -------------------------------------------------------------------


@pytest.fixture
def promotion(world):  # type: ignore[no-untyped-def]
    admin = UserFactory(is_staff=True, email="promo-owner@example.test")
    return promotion_create(by=admin, data=promotion_input(), now=NOW)


def promotion_state() -> list[tuple[str, int]]:
    return list(PlatformPromotion.objects.order_by("id").values_list("name", "version"))


def platform_routes(promotion_id: int) -> list[tuple[str, str, dict[str, str] | None]]:
    return [
        ("get", "/platform/promotions/", None),
        ("get", "/platform/promotions/new/", None),
        ("post", "/platform/promotions/new/", FORM),
        ("get", f"/platform/promotions/{promotion_id}/", None),
        ("post", f"/platform/promotions/{promotion_id}/", {**FORM, "version": "1"}),
        ("post", f"/platform/promotions/{promotion_id}/delete/", {}),
    ]


def test_promotion_pages_send_anonymous_visitors_to_sign_in(world, as_user, promotion):
    before = promotion_state()
    for method, path, data in platform_routes(promotion.id):
        response = call(as_user(None), method, path, data)

        assert (response.status_code, response["Location"]) == (
            302,
            f"/accounts/login/?next={path}",
        )
    assert promotion_state() == before


@pytest.mark.parametrize("who", ["shopper", "owner_a", "manager_a", "owner_b"])
def test_promotion_pages_refuse_everyone_but_platform_admins(world, as_user, promotion, who):
    before = promotion_state()
    for method, path, data in platform_routes(promotion.id):
        response = call(as_user(getattr(world, who)), method, path, data)

        assert response.status_code == 403, path
    assert promotion_state() == before


@pytest.mark.parametrize("who", [None, "shopper", "owner_a"])
def test_the_promotions_api_is_for_platform_admins_only(world, as_user, promotion, who):
    before = promotion_state()
    base = "/api/v1/platform/promotions"
    client = as_user(getattr(world, who) if who else None)
    for method, path, data in [
        ("get", base, None),
        ("post", base, API_BODY),
        ("get", f"{base}/{promotion.id}", None),
        ("put", f"{base}/{promotion.id}", API_BODY),
        ("delete", f"{base}/{promotion.id}", None),
    ]:
        response = call(client, method, path, data, api=True)

        expected = (401, "not_authenticated") if who is None else (403, "permission_denied")
        assert (response.status_code, response.json()["code"]) == expected, path
    assert promotion_state() == before
